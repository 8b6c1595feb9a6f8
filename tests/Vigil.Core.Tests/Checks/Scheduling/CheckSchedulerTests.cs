using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Checks;
using Vigil.Core.Checks.Scheduling;

namespace Vigil.Core.Tests.Checks.Scheduling;

public sealed class CheckSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public void PhaseOffset_SameNameAndInterval_StableWithinIntervalAndAlignsNextDue()
    {
        var interval = TimeSpan.FromSeconds(10);
        var offset = CheckScheduler.PhaseOffset("api-health", interval);

        Assert.Equal(offset, CheckScheduler.PhaseOffset("api-health", interval));
        Assert.InRange(offset, TimeSpan.Zero, interval - TimeSpan.FromTicks(1));
        Assert.NotEqual(offset, CheckScheduler.PhaseOffset("api-health-2", interval));
        var next = CheckScheduler.NextDue("api-health", interval, Start);
        Assert.True(next > Start && next <= Start + interval);
        Assert.Equal(offset.Ticks, (next - DateTimeOffset.UnixEpoch).Ticks % interval.Ticks);
        Assert.Equal(next + interval, CheckScheduler.NextDue("api-health", interval, next));
    }

    [Fact]
    public void PhaseOffset_ThousandChecks_SpreadEvenlyOverInterval()
    {
        var interval = TimeSpan.FromSeconds(10);
        var perSecond = new int[10];
        for (var i = 0; i < 1000; i++)
        {
            perSecond[(int)CheckScheduler.PhaseOffset($"target-{i:0000}", interval).TotalSeconds]++;
        }

        // 100 expected per second; a clumping hash would put hundreds in one.
        Assert.All(perSecond, count => Assert.InRange(count, 60, 140));
    }

    [Fact]
    public async Task RunAsync_ManyIntervals_RunsAtPhaseWithoutDriftOrJitter()
    {
        var time = new FakeTimeProvider(Start);
        var executor = new RecordingExecutor(time);
        var results = new ConcurrentQueue<CheckResult>();
        var scheduler = NewScheduler(executor, results, time);
        var checks = new[] { Check("a", 10), Check("b", 10), Check("c", 7) };
        scheduler.Update(checks);
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);

        await AdvanceToAsync(time, scheduler, Start + TimeSpan.FromSeconds(700));
        await stop.CancelAsync();
        await run;

        foreach (var check in checks)
        {
            var mine = results.Where(r => r.Check == check.Name).OrderBy(r => r.ScheduledAt).ToList();
            Assert.Equal(700 / (int)check.Interval.TotalSeconds, mine.Count);
            Assert.Equal(CheckScheduler.NextDue(check.Name, check.Interval, Start), mine[0].ScheduledAt);
            for (var i = 1; i < mine.Count; i++)
            {
                Assert.Equal(check.Interval, mine[i].ScheduledAt - mine[i - 1].ScheduledAt);
            }

            Assert.All(mine, r => Assert.Equal(r.ScheduledAt, r.StartedAt));
            Assert.All(mine, r => Assert.Equal("eu-west", r.Location));
        }

        Assert.Equal(0, scheduler.Stats.SkippedOverlap);
    }

    [Fact]
    public async Task RunAsync_Restarted_KeepsEachCheckPhase()
    {
        var time = new FakeTimeProvider(Start);
        var first = new ConcurrentQueue<CheckResult>();
        var second = new ConcurrentQueue<CheckResult>();
        var interval = TimeSpan.FromSeconds(30);
        foreach (var sink in new[] { first, second })
        {
            var scheduler = NewScheduler(new RecordingExecutor(time), sink, time);
            scheduler.Update([Check("phase", 30)]);
            using var stop = new CancellationTokenSource();
            var run = scheduler.RunAsync(stop.Token);
            await AdvanceToAsync(time, scheduler, time.GetUtcNow() + TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(7));
            await stop.CancelAsync();
            await run;
        }

        var offset = CheckScheduler.PhaseOffset("phase", interval).Ticks;
        Assert.NotEmpty(first);
        Assert.NotEmpty(second);
        Assert.All(first.Concat(second), r => Assert.Equal(offset, (r.ScheduledAt - DateTimeOffset.UnixEpoch).Ticks % interval.Ticks));
    }

    [Fact]
    public async Task Update_AddChangeRemove_TakesEffectWithoutRestart()
    {
        var time = new FakeTimeProvider(Start);
        var results = new ConcurrentQueue<CheckResult>();
        var executor = new RecordingExecutor(time);
        var scheduler = NewScheduler(executor, results, time);
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);

        scheduler.Update([Check("keep", 10), Check("drop", 10)]);
        await AdvanceToAsync(time, scheduler, Start + TimeSpan.FromSeconds(60));
        var changedAt = time.GetUtcNow();
        scheduler.Update([Check("keep", 5, labels: ("version", "2")), Check("new", 10)]);
        await AdvanceToAsync(time, scheduler, changedAt + TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await run;

        Assert.Equal(6, results.Count(r => r.Check == "drop"));
        Assert.DoesNotContain(results, r => r.Check == "drop" && r.ScheduledAt > changedAt);
        Assert.Equal(6, results.Count(r => r.Check == "new"));
        var keepAfter = results.Where(r => r.Check == "keep" && r.ScheduledAt > changedAt).ToList();
        Assert.Equal(12, keepAfter.Count);
        Assert.All(executor.Ran.Where(d => d.Name == "keep" && d.Interval == TimeSpan.FromSeconds(5)), d => Assert.Equal("2", d.Labels["version"]));
        Assert.Equal(2, scheduler.Stats.Checks);
    }

    [Fact]
    public async Task RunAsync_PreviousRunStillGoing_SkipsAndCountsOverlap()
    {
        var time = new FakeTimeProvider(Start);
        var executor = new RecordingExecutor(time);
        var gate = executor.Block("slow");
        var results = new ConcurrentQueue<CheckResult>();
        var scheduler = NewScheduler(executor, results, time);
        scheduler.Update([Check("slow", 10), Check("fast", 10)]);
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);
        var firstDue = CheckScheduler.NextDue("slow", TimeSpan.FromSeconds(10), Start);

        // The slow check's first run hangs across three more due times.
        await AdvanceToAsync(time, scheduler, firstDue + TimeSpan.FromSeconds(35), allowRunning: 1);
        Assert.Equal(3, scheduler.Stats.SkippedOverlap);
        Assert.Single(executor.Ran, d => d.Name == "slow");
        gate.SetResult();
        await AdvanceToAsync(time, scheduler, firstDue + TimeSpan.FromSeconds(45));
        await stop.CancelAsync();
        await run;

        var slow = results.Where(r => r.Check == "slow").OrderBy(r => r.ScheduledAt).ToList();
        Assert.Equal([firstDue, firstDue + TimeSpan.FromSeconds(40)], slow.Select(r => r.ScheduledAt));
        var fastDue = CheckScheduler.NextDue("fast", TimeSpan.FromSeconds(10), Start);
        var expectedFast = (int)((firstDue + TimeSpan.FromSeconds(45) - fastDue) / TimeSpan.FromSeconds(10)) + 1;
        Assert.Equal(expectedFast, results.Count(r => r.Check == "fast"));
    }

    [Fact]
    public async Task RunAsync_AtMaxConcurrentRuns_SkipsAndCountsBusy()
    {
        var time = new FakeTimeProvider(Start);
        var executor = new RecordingExecutor(time);
        var gates = new[] { executor.Block("c1"), executor.Block("c2"), executor.Block("c3") };
        var results = new ConcurrentQueue<CheckResult>();
        var scheduler = NewScheduler(executor, results, time, maxConcurrent: 2);
        scheduler.Update([Check("c1", 60), Check("c2", 60), Check("c3", 60)]);
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);

        await AdvanceToAsync(time, scheduler, Start + TimeSpan.FromSeconds(60), allowRunning: 2);

        Assert.Equal(2, scheduler.Stats.Running);
        Assert.Equal(1, scheduler.Stats.SkippedBusy);
        foreach (var gate in gates)
        {
            gate.TrySetResult();
        }

        await stop.CancelAsync();
        await run;
        Assert.Equal(2, results.Count);
    }

    [Fact]
    public async Task RunAsync_ExecutorThrows_ReportsFailedResultAndError()
    {
        var time = new FakeTimeProvider(Start);
        var executor = new RecordingExecutor(time) { Throw = true };
        var results = new ConcurrentQueue<CheckResult>();
        var errors = new ConcurrentQueue<string>();
        var scheduler = new CheckScheduler(executor, (r, _) => { results.Enqueue(r); return ValueTask.CompletedTask; }, time,
            new CheckSchedulerOptions { Location = "eu-west", OnError = (check, _) => errors.Enqueue(check) });
        scheduler.Update([Check("broken", 10)]);
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);

        await AdvanceToAsync(time, scheduler, Start + TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await run;

        var result = Assert.Single(results);
        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Contains("InvalidOperationException", result.Reason, StringComparison.Ordinal);
        Assert.Equal(["broken"], errors);
        Assert.Equal(1, scheduler.Stats.Errors);
    }

    [Fact]
    public void Update_DuplicateName_Throws()
    {
        var scheduler = NewScheduler(new RecordingExecutor(TimeProvider.System), new ConcurrentQueue<CheckResult>(), TimeProvider.System);
        Assert.Throws<ArgumentException>(() => scheduler.Update([Check("x", 10), Check("x", 20)]));
    }

    private static CheckScheduler NewScheduler(ICheckExecutor executor, ConcurrentQueue<CheckResult> results, TimeProvider time, int maxConcurrent = 256) =>
        new(executor, (r, _) => { results.Enqueue(r); return ValueTask.CompletedTask; }, time,
            new CheckSchedulerOptions { Location = "eu-west", MaxConcurrentRuns = maxConcurrent });

    /// <summary>
    /// Advances fake time from one due time to the next until <paramref name="end"/>, each time waiting until the
    /// scheduler has dispatched, every run but <paramref name="allowRunning"/> has reported, and the loop waits again.
    /// </summary>
    private static async Task AdvanceToAsync(FakeTimeProvider time, CheckScheduler scheduler, DateTimeOffset end, int allowRunning = 0)
    {
        while (true)
        {
            var stats = await IdleAsync(time, scheduler, allowRunning);
            if (stats.WaitingUntil is not { } next || next > end)
            {
                time.Advance(end - time.GetUtcNow());
                await IdleAsync(time, scheduler, allowRunning);
                return;
            }

            time.Advance(next - time.GetUtcNow());
        }
    }

    private static async Task<CheckSchedulerStats> IdleAsync(FakeTimeProvider time, CheckScheduler scheduler, int allowRunning)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            var stats = scheduler.Stats;
            var waiting = stats.WaitingUntil is { } w ? w > time.GetUtcNow() : stats.Checks == 0;
            if (waiting && stats.Running <= allowRunning && stats.Started - stats.Running == stats.Completed)
            {
                return stats;
            }

            await Task.Delay(1, deadline.Token);
        }
    }

    private static CheckDefinition Check(string name, int intervalSeconds, params (string Key, string Value)[] labels) =>
        new(name, CheckType.Http, TimeSpan.FromSeconds(intervalSeconds), TimeSpan.FromSeconds(5), RetryPolicy.None, ["eu-west"], 1, null, [],
            labels.ToDictionary(l => l.Key, l => l.Value), new TestSpec());

    private sealed record TestSpec : CheckSpec;

    private sealed class RecordingExecutor(TimeProvider time) : ICheckExecutor
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _blocks = new(StringComparer.Ordinal);

        public ConcurrentQueue<CheckDefinition> Ran { get; } = new();

        public bool Throw { get; init; }

        public TaskCompletionSource Block(string check) =>
            _blocks.GetOrAdd(check, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public async Task<CheckResult> RunAsync(CheckDefinition check, CheckRunContext context, CancellationToken cancellationToken)
        {
            Ran.Enqueue(check);
            var startedAt = time.GetUtcNow();
            if (Throw)
            {
                throw new InvalidOperationException("executor bug");
            }

            if (_blocks.TryGetValue(check.Name, out var gate))
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            return new CheckResult(check.Name, context.Location, context.ScheduledAt, startedAt, TimeSpan.FromMilliseconds(12), CheckOutcome.Pass, null, null, 1, false, [], [], []);
        }
    }
}
