using System.Net;
using System.Text.Json;
using Vigil.Core.Releases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Verification;
using Vigil.Server.Verification;

namespace Vigil.Server.Tests.Verification;

public sealed class VerificationEndpointsTests : IAsyncLifetime
{
    private VerificationTestHost _host = null!;

    public async Task InitializeAsync() => _host = await VerificationTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static object Verify(string service = "checkout", string version = "1.4.2", string environment = "prod", string? plan = null, bool restart = false) =>
        new { service, version, environment, plan, restart };

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await VerificationTestHost.JsonAsync(response);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> StartAsync()
    {
        var response = await _host.PostAsync("/api/v1/releases/verify", Verify());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await VerificationTestHost.JsonAsync(response);
    }

    /// <summary>Advances simulated time past the next look and runs the loop's tick.</summary>
    private async Task LookAsync()
    {
        _host.Time.Advance(TimeSpan.FromSeconds(10));
        await _host.Coordinator.TickAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("", "1.4.2", "prod", "parameter 'service': required")]
    [InlineData("checkout", " ", "prod", "parameter 'version': required")]
    [InlineData("checkout", "1.4.2", "pr\nod", "parameter 'environment': 1 to 200 characters")]
    public async Task Verify_BadField_Is400NamingIt(string service, string version, string environment, string detail)
    {
        var response = await _host.PostAsync("/api/v1/releases/verify", Verify(service, version, environment));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detail);
        Assert.Empty(await _host.Releases.ListAsync(new ReleaseQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task Verify_NotJson_Is400()
    {
        var response = await _host.Client.PostAsync("/api/v1/releases/verify", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Verify_UnknownPlan_Is404_AndCreatesNothing()
    {
        var response = await _host.PostAsync("/api/v1/releases/verify", Verify(plan: "nope"));

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "no applied VerificationPlan is named 'nope'");
        Assert.Empty(await _host.Releases.ListAsync(new ReleaseQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task Verify_StartsOneRun_RepeatsAnswerIt_RestartAbortsAndStartsAnother()
    {
        var started = await StartAsync();
        var again = await _host.PostAsync("/api/v1/releases/verify", Verify());
        var restarted = await _host.PostAsync("/api/v1/releases/verify", Verify(restart: true));

        Assert.Equal("running", started.GetProperty("runState").GetString());
        Assert.Equal("fast", started.GetProperty("plan").GetString());
        Assert.Equal("1.4.1", started.GetProperty("baselineVersion").GetString()); // the other version with traffic
        Assert.Equal(3, started.GetProperty("plannedLooks").GetInt32());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(started.GetProperty("runId").GetString(), (await VerificationTestHost.JsonAsync(again)).GetProperty("runId").GetString());
        Assert.Equal(HttpStatusCode.Accepted, restarted.StatusCode);
        Assert.NotEqual(started.GetProperty("runId").GetString(), (await VerificationTestHost.JsonAsync(restarted)).GetProperty("runId").GetString());

        var releaseId = started.GetProperty("releaseId").GetString()!;
        var kinds = (await _host.Releases.EventsAsync(releaseId, 100, CancellationToken.None)).Select(e => e.Kind).ToList();
        Assert.Equal([ReleaseEventKinds.Created, ReleaseEventKinds.VerificationStarted, ReleaseEventKinds.Aborted, ReleaseEventKinds.VerificationStarted], kinds);
        Assert.Equal(ReleaseState.Verifying, (await _host.Releases.GetAsync(releaseId, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Verdict_UnknownRelease_Is404_AndIntervalsToo()
    {
        await AssertProblemAsync(await _host.Client.GetAsync("/api/v1/releases/rel_nope/verdict"), HttpStatusCode.NotFound, "no release with id rel_nope");
        await AssertProblemAsync(await _host.Client.GetAsync("/api/v1/releases/rel_nope/intervals"), HttpStatusCode.NotFound, "no release with id rel_nope");
    }

    [Fact]
    public async Task Gate_MissingOrBadParameters_Is400_UnknownRelease404()
    {
        await AssertProblemAsync(await _host.Client.GetAsync("/api/v1/verdict?service=checkout&version=1"), HttpStatusCode.BadRequest, "parameter 'environment'");
        await AssertProblemAsync(await _host.Client.GetAsync("/api/v1/verdict?environment=prod"), HttpStatusCode.BadRequest, "parameter 'service'");
        await AssertProblemAsync(await _host.Client.GetAsync("/api/v1/verdict?service=checkout&version=1&environment=prod&gate=yes"), HttpStatusCode.BadRequest, "parameter 'gate'");
        await AssertProblemAsync(await _host.Client.GetAsync("/api/v1/verdict?service=checkout&version=9&environment=prod"), HttpStatusCode.NotFound, "no release of checkout 9 in prod");
    }

    [Fact]
    public async Task Gate_RunningIs409_DecisiveFailIs412_AndTheRunIsStoredWithItsIntervals()
    {
        var started = await StartAsync();
        const string Gate = "/api/v1/verdict?service=checkout&version=1.4.2&environment=prod&gate=true";

        await LookAsync(); // look 1: inconclusive, not decisive
        var running = await _host.Client.GetAsync(Gate);
        var plain = await _host.Client.GetAsync(Gate.Replace("&gate=true", string.Empty, StringComparison.Ordinal));
        var failOnlyWhileRunning = await _host.Client.GetAsync(Gate.Replace("gate=true", "gate=fail", StringComparison.Ordinal));
        _host.Judge.Verdict = Verdict.Fail;
        _host.Judge.Decisive = true;
        await LookAsync(); // look 2: a decisive Fail stops the run early
        var failed = await _host.Client.PostAsync(Gate, new StringContent("{\"name\":\"podinfo\"}", System.Text.Encoding.UTF8, "application/json"));
        var failOnly = await _host.Client.GetAsync("/api/v1/verdict?service=checkout&environment=prod&gate=fail"); // newest release of the service

        await AssertProblemAsync(running, HttpStatusCode.Conflict, "verification running (look 1/3, currently Inconclusive)");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("running", (await VerificationTestHost.JsonAsync(plain)).GetProperty("runState").GetString());
        await AssertProblemAsync(failed, HttpStatusCode.PreconditionFailed, "checkout 1.4.2 in prod: Fail");
        Assert.Equal(HttpStatusCode.OK, failOnlyWhileRunning.StatusCode);
        await AssertProblemAsync(failOnly, HttpStatusCode.PreconditionFailed, "checkout 1.4.2 in prod: Fail");

        var releaseId = started.GetProperty("releaseId").GetString()!;
        var verdict = await VerificationTestHost.JsonAsync(await _host.Client.GetAsync($"/api/v1/releases/{releaseId}/verdict"));
        Assert.Equal(("completed", "Fail", true, 2), (verdict.GetProperty("runState").GetString(), verdict.GetProperty("verdict").GetString(),
            verdict.GetProperty("decided").GetBoolean(), verdict.GetProperty("look").GetInt32()));
        var metric = verdict.GetProperty("metrics")[0];
        Assert.Equal(("High", "count_ratio", "Infinity"), (metric.GetProperty("classification").GetString(), metric.GetProperty("kind").GetString(),
            metric.GetProperty("effect").GetProperty("upper").ToString()));
        var intervals = await VerificationTestHost.JsonAsync(await _host.Client.GetAsync($"/api/v1/releases/{releaseId}/intervals"));
        Assert.Equal(["Inconclusive", "Fail"], intervals.GetProperty("intervals").EnumerateArray().Select(i => i.GetProperty("verdict").GetString()));
        Assert.Equal(ReleaseState.Failed, (await _host.Releases.GetAsync(releaseId, CancellationToken.None))!.State);
        var events = await _host.Releases.EventsAsync(releaseId, 100, CancellationToken.None);
        Assert.Equal(2, events.Count(e => e.Kind == ReleaseEventKinds.IntervalJudged));
        Assert.StartsWith("Fail:", events.Single(e => e.Kind == ReleaseEventKinds.Verdict).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gate_PassIs200_AfterTheLastPlannedLook()
    {
        await StartAsync();
        _host.Judge.Verdict = Verdict.Pass;

        await LookAsync();
        await LookAsync();
        await LookAsync();
        var response = await _host.Client.GetAsync("/api/v1/verdict?service=checkout&version=1.4.2&environment=prod&gate=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var verdict = await VerificationTestHost.JsonAsync(response);
        Assert.Equal(("Pass", 3), (verdict.GetProperty("verdict").GetString(), verdict.GetProperty("look").GetInt32()));
        Assert.Equal([1, 2, 3], _host.Judge.Looks);
    }

    [Fact]
    public async Task Abort_NeedsAReason_UnknownIs404_SecondAbortIs409()
    {
        var releaseId = (await StartAsync()).GetProperty("releaseId").GetString()!;

        await AssertProblemAsync(await _host.PostAsync($"/api/v1/releases/{releaseId}/abort", new { reason = " " }), HttpStatusCode.BadRequest, "parameter 'reason'");
        await AssertProblemAsync(await _host.PostAsync("/api/v1/releases/rel_nope/abort", new { reason = "x" }), HttpStatusCode.NotFound, "rel_nope");
        var aborted = await _host.PostAsync($"/api/v1/releases/{releaseId}/abort", new { reason = "bad config" });
        var again = await _host.PostAsync($"/api/v1/releases/{releaseId}/abort", new { reason = "bad config" });

        Assert.Equal(HttpStatusCode.OK, aborted.StatusCode);
        var dto = await VerificationTestHost.JsonAsync(aborted);
        Assert.Equal(("aborted", "bad config"), (dto.GetProperty("runState").GetString(), dto.GetProperty("abortReason").GetString()));
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "no running verification");
        var audit = (await _host.Releases.EventsAsync(releaseId, 100, CancellationToken.None)).Single(e => e.Kind == ReleaseEventKinds.Aborted);
        Assert.Equal("anonymous", audit.Actor);
        Assert.Contains("bad config", audit.Message, StringComparison.Ordinal);
        Assert.Equal(ReleaseState.Aborted, (await _host.Releases.GetAsync(releaseId, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Override_BadVerdictOrNoReason_Is400_ThenOverridesAndGatesOnIt()
    {
        var releaseId = (await StartAsync()).GetProperty("releaseId").GetString()!;

        await AssertProblemAsync(await _host.PostAsync($"/api/v1/releases/{releaseId}/override", new { verdict = "maybe", reason = "x" }), HttpStatusCode.BadRequest, "parameter 'verdict'");
        await AssertProblemAsync(await _host.PostAsync($"/api/v1/releases/{releaseId}/override", new { verdict = "pass" }), HttpStatusCode.BadRequest, "parameter 'reason'");
        var overridden = await _host.PostAsync($"/api/v1/releases/{releaseId}/override", new { verdict = "pass", reason = "known flaky dependency" });
        var gate = await _host.Client.GetAsync("/api/v1/verdict?service=checkout&version=1.4.2&environment=prod&gate=true");

        Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        var dto = await VerificationTestHost.JsonAsync(overridden);
        Assert.Equal(("Pass", true, true, "known flaky dependency"), (dto.GetProperty("verdict").GetString(), dto.GetProperty("decided").GetBoolean(),
            dto.GetProperty("overridden").GetBoolean(), dto.GetProperty("overrideReason").GetString()));
        Assert.Equal(HttpStatusCode.OK, gate.StatusCode);
        Assert.Equal(ReleaseState.Passed, (await _host.Releases.GetAsync(releaseId, CancellationToken.None))!.State);
        Assert.Single(await _host.Releases.EventsAsync(releaseId, 100, CancellationToken.None), e => e.Kind == ReleaseEventKinds.Overridden && e.Actor == "anonymous");
    }

    [Fact]
    public async Task Loop_StartsRunsForPendingReleases_AndAJudgeFailingThreeTimesMarksTheRunInconclusive()
    {
        var (release, _) = await _host.Releases.CreateOrGetAsync(new NewRelease("checkout", "1.4.2", "prod"), _host.Time.GetUtcNow(), CancellationToken.None);
        await _host.Coordinator.TickAsync(CancellationToken.None);
        Assert.Equal(ReleaseState.Verifying, (await _host.Releases.GetAsync(release.Id, CancellationToken.None))!.State);

        _host.Judge.Throw = true;
        for (var i = 0; i < 3; i++)
        {
            await LookAsync();
        }

        Assert.Equal(ReleaseState.Inconclusive, (await _host.Releases.GetAsync(release.Id, CancellationToken.None))!.State);
        var verdict = (await _host.Releases.EventsAsync(release.Id, 100, CancellationToken.None)).Single(e => e.Kind == ReleaseEventKinds.Verdict);
        Assert.Contains("the run failed: the judge broke", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loop_AutoStartOff_LeavesPendingReleasesPending_UntilVerifyStartsARun()
    {
        await using var host = await VerificationTestHost.StartAsync(o => o.AutoStart = false);
        var (release, _) = await host.Releases.CreateOrGetAsync(new NewRelease("checkout", "2.0.9", "prod"), host.Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(0, await host.Coordinator.TickAsync(CancellationToken.None));
        Assert.Equal(ReleaseState.Pending, (await host.Releases.GetAsync(release.Id, CancellationToken.None))!.State);

        Assert.Equal(HttpStatusCode.Accepted, (await host.PostAsync("/api/v1/releases/verify", Verify(version: "2.0.9"))).StatusCode);
        Assert.Equal(ReleaseState.Verifying, (await host.Releases.GetAsync(release.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Loop_AfterARestart_ResumesTheRunningRunFromTheStore()
    {
        var releaseId = (await StartAsync()).GetProperty("releaseId").GetString()!;
        await LookAsync();

        // A new coordinator over the same stores: nothing in memory (plans are read back from the run's stored plan).
        var services = _host.Services;
        var restarted = new VerificationCoordinator(
            services.GetRequiredService<IReleaseStore>(), services.GetRequiredService<IVerificationRunStore>(), services.GetRequiredService<IRunPlanSource>(),
            services.GetRequiredService<Vigil.Core.PromQl.IMetricsSource>(), _host.Judge, services.GetRequiredService<WebhookDispatcher>(),
            services.GetRequiredService<VerificationOptions>(), _host.Time, NullLogger<VerificationCoordinator>.Instance);
        _host.Judge.Verdict = Verdict.Pass;
        for (var i = 0; i < 2; i++)
        {
            _host.Time.Advance(TimeSpan.FromSeconds(10));
            await restarted.TickAsync(CancellationToken.None);
        }

        var run = await services.GetRequiredService<IVerificationRunStore>().LatestForReleaseAsync(releaseId, CancellationToken.None);
        Assert.Equal((RunState.Completed, Verdict.Pass), (run!.State, run.Verdict!.Value));
        Assert.Equal([1, 2, 3], _host.Judge.Looks);
    }

    [Fact]
    public async Task Tick_MakesAtMostMaxLooksPerTick_TheRestWaitForTheNextTick()
    {
        await using var host = await VerificationTestHost.StartAsync(o => o.MaxLooksPerTick = 2);
        foreach (var version in new[] { "2.0.1", "2.0.2", "2.0.3" })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await host.PostAsync("/api/v1/releases/verify", Verify(version: version))).StatusCode);
        }

        host.Time.Advance(TimeSpan.FromSeconds(10));
        var first = await host.Coordinator.TickAsync(CancellationToken.None);
        var second = await host.Coordinator.TickAsync(CancellationToken.None);
        var third = await host.Coordinator.TickAsync(CancellationToken.None);

        Assert.Equal((2, 1, 0), (first, second, third));
        Assert.Equal([1, 1, 1], host.Judge.Looks);
    }

    [Fact]
    public async Task Verify_NamingAnotherPlanThanTheRunningRun_ReplacesIt_ButADecidedRunStands()
    {
        var (release, _) = await _host.Releases.CreateOrGetAsync(new NewRelease("checkout", "1.4.2", "prod"), _host.Time.GetUtcNow(), CancellationToken.None);
        await _host.Coordinator.TickAsync(CancellationToken.None); // the loop starts a run with the service's plan ("fast")
        var auto = await VerificationTestHost.JsonAsync(await _host.Client.GetAsync($"/api/v1/releases/{release.Id}/verdict"));

        var replaced = await _host.PostAsync("/api/v1/releases/verify", Verify(plan: "slow"));
        var repeated = await _host.PostAsync("/api/v1/releases/verify", Verify(plan: "slow"));

        Assert.Equal("fast", auto.GetProperty("plan").GetString());
        Assert.Equal(HttpStatusCode.Accepted, replaced.StatusCode);
        var dto = await VerificationTestHost.JsonAsync(replaced);
        Assert.Equal(("slow", 6), (dto.GetProperty("plan").GetString(), dto.GetProperty("plannedLooks").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode); // the same plan again: the running run is answered
        var aborted = (await _host.Releases.EventsAsync(release.Id, 100, CancellationToken.None)).Single(e => e.Kind == ReleaseEventKinds.Aborted);
        Assert.Contains("replaced by a run of plan slow requested by anonymous", aborted.Message, StringComparison.Ordinal);
    }
}
