using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Plans;
using Vigil.Server.Tests.Integration;
using Xunit.Abstractions;

namespace Vigil.Server.Tests.EndToEnd;

/// <summary>
/// The release verdict end to end, with real processes only: <c>vigil serve</c>, a test plan applied with
/// <c>vigil apply -f</c> (5-second interval, the default plan's metrics), the sample service as v1 (baseline) and v2
/// (canary) side by side under the traffic driver at 45 requests/s each, and
/// <c>vigil release verify --wait</c> as a CI pipeline runs it. A v2 failing 5% of requests (v1: 0.5%) or 50% slower
/// fails the release (exit 1, the failing metric named with its numbers); an identical v2 passes (exit 0).
/// Each case has its own server, data folder and ports; the timings are printed.
/// </summary>
public sealed partial class ReleaseVerificationEndToEndTests(ITestOutputHelper output)
{
    private const string Service = "checkout";
    private const string Environment = "e2e";
    private const string BaselineVersion = "1.0.0";
    private const string CanaryVersion = "2.0.0";
    // Not 40: at 40/s a version failing every 200th request fails exactly every 5 s, in phase with the plan's 5-second
    // interval, and increase() over back-to-back windows drops a counter step that falls between one window's last
    // sample and the next one's first, so that version's errors would be counted always or never depending on when it
    // started. At 45/s the failures drift through the windows' phase (a full cycle in 9 intervals).
    private const double RequestsPerSecondPerVersion = 45;
    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromSeconds(85);

    // v1 (and an identical v2): 20 ms + up to 4 ms of seeded jitter, 1 request in 200 fails (0.5%).
    private static readonly string[] BaselineKnobs = ["--fail-every", "200", "--latency-ms", "20", "--jitter-ms", "4", "--seed", "1"];

    [Fact]
    public async Task CanaryFailingFivePercent_VerifyWaitExitsOneNamingErrorRatio()
    {
        var result = await RunCaseAsync("errors", ["--fail-every", "20", "--latency-ms", "20", "--jitter-ms", "4", "--seed", "2"]);

        Assert.True(result.ExitCode == 1, Describe("a canary failing 5% vs 0.5% fails the release (exit 1)", result));
        Assert.Equal("Fail", result.Verdict.Verdict);
        var errors = result.Verdict.Metrics.Single(m => m.Name == "error-ratio");
        Assert.Equal("High", errors.Classification);
        Assert.True(errors.CanarySamples > 0 && errors.BaselineSamples > 0, Describe("the error ratio is judged on requests of both sides", result));
        AssertNamesMetricWithNumbers(result, "error-ratio");
    }

    [Fact]
    public async Task CanaryFiftyPercentSlower_VerifyWaitExitsOneNamingLatency()
    {
        var result = await RunCaseAsync("latency", ["--fail-every", "200", "--latency-ms", "20", "--latency-factor", "1.5", "--jitter-ms", "4", "--seed", "2"]);

        Assert.True(result.ExitCode == 1, Describe("a canary 50% slower fails the release (exit 1)", result));
        Assert.Equal("Fail", result.Verdict.Verdict);
        var latency = result.Verdict.Metrics.Where(m => m.Kind == "latency_histogram" && m.Classification == "High").ToList();
        Assert.True(latency.Count > 0, Describe("at least one latency metric is High", result));
        Assert.NotEqual("High", result.Verdict.Metrics.Single(m => m.Name == "error-ratio").Classification);
        AssertNamesMetricWithNumbers(result, latency[0].Name);
    }

    [Fact]
    public async Task CanaryIdenticalToBaseline_VerifyWaitExitsZero()
    {
        var result = await RunCaseAsync("identical", [.. BaselineKnobs[..^1], "2"]);

        Assert.True(result.ExitCode == 0, Describe("an identical canary passes (exit 0)", result));
        Assert.Equal("Pass", result.Verdict.Verdict);
        Assert.DoesNotContain(result.Verdict.Metrics, m => m.Classification == "High" && m.Critical);
    }

    /// <summary>The plan the test applies: the default plan's metrics, on a 5-second interval for a minute at most.</summary>
    internal static string PlanYaml(string name)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("apiVersion: vigil/v1");
        yaml.AppendLine("kind: VerificationPlan");
        yaml.AppendLine("metadata:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  name: {name}");
        yaml.AppendLine("spec:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  services: [{Service}]");
        yaml.AppendLine("  mode: canary");
        yaml.AppendLine("  interval: 5s");
        yaml.AppendLine("  duration: 60s");
        yaml.AppendLine("  minimumIntervals: 2");
        yaml.AppendLine("  minimumRequests: 100");
        yaml.AppendLine("  metrics:");
        foreach (var metric in DefaultVerificationPlan.Plan.Metrics)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    - name: {metric.Name}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      kind: {Kebab(metric.Kind.ToString())}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      direction: {Kebab(metric.Direction.ToString())}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      query: {Quoted(metric.Query)}");
            if (metric.TotalQuery is { } total)
            {
                yaml.AppendLine(CultureInfo.InvariantCulture, $"      totalQuery: {Quoted(total)}");
            }

            if (metric.Quantile is { } quantile)
            {
                yaml.AppendLine(CultureInfo.InvariantCulture, $"      quantile: {quantile.ToString(CultureInfo.InvariantCulture)}");
            }

            yaml.AppendLine(CultureInfo.InvariantCulture, $"      critical: {(metric.Critical ? "true" : "false")}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      allowedEffect: {metric.AllowedEffect.ToString(CultureInfo.InvariantCulture)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      group: {metric.Group}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      weight: {metric.Weight.ToString(CultureInfo.InvariantCulture)}");
        }

        return yaml.ToString();

        // YAML single quotes keep PromQL's double quotes and braces literal; a single quote doubles.
        static string Quoted(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        static string Kebab(string pascal) => KebabBoundary().Replace(pascal, "$1-$2").ToLowerInvariant();
    }

    private async Task<CaseResult> RunCaseAsync(string name, string[] canaryKnobs)
    {
        var clock = Stopwatch.StartNew();
        var timings = new List<string>();
        void Mark(string what) => timings.Add($"{clock.Elapsed.TotalSeconds,5:F1}s {what}");

        using var workDirectory = new WorkDirectory($"vigil-e2e-{name}-");
        var work = workDirectory.Path;
        await using var vigil = await VigilServerProcess.StartAsync(
            Path.Combine(work, "data"), environment: new Dictionary<string, string> { ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "1s" });
        var server = vigil.HttpAddress.ToString();
        using var client = new VigilClient(vigil.HttpAddress);
        Mark("vigil serve ready");

        var planFile = Path.Combine(work, "plan.yaml");
        await File.WriteAllTextAsync(planFile, PlanYaml("checkout-e2e"));
        var apply = await SampleProcesses.RunCliAsync(TimeSpan.FromSeconds(60), "apply", "-f", planFile, "--server", server);
        Assert.True(apply.ExitCode == 0, $"vigil apply exited {apply.ExitCode}:\n{apply.Output}\n{apply.Error}\nplan:\n{await File.ReadAllTextAsync(planFile)}");
        Mark("plan applied");

        // v1 first, so its telemetry makes it the service's baseline release before v2 shows up.
        var (v1, v1Checkout) = await SampleProcesses.StartSampleAsync(vigil, work, BaselineVersion, Environment, BaselineKnobs);
        await using var v1Process = v1;
        await SampleProcesses.WarmUpAsync(v1Checkout);
        await using var v1Driver = SampleProcesses.StartDriver(work, RequestsPerSecondPerVersion, duration: null, v1Checkout);
        await TelemetryApi.Eventually(
            async () => (await client.ListReleasesAsync(Service, Environment)).Releases.Any(r => r.Version == BaselineVersion),
            "the baseline release detected from v1's telemetry",
            TimeSpan.FromSeconds(30));
        Mark("v1 running, its release detected");

        var (v2, v2Checkout) = await SampleProcesses.StartSampleAsync(vigil, work, CanaryVersion, Environment, canaryKnobs);
        await using var v2Process = v2;
        await SampleProcesses.WarmUpAsync(v2Checkout);
        await using var v2Driver = SampleProcesses.StartDriver(work, RequestsPerSecondPerVersion, duration: null, v2Checkout);
        Mark("v2 running");

        var verifyClock = Stopwatch.StartNew();
        var verify = await SampleProcesses.RunCliAsync(
            VerifyTimeout + TimeSpan.FromSeconds(15),
            "release", "verify", "--service", Service, "--version", CanaryVersion, "--environment", Environment,
            "--wait", "--timeout", $"{VerifyTimeout.TotalSeconds}s", "--server", server);
        Mark($"vigil release verify exited {verify.ExitCode} after {verifyClock.Elapsed.TotalSeconds:F1}s");

        var release = (await client.ListReleasesAsync(Service, Environment)).Releases.Single(r => r.Version == CanaryVersion);
        var verdict = await client.GetVerdictAsync(release.Id);
        var summary = $"case {name}: exit {verify.ExitCode}, verdict {verdict.Verdict ?? verdict.Current}, look {verdict.Look}/{verdict.PlannedLooks}, total {clock.Elapsed.TotalSeconds:F1}s\n" +
            string.Join('\n', timings);
        output.WriteLine(summary);
        output.WriteLine("--- vigil release verify output ---\n" + verify.Output + verify.Error);
        output.WriteLine("--- drivers ---\n" + LastLine(v1Driver.Output) + "\n" + LastLine(v2Driver.Output));
        return new CaseResult(verify.ExitCode, verify.Output + verify.Error, verdict, summary);
    }

    private static void AssertNamesMetricWithNumbers(CaseResult result, string metric)
    {
        // The verdict names the metric, and the line that does carries numbers (the effect, its interval, the counts).
        var lines = result.CliOutput.Split('\n').Where(l => l.Contains(metric, StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count > 0, Describe($"the output names {metric}", result));
        Assert.True(
            lines.Any(l => NumberPattern().Count(l.Replace(metric, string.Empty, StringComparison.Ordinal)) >= 2),
            Describe($"the output gives {metric}'s numbers", result));
    }

    private static string Describe(string expectation, CaseResult result) =>
        $"{expectation}; exit {result.ExitCode}\n{result.Summary}\n--- output ---\n{result.CliOutput}\n--- metrics ---\n" +
        string.Join('\n', result.Verdict.Metrics.Select(m => $"{m.Name}: {m.Classification} ({m.Sentence}) {m.Reason}"));

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";

    [GeneratedRegex(@"\d+(\.\d+)?%?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex KebabBoundary();

    private sealed record CaseResult(int ExitCode, string CliOutput, VerdictDto Verdict, string Summary);
}
