using System.Text.Json;

namespace Vigil.Cli.Tests.Bench;

/// <summary><c>vigil bench judge</c>: a small run prints both judges' figures and the bar; a plan file replaces the default plan; bad options and plans are usage errors.</summary>
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

    [Fact]
    public async Task PlanFile_IsMeasuredInsteadOfTheDefaultPlan()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "plan.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata:
              name: strict-latency
            spec:
              interval: 1m
              duration: 5m
              metrics:
              - name: error-ratio
                kind: count-ratio
                direction: increase
                query: 'sum(errors)'
                totalQuery: 'sum(requests)'
                critical: true
              - name: p95-latency
                kind: latency-histogram
                direction: increase
                query: 'sum by (le) (latency_bucket)'
                quantile: 0.95
                critical: true
                allowedEffect: 0
            """);

        var run = await CliRun.RunAsync(["bench", "judge", "--runs", "1", "--plan", path, "--output", "json"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        using var document = JsonDocument.Parse(run.Out);
        var root = document.RootElement;
        Assert.Equal("strict-latency", root.GetProperty("plan").GetString());
        Assert.Equal(5, root.GetProperty("looks").GetInt32());
        Assert.Equal(95, root.GetProperty("scenarios").GetArrayLength());
    }

    [Fact]
    public async Task BadPlanFile_IsAUsageError_NamingFileLineAndReason()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "plan.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata:
              name: broken
            spec:
              metrics:
              - name: p95-latency
                kind: latency-histogram
                query: 'sum by (le) (latency_bucket)'
                quantile: 1.5
            """);

        var run = await CliRun.RunAsync(["bench", "judge", "--runs", "1", "--plan", path]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{path}:10:", run.Error, StringComparison.Ordinal);
        Assert.Contains("quantile", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("JUDGE", run.Out, StringComparison.Ordinal);

        var missing = await CliRun.RunAsync(["bench", "judge", "--plan", Path.Combine(folder.Path, "none.yaml")]);
        Assert.True(missing.ExitCode == 3, missing.ToString());
        Assert.Contains("cannot read", missing.Error, StringComparison.Ordinal);
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
