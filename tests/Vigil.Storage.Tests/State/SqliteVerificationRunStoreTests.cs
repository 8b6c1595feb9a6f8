using Vigil.Core.Verification;
using Vigil.Storage.State;

namespace Vigil.Storage.Tests.State;

public sealed class SqliteVerificationRunStoreTests() : StateStoreTest(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero))
{
    private SqliteVerificationRunStore _runs = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _runs = new SqliteVerificationRunStore(State);
        await AddReleaseAsync("rel_1");
        await AddReleaseAsync("rel_2");
    }

    private async Task AddReleaseAsync(string id)
    {
        // The release store is another component; a plain row is all the foreign key needs.
        await using var connection = await State.OpenConnectionAsync(CancellationToken.None);
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO releases (id, service, version, environment, started_at, state, source, created_at)
            VALUES ($id, 'checkout', $id, 'prod', '2026-11-29T12:00:00.0000000Z', 'Pending', 'Api', '2026-11-29T12:00:00.0000000Z')
            """;
        insert.Parameters.AddWithValue("$id", id);
        await insert.ExecuteNonQueryAsync();
    }

    private Task<VerificationRun> StartAsync(string release = "rel_1") =>
        _runs.StartAsync(release, "default", "kind: VerificationPlan", ComparisonMode.Canary, "1.4.1", Time.GetUtcNow(), CancellationToken.None);

    private static RunInterval Interval(string runId, int look, Verdict verdict = Verdict.Pass, bool decisive = false)
    {
        var metric = new PlanMetric("p95-latency", MetricKind.LatencyHistogram, MetricDirection.Increase, "q", Quantile: 0.95, Critical: true);
        var judgement = new MetricJudgement("p95-latency", "latency", MetricKind.LatencyHistogram, true, 1, MetricClassification.High,
            new EffectEstimate(0.38, 0.22, double.PositiveInfinity, Relative: true), 0.001, null, 4812, 48305, "requests",
            "p95 latency is 38% higher on 1.4.2", "order statistics", Reason: null);
        var verdictOfLook = new LookVerdict(verdict, 62.5, decisive, look, 15, [judgement], $"look {look}");
        var observation = new IntervalObservation(
            1_000L * look,
            new SideObservation(Histogram: new HistogramCounts([0.1, double.PositiveInfinity], [10, 2.5])),
            new SideObservation(Value: 3.5, Events: 1, Requests: 400),
            Error: look == 2 ? "canary: the source is down" : null);
        var history = new MetricHistory(metric, [observation], new SeasonalHistory([observation], null));
        return new RunInterval(runId, look, 1_000L * look, verdictOfLook, [history]);
    }

    [Fact]
    public async Task StartAsync_GivesARunningRunWithARunIdThatReadsBack()
    {
        var run = await StartAsync();

        Assert.Matches("^run_[0-9a-f]{16}$", run.Id);
        Assert.Equal(RunState.Running, run.State);
        Assert.Equal(run, await _runs.GetAsync(run.Id, CancellationToken.None));
        Assert.Null(await _runs.GetAsync("run_nope", CancellationToken.None));
    }

    [Fact]
    public async Task StartAsync_UnknownRelease_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => StartAsync("rel_missing"));
    }

    [Fact]
    public async Task AppendIntervalAsync_KeepsTheWholeHistory_AndMakesTheLookTheLatest()
    {
        var run = await StartAsync();

        await _runs.AppendIntervalAsync(Interval(run.Id, 1), CancellationToken.None);
        await _runs.AppendIntervalAsync(Interval(run.Id, 2, Verdict.Fail), CancellationToken.None);
        var intervals = await _runs.IntervalsAsync(run.Id, CancellationToken.None);
        var stored = await _runs.GetAsync(run.Id, CancellationToken.None);

        Assert.Equal([1, 2], intervals.Select(i => i.Look));
        var expected = Interval(run.Id, 2, Verdict.Fail);
        var second = intervals[1];
        Assert.Equal(expected.Verdict.Summary, second.Verdict.Summary);
        Assert.Equal(expected.Verdict.Metrics[0], second.Verdict.Metrics[0]); // effect with an infinite bound, enums, sentence
        var observation = second.Observations[0].Intervals[0];
        Assert.Equal("canary: the source is down", observation.Error);
        Assert.Equal([10, 2.5], observation.Canary.Histogram!.Counts);
        Assert.Equal(double.PositiveInfinity, observation.Canary.Histogram.UpperBounds[1]);
        Assert.Equal(new SideObservation(Value: 3.5, Events: 1, Requests: 400), observation.Baseline);
        Assert.Equal(MetricKind.LatencyHistogram, second.Observations[0].Metric.Kind);
        Assert.Null(second.Observations[0].Seasonal!.OneWeekEarlier);
        Assert.Equal(Verdict.Fail, stored!.Latest!.Verdict);
        Assert.Equal(2, stored.Latest.Look);
    }

    [Fact]
    public async Task AppendIntervalAsync_SameLookTwice_KeepsTheFirst()
    {
        var run = await StartAsync();

        await _runs.AppendIntervalAsync(Interval(run.Id, 1, Verdict.Pass), CancellationToken.None);
        await _runs.AppendIntervalAsync(Interval(run.Id, 1, Verdict.Fail), CancellationToken.None);

        Assert.Equal(Verdict.Pass, Assert.Single(await _runs.IntervalsAsync(run.Id, CancellationToken.None)).Verdict.Verdict);
        Assert.Equal(Verdict.Pass, (await _runs.GetAsync(run.Id, CancellationToken.None))!.Latest!.Verdict);
    }

    [Fact]
    public async Task CompleteAsync_EndsARunningRunOnce_AndAbortedRunsCannotComplete()
    {
        var completed = await StartAsync();
        var aborted = await StartAsync("rel_2");
        Time.Advance(TimeSpan.FromMinutes(3));

        Assert.True(await _runs.CompleteAsync(completed.Id, Verdict.Fail, Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await _runs.CompleteAsync(completed.Id, Verdict.Pass, Time.GetUtcNow(), CancellationToken.None));
        Assert.True(await _runs.AbortAsync(aborted.Id, "bad deploy", Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await _runs.CompleteAsync(aborted.Id, Verdict.Pass, Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await _runs.AbortAsync(completed.Id, "too late", Time.GetUtcNow(), CancellationToken.None));

        var done = (await _runs.GetAsync(completed.Id, CancellationToken.None))!;
        Assert.Equal((RunState.Completed, Verdict.Fail, Time.GetUtcNow()), (done.State, done.Verdict, done.EndedAt));
        var stopped = (await _runs.GetAsync(aborted.Id, CancellationToken.None))!;
        Assert.Equal((RunState.Aborted, (Verdict?)null, "bad deploy"), (stopped.State, stopped.Verdict, stopped.AbortReason));
        Assert.Empty(await _runs.RunningAsync(CancellationToken.None));
    }

    [Fact]
    public async Task OverrideAsync_ReplacesTheEffectiveVerdict_KeepingTheRunsOwn()
    {
        var run = await StartAsync();
        await _runs.CompleteAsync(run.Id, Verdict.Fail, Time.GetUtcNow(), CancellationToken.None);

        Assert.True(await _runs.OverrideAsync(run.Id, Verdict.Pass, "known flaky dependency", Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await _runs.OverrideAsync("run_nope", Verdict.Pass, "x", Time.GetUtcNow(), CancellationToken.None));

        var stored = (await _runs.GetAsync(run.Id, CancellationToken.None))!;
        Assert.Equal((Verdict.Fail, Verdict.Pass, "known flaky dependency", Verdict.Pass),
            (stored.Verdict!.Value, stored.OverriddenVerdict!.Value, stored.OverrideReason!, stored.EffectiveVerdict!.Value));
    }

    [Fact]
    public async Task LatestForReleaseAsync_AndRunningAsync_FindTheNewestAndTheUnfinished()
    {
        var first = await StartAsync();
        await _runs.AbortAsync(first.Id, "restart", Time.GetUtcNow(), CancellationToken.None);
        var second = await StartAsync(); // same instant: the later insert is the latest
        var other = await StartAsync("rel_2");

        Assert.Equal(second.Id, (await _runs.LatestForReleaseAsync("rel_1", CancellationToken.None))!.Id);
        Assert.Null(await _runs.LatestForReleaseAsync("rel_none", CancellationToken.None));
        Assert.Equal([second.Id, other.Id], (await _runs.RunningAsync(CancellationToken.None)).Select(r => r.Id));
    }
}
