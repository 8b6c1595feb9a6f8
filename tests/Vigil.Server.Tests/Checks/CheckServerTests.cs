using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Checks.Scheduling;
using Vigil.Server.Tests.Integration;
using static Vigil.Server.Tests.Checks.CheckTestSupport;

namespace Vigil.Server.Tests.Checks;

/// <summary>
/// Checks on a real <c>vigil serve</c> against a real local HTTP target: location <c>local</c>, results, series,
/// release timelines, restarts and retention.
/// </summary>
public sealed class CheckServerTests
{
    [Fact]
    public async Task LocalCheck_TargetStartsFailing_ResultsSeriesAndReleaseTimelineShowIt()
    {
        await using var target = await FlippingTarget.StartAsync();
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment());
        using var client = new VigilClient(vigil.HttpAddress);
        var release = await client.CreateReleaseAsync(new CreateReleaseRequest("shop", "2.0.0", "prod"));
        var otherRelease = await client.CreateReleaseAsync(new CreateReleaseRequest("cart", "1.0.0", "prod"));
        await ApplyAsync(client, HttpCheck("shop-health", target.HealthUrl, labels: "{service: shop, environment: prod}"));

        var passing = await WaitForAsync(() => client.GetCheckAsync("shop-health"), c => c.Status == "pass", "the check to pass");
        Assert.Equal(("http", 1.0, "shop"), (passing.Type, passing.IntervalSeconds, passing.Labels["service"]));
        Assert.Equal("local", Assert.Single(passing.LatestByLocation).Location);
        target.Healthy = false;

        var failing = await WaitForAsync(() => client.GetCheckAsync("shop-health"), c => c.Status == "fail", "the check to fail");
        Assert.StartsWith("failing in local (", failing.Summary, StringComparison.Ordinal);
        // The status is decided as results arrive; storing them follows within a fraction of a second.
        var results = (await WaitForAsync(
            () => client.GetCheckResultsAsync("shop-health", "local", 100), r => r.Results.Any(x => x.Outcome == "fail"), "a stored failed result")).Results;
        var failed = results.First(r => r.Outcome == "fail");
        Assert.Contains("503", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("database connection refused", failed.ResponseExcerpt, StringComparison.Ordinal);
        Assert.Contains(results, r => r.Outcome == "pass");
        Assert.Equal(results.OrderByDescending(r => r.StartedAt).Select(r => r.StartedAt), results.Select(r => r.StartedAt));
        Assert.All(results, r => Assert.True(r.StartedAt >= r.ScheduledAt, $"started {r.StartedAt:O} before scheduled {r.ScheduledAt:O}"));
        Assert.Contains(failed.Phases, p => p.Name == "first_byte");

        var success = await WaitForAsync(
            () => client.QueryAsync("vigil_check_success{check=\"shop-health\",location=\"local\"}"),
            r => r.Series.Count == 1 && r.Series[0].Points[^1].Value == "0", "vigil_check_success to read 0");
        Assert.Equal(("http", "shop", "prod"), (success.Series[0].Metric["type"], success.Series[0].Metric["service"], success.Series[0].Metric["environment"]));
        var planQuery = await client.QueryAsync("min_over_time(vigil_check_success{service=\"shop\",environment=\"prod\"}[5m])");
        Assert.Equal("0", Assert.Single(planQuery.Series).Points[^1].Value);
        var quorum = await client.QueryAsync("vigil_check_quorum_success{check=\"shop-health\"}");
        Assert.Equal("0", Assert.Single(quorum.Series).Points[^1].Value);
        var phases = await client.QueryAsync("vigil_check_duration_seconds{check=\"shop-health\"}");
        Assert.Contains(phases.Series, s => s.Metric["phase"] == "total");
        Assert.Contains(phases.Series, s => s.Metric["phase"] == "connect");

        var timeline = await WaitForAsync(
            () => client.GetReleaseTimelineAsync(release.Id), t => t.Events.Any(e => e.Kind == "check.failed"), "check.failed on the release timeline");
        var failedEvent = timeline.Events.Single(e => e.Kind == "check.failed");
        Assert.StartsWith("Check shop-health is failing: failing in local (", failedEvent.Message, StringComparison.Ordinal);
        Assert.Equal("fail", failedEvent.Data!.Value.GetProperty("outcome").GetString());

        target.Healthy = true;
        await WaitForAsync(
            () => client.GetReleaseTimelineAsync(release.Id), t => t.Events.Any(e => e.Kind == "check.recovered"), "check.recovered on the release timeline");
        Assert.Equal("pass", (await client.GetCheckAsync("shop-health")).Status);
        var other = await client.GetReleaseTimelineAsync(otherRelease.Id);
        Assert.DoesNotContain(other.Events, e => e.Kind.StartsWith("check.", StringComparison.Ordinal));
        Assert.Contains("Check shop-health is failing (was pass)", vigil.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_LimitRuleOnCheckSuccess_FailsTheReleaseWhileTheCheckFails()
    {
        await using var target = await FlippingTarget.StartAsync();
        target.Healthy = false;
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment());
        using var client = new VigilClient(vigil.HttpAddress);
        await ApplyAsync(client, HttpCheck("pay-health", target.HealthUrl, labels: "{service: pay, environment: prod}"), PlanYaml);
        await WaitForAsync(() => client.QueryAsync("vigil_check_success{check=\"pay-health\"}"), r => r.Series.Count == 1, "the check's series");

        var started = await client.VerifyReleaseAsync(new VerifyReleaseRequest("pay", "3.1.0", "prod", Plan: "pay-checks"));
        var verdict = await WaitForAsync(() => client.GetVerdictAsync(started.ReleaseId), v => v.Decided, "a verdict", TimeSpan.FromSeconds(60));

        Assert.Equal("Fail", verdict.Verdict);
        var metric = Assert.Single(verdict.Metrics);
        Assert.Equal("synthetic-checks", metric.Name);
    }

    // The plan docs/verification-plans.md shows: fail a release while its service's checks fail.
    private const string PlanYaml = """
        apiVersion: vigil/v1
        kind: VerificationPlan
        metadata:
          name: pay-checks
        spec:
          services: [pay]
          mode: before-after
          interval: 2s
          duration: 20s
          minimumIntervals: 1
          metrics:
            - name: synthetic-checks
              kind: continuous
              direction: decrease
              query: 'min(min_over_time(vigil_check_success{service="{{service}}",environment="{{environment}}"}[{{interval}}]))'
              critical: true
              limit: 1
        """;

    [Fact]
    public async Task MaxChecks_ApplyBeyondIsRejected_AndALoweredBoundLoadsFirstByName()
    {
        await using var target = await FlippingTarget.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "vigil-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var vigil = await VigilServerProcess.StartAsync(data, environment: FastEnvironment(("VIGIL__CHECKS__MAXCHECKS", "2"))))
            {
                using var client = new VigilClient(vigil.HttpAddress);
                await ApplyAsync(client, HttpCheck("b-second", target.HealthUrl), HttpCheck("a-first", target.HealthUrl));

                // A third check is one over checks.maxChecks: the apply is refused whole, saying why, and stores nothing.
                var refused = await Assert.ThrowsAsync<VigilApiException>(() => ApplyAsync(client, HttpCheck("c-third", target.HealthUrl)));
                Assert.Equal(400, refused.StatusCode);
                Assert.Contains("this apply would store 3 objects of this kind (2 now), and checks.maxChecks is 2", refused.Problem.Detail, StringComparison.Ordinal);
                var stored = await client.ListObjectsAsync("Check", CancellationToken.None);
                Assert.Equal(["a-first", "b-second"], stored.Objects.Select(o => o.Name).Order(StringComparer.Ordinal));
            }

            // Lowered below what is stored: the first by name is loaded and the log names the one left out.
            await using (var vigil = await VigilServerProcess.StartAsync(data, environment: FastEnvironment(("VIGIL__CHECKS__MAXCHECKS", "1"))))
            {
                using var client = new VigilClient(vigil.HttpAddress);
                var loaded = await WaitForAsync(() => client.ListChecksAsync(), r => r.Checks.Count > 0, "a check to load");
                Assert.Equal("a-first", Assert.Single(loaded.Checks).Name);
                await WaitForAsync(
                    () => Task.FromResult(vigil.Output), o => o.Contains("checks.maxChecks is 1: the checks from 'b-second' on (by name) do not run", StringComparison.Ordinal),
                    "the log to name the check left out");
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task FullResultQueue_Answers503_AndCountsTheDroppedResultsAtMetrics()
    {
        await using var target = await FlippingTarget.StartAsync();
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment(("VIGIL__CHECKS__QUEUESIZE", "2")));
        using var client = new VigilClient(vigil.HttpAddress);
        await ApplyAsync(client, HttpCheck("remote-only", target.HealthUrl, locations: "[eu-west]"));
        await WaitForAsync(() => client.ListChecksAsync(), r => r.Checks.Count == 1, "the check to load");

        // Three results cannot fit a queue of two: none is taken, the agent is told to retry, and the drop is counted.
        var refused = await Assert.ThrowsAsync<VigilApiException>(() => client.PostAgentResultsAsync(new AgentResultsRequest(
            "eu-west", [AgentResult("remote-only", "eu-west", "pass"), AgentResult("remote-only", "eu-west", "pass"), AgentResult("remote-only", "eu-west", "fail")])));
        Assert.Equal(503, refused.StatusCode);
        using var http = vigil.CreateClient();
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("\nvigil_check_results_dropped_total 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE vigil_check_results_queued gauge\n", metrics, StringComparison.Ordinal);

        // One fits: accepted.
        var accepted = await client.PostAgentResultsAsync(new AgentResultsRequest("eu-west", [AgentResult("remote-only", "eu-west", "pass")]));
        Assert.Equal(1, accepted.Accepted);
    }

    [Fact]
    public async Task SilentLocation_GoesStaleWithoutANewResult_AndTheChangeIsLoggedAndPlotted()
    {
        await using var target = await FlippingTarget.StartAsync();
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment());
        using var client = new VigilClient(vigil.HttpAddress);
        await ApplyAsync(client, HttpCheck("remote-only", target.HealthUrl, interval: "1s", locations: "[eu-west]"));
        await WaitForAsync(() => client.ListChecksAsync(), r => r.Checks.Count == 1, "the check to load");

        // One failing report, then the agent falls silent: after 3 intervals its result is stale and no longer counts.
        await client.PostAgentResultsAsync(new AgentResultsRequest("eu-west", [AgentResult("remote-only", "eu-west", "fail", "connection refused")]));
        await WaitForAsync(
            () => Task.FromResult(vigil.Output), o => o.Contains("Check remote-only is failing (was unknown)", StringComparison.Ordinal), "the failure to be logged");
        await WaitForAsync(
            () => Task.FromResult(vigil.Output), o => o.Contains("Check remote-only is degraded (was fail): stale (not counted) in eu-west", StringComparison.Ordinal),
            "the silent location to go stale without a new result");

        // The quorum series follows: 0 while failing, then 1 (not failing) once the failure is stale.
        var series = await WaitForAsync(
            () => client.QueryAsync("vigil_check_quorum_success{check=\"remote-only\"}"),
            r => r.Series.Count == 1 && r.Series[0].Points[^1].Value == "1",
            "the quorum series to read 1");
        Assert.Single(series.Series);
    }

    [Fact]
    public async Task Restart_KeepsResultsAndPhase_RetentionStaysBounded()
    {
        await using var target = await FlippingTarget.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "vigil-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var environment = FastEnvironment(("VIGIL__CHECKS__RESULTSPERLOCATION", "4"));
            IReadOnlyList<CheckResultDto> before;
            await using (var vigil = await VigilServerProcess.StartAsync(data, environment: environment))
            {
                using var client = new VigilClient(vigil.HttpAddress);
                await ApplyAsync(client, HttpCheck("phase", target.HealthUrl));
                var first = (await WaitForAsync(() => client.GetCheckResultsAsync("phase"), r => r.Results.Count > 0, "a first result")).Results[^1];
                before = (await WaitForAsync(
                    () => client.GetCheckResultsAsync("phase"),
                    r => r.Results[0].ScheduledAt >= first.ScheduledAt + TimeSpan.FromSeconds(6),
                    "seven runs")).Results;
                Assert.Equal(4, before.Count);
                Assert.Equal(0, await vigil.StopAsync(TimeSpan.FromSeconds(30)));
            }

            await using (var vigil = await VigilServerProcess.StartAsync(data, environment: environment))
            {
                using var client = new VigilClient(vigil.HttpAddress);
                var kept = (await client.GetCheckResultsAsync("phase")).Results;
                Assert.Contains(kept, r => r.ScheduledAt == before[0].ScheduledAt);
                var after = (await WaitForAsync(
                    () => client.GetCheckResultsAsync("phase"), r => r.Results[0].ScheduledAt > before[0].ScheduledAt, "a run after the restart")).Results;

                var offset = CheckScheduler.PhaseOffset("phase", TimeSpan.FromSeconds(1)).Ticks;
                Assert.All(before.Concat(after), r => Assert.Equal(offset, (r.ScheduledAt - DateTimeOffset.UnixEpoch).Ticks % TimeSpan.TicksPerSecond));
                Assert.InRange(after.Count, 1, 4);
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
