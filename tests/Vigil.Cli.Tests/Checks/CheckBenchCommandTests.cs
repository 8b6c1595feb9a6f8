using System.Text.Json;

namespace Vigil.Cli.Tests.Checks;

/// <summary>
/// <c>vigil bench checks</c>: bad options are usage errors, and a tiny run of both sides (real blackbox_exporter, real
/// <c>vigil serve</c> child) completes every due check with one fresh connection per request.
/// </summary>
public sealed class CheckBenchCommandTests
{
    [Theory]
    [InlineData("--targets", "0")]
    [InlineData("--interval", "500ms")]
    [InlineData("--interval", "10s", "--duration", "5s")]
    [InlineData("--only", "prometheus")]
    public async Task BadOptions_AreUsageErrors(params string[] args)
    {
        var run = await CliRun.RunAsync(["bench", "checks", .. args]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TinyRun_BothSidesCompleteEveryDueCheck_WithAFreshConnectionEach()
    {
        // A 4s interval gives each check a 2s timeout: a fresh process on a busy CI machine can stall past 500 ms (a 1s
        // interval once failed 16 of 60 checks on timeouts there), and timing under load is the benchmark's job, not this test's.
        var run = await CliRun.RunAsync(["bench", "checks", "--targets", "10", "--interval", "4s", "--duration", "8s", "-o", "json"], time: TimeProvider.System);

        // Exit 0 or 1: whether the CPU bar is met on a busy machine is not what this test is about.
        Assert.True(run.ExitCode is 0 or 1, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var sides = json.RootElement.GetProperty("sides").EnumerateArray().ToList();
        Assert.Equal(["blackbox_exporter", "vigil"], sides.Select(s => s.GetProperty("system").GetString()));
        foreach (var side in sides)
        {
            var expected = side.GetProperty("expected").GetInt64();
            Assert.Equal(20, expected);
            // The window's edges may cut one run per target either way.
            Assert.InRange(side.GetProperty("checks").GetInt64(), expected - 10, expected + 10);
            Assert.True(side.GetProperty("failures").GetInt64() == 0, side.ToString());
            Assert.Equal(side.GetProperty("targetRequests").GetInt64(), side.GetProperty("targetConnections").GetInt64());
            Assert.True(side.GetProperty("cpuSeconds").GetDouble() > 0, run.ToString());
        }

        Assert.True(sides[1].GetProperty("jitterP99Ms").GetDouble() >= 0);
    }
}
