using System.Text.Json;

namespace Vigil.Cli.Tests.Bench;

/// <summary><c>vigil bench judge</c>: a small run prints both judges' figures and the bar; bad options are usage errors.</summary>
public sealed class JudgeBenchCommandTests
{
    [Fact]
    public async Task SmallRun_PrintsTheTablesForBothJudges_AndFailsTheBarForTooFewVerdicts()
    {
        var run = await CliRun.RunAsync(["bench", "judge", "--runs", "2", "--seed", "7"]);

        // 15 A/A scenarios x 2 runs is far below the 2,000 A/A verdicts the bar needs: exit 1, saying so.
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("JUDGE", run.Out, StringComparison.Ordinal);
        Assert.Contains("vigil ", run.Out, StringComparison.Ordinal);
        Assert.Contains("kayenta-style", run.Out, StringComparison.Ordinal);
        Assert.Contains("KAYENTA_STYLE_FAIL", run.Out, StringComparison.Ordinal);
        Assert.Contains("KAYENTA_ONCE_FAIL", run.Out, StringComparison.Ordinal);
        Assert.Contains("errors x2 @1%", run.Out, StringComparison.Ordinal);
        Assert.Contains("latency +50%", run.Out, StringComparison.Ordinal);
        Assert.Contains("bar: false-fail rate <= 1% over >= 2,000 A/A verdicts: NOT met (only", run.Out, StringComparison.Ordinal);
        Assert.Contains("first bar NOT met", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_HasEveryScenarioForBothJudges_AndTheBar()
    {
        var run = await CliRun.RunAsync(["bench", "judge", "--runs", "1", "--output", "json"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        using var document = JsonDocument.Parse(run.Out);
        var root = document.RootElement;
        Assert.Equal(95, root.GetProperty("scenarios").GetArrayLength());
        Assert.Equal(["vigil", "kayenta-style", "kayenta-once"], root.GetProperty("judges").EnumerateArray().Select(j => j.GetProperty("name").GetString()));
        Assert.Equal(3, root.GetProperty("bar").GetArrayLength());
        Assert.False(root.GetProperty("barMet").GetBoolean());
    }

    [Theory]
    [InlineData("--runs", "0")]
    [InlineData("--seed", "-1")]
    public async Task BadOption_IsAUsageError(string option, string value)
    {
        var run = await CliRun.RunAsync(["bench", "judge", option, value]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
    }
}
