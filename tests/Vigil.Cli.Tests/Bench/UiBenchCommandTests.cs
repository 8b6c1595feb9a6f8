using System.Text.Json;

namespace Vigil.Cli.Tests.Bench;

/// <summary>
/// <c>vigil bench ui</c>: bad options are usage errors, and a tiny run (a real <c>vigil serve</c> child filled through
/// its intake) reports every page of the table with status 200 and a positive time.
/// </summary>
public sealed class UiBenchCommandTests
{
    [Theory]
    [InlineData("--services", "0")]
    [InlineData("--hours", "0")]
    [InlineData("--hours", "200")]
    [InlineData("--services", "5", "--releases", "4")]
    [InlineData("--services", "2", "--releases", "41")]
    [InlineData("--requests", "0")]
    [InlineData("--warmup", "-1")]
    public async Task BadOptions_AreUsageErrors(params string[] args)
    {
        var run = await CliRun.RunAsync(["bench", "ui", .. args]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TinyRun_ReportsEveryPage_WithStatus200AndAPositiveTime()
    {
        var run = await CliRun.RunAsync(
            ["bench", "ui", "--services", "2", "--releases", "3", "--hours", "1", "--requests", "5", "--warmup", "1", "-o", "json"], time: TimeProvider.System);

        // Exit 0 or 1: whether a busy machine meets the time bar is not what this test is about.
        Assert.True(run.ExitCode is 0 or 1, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var seed = json.RootElement.GetProperty("seed");
        Assert.Equal(3, seed.GetProperty("releases").GetInt32());
        Assert.True(seed.GetProperty("samples").GetInt64() > 0, run.ToString());
        Assert.True(seed.GetProperty("verdicts").GetInt32() >= 1, run.ToString());
        var pages = json.RootElement.GetProperty("pages").EnumerateArray().ToList();
        Assert.Equal(
            ["overview", "releases", "service", "release", "explore (PromQL)", "explore logs", "explore traces", "trace", "checks", "drift", "anomalies"],
            pages.Select(p => p.GetProperty("name").GetString()));
        foreach (var page in pages)
        {
            Assert.True(page.GetProperty("status").GetInt32() == 200, page.ToString());
            Assert.False(page.GetProperty("missing").GetBoolean(), page.ToString());
            Assert.Equal(5, page.GetProperty("requests").GetInt32());
            Assert.True(page.GetProperty("bytes").GetInt64() > 0, page.ToString());
            Assert.True(page.GetProperty("p95Ms").GetDouble() > 0, page.ToString());
        }
    }
}
