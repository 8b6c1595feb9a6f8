using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Runs;

namespace Vigil.Core.Tests.Verification.Runs;

public sealed class VerificationRunStepperTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider _time = new(RunTestData.Start);

    private static VerificationRun Run(ComparisonMode mode = ComparisonMode.Canary, string? baseline = "1.4.1") => new(
        "run_1", "rel_1", "test", "yaml", mode, baseline, RunState.Running, RunTestData.Start, null, null, null, null, null, null);

    private static RunContext Context(VerificationPlan plan, VerificationRun run) =>
        new(run, plan, "checkout", "prod", "1.4.2", RunTestData.Start);

    private static RunTestData Traffic()
    {
        var data = new RunTestData();
        data.AddVersion("1.4.2", RunTestData.Start.AddHours(-1), RunTestData.Start.AddMinutes(30), perSecond: 10, errorShare: 0.05);
        data.AddVersion("1.4.1", RunTestData.Start.AddHours(-1), RunTestData.Start.AddMinutes(30), perSecond: 100, errorShare: 0.01);
        return data;
    }

    /// <summary>Steps the run as the server loop does, advancing simulated time a second per tick, until it stops or the deadline.</summary>
    private async Task<List<RunStep>> RunToEndAsync(VerificationRunStepper stepper, RunContext context, TimeSpan deadline)
    {
        var steps = new List<RunStep>();
        var until = _time.GetUtcNow() + deadline;
        while (_time.GetUtcNow() < until)
        {
            var step = await stepper.StepAsync(context, steps.Select(s => s.Interval).ToList(), _time.GetUtcNow(), CancellationToken.None);
            if (step is null)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                continue;
            }

            steps.Add(step);
            if (step.FinalVerdict is not null)
            {
                break;
            }
        }

        return steps;
    }

    [Fact]
    public async Task StepAsync_BeforeTheFirstIntervalEndsAndSettles_NoLookIsDue()
    {
        var judge = new ScriptedJudge((_, _) => (Verdict.Pass, false));
        var stepper = new VerificationRunStepper(Traffic().Source, judge, Delay);
        var context = Context(RunTestData.Plan(), Run());

        Assert.Null(await stepper.StepAsync(context, [], RunTestData.Start.AddMinutes(1), CancellationToken.None)); // the delay has not passed
        var step = await stepper.StepAsync(context, [], RunTestData.Start.AddMinutes(1) + Delay, CancellationToken.None);

        Assert.NotNull(step);
        Assert.Equal(1, step.Interval.Look);
        Assert.Equal(RunTestData.Start.AddMinutes(1).ToUnixTimeMilliseconds(), step.Interval.EndMs);
        Assert.Null(step.FinalVerdict);
        Assert.Empty(judge.Calls.Skip(1));
    }

    [Fact]
    public async Task StepAsync_EveryLook_JudgesAllIntervalsSoFar_AndStopsAtTheLastPlannedLook()
    {
        var judge = new ScriptedJudge((_, _) => (Verdict.Pass, false));
        var stepper = new VerificationRunStepper(Traffic().Source, judge, Delay);

        var steps = await RunToEndAsync(stepper, Context(RunTestData.Plan(looks: 4), Run()), TimeSpan.FromMinutes(10));

        Assert.Equal([1, 2, 3, 4], steps.Select(s => s.Interval.Look));
        Assert.Equal([null, null, null, Verdict.Pass], steps.Select(s => s.FinalVerdict));
        Assert.Equal([1, 2, 3, 4], judge.Calls.Select(c => c.Look));
        Assert.Equal([1, 2, 3, 4], judge.Calls.Select(c => c.Metrics[0].Intervals.Count));
        Assert.All(judge.Calls, c => Assert.Equal("1.4.2", c.Canary));

        // Each look covers its own interval: 600 canary requests per minute, intervals a minute apart.
        var last = judge.Calls[^1].Metrics.Single(m => m.Metric.Name == "error-ratio");
        Assert.All(last.Intervals, o => Assert.Equal(600, o.Canary.Requests, 1e-6));
        Assert.Equal(
            Enumerable.Range(1, 4).Select(k => RunTestData.Start.AddMinutes(k).ToUnixTimeMilliseconds()),
            last.Intervals.Select(o => o.EndMs));

        // Simulated time: the fourth look came at 4 minutes plus the evaluation delay, not earlier.
        Assert.Equal(RunTestData.Start.AddMinutes(4) + Delay, _time.GetUtcNow());
    }

    [Fact]
    public async Task StepAsync_DecisiveLook_StopsEarlyWithItsVerdict()
    {
        var judge = new ScriptedJudge((look, _) => look == 2 ? (Verdict.Fail, true) : (Verdict.Inconclusive, false));
        var stepper = new VerificationRunStepper(Traffic().Source, judge, Delay);

        var steps = await RunToEndAsync(stepper, Context(RunTestData.Plan(looks: 15), Run()), TimeSpan.FromMinutes(20));

        Assert.Equal(2, steps.Count);
        Assert.Equal(Verdict.Fail, steps[^1].FinalVerdict);
        Assert.True(steps[^1].Interval.Verdict.Decisive);
    }

    [Fact]
    public async Task StepAsync_RunBehindSeveralLooks_CatchesUpOneLookPerCall()
    {
        var judge = new ScriptedJudge((_, _) => (Verdict.Pass, false));
        var stepper = new VerificationRunStepper(Traffic().Source, judge, Delay);
        var context = Context(RunTestData.Plan(looks: 5), Run());
        var now = RunTestData.Start.AddMinutes(3) + Delay;

        var first = await stepper.StepAsync(context, [], now, CancellationToken.None);
        var second = await stepper.StepAsync(context, [first!.Interval], now, CancellationToken.None);
        var third = await stepper.StepAsync(context, [first.Interval, second!.Interval], now, CancellationToken.None);
        var fourth = await stepper.StepAsync(context, [first.Interval, second.Interval, third!.Interval], now, CancellationToken.None);

        Assert.Equal([1, 2, 3], new[] { first, second, third }.Select(s => s.Interval.Look));
        Assert.Null(fourth);
    }

    [Fact]
    public async Task StepAsync_CanaryWithoutABaselineWithTraffic_LooksAreInconclusiveWithTheReason_WithoutTheJudge()
    {
        var data = new RunTestData();
        data.AddVersion("1.4.2", RunTestData.Start.AddHours(-1), RunTestData.Start.AddMinutes(30), perSecond: 10);
        var judge = new ScriptedJudge((_, _) => (Verdict.Pass, false));
        var stepper = new VerificationRunStepper(data.Source, judge, Delay);

        var steps = await RunToEndAsync(stepper, Context(RunTestData.Plan(looks: 2), Run(baseline: null)), TimeSpan.FromMinutes(5));

        Assert.Equal(2, steps.Count);
        Assert.Equal(Verdict.Inconclusive, steps[^1].FinalVerdict);
        Assert.Empty(judge.Calls);
        Assert.Contains(BaselineSelector.NoBaselineReason, steps[^1].Interval.Verdict.Summary, StringComparison.Ordinal);
        Assert.All(steps[^1].Interval.Verdict.Metrics, m => Assert.Equal(MetricClassification.Nodata, m.Classification));
    }

    [Fact]
    public async Task StepAsync_CanaryWithoutANamedBaseline_ComparesWithTheVersionWithTheMostTraffic()
    {
        var source = new RecordingMetricsSource(Traffic().Source);
        var judge = new ScriptedJudge((_, _) => (Verdict.Pass, false));
        var stepper = new VerificationRunStepper(source, judge, Delay);

        await stepper.StepAsync(Context(RunTestData.Plan(), Run(baseline: null)), [], RunTestData.Start.AddMinutes(1) + Delay, CancellationToken.None);

        var errors = judge.Calls.Single().Metrics.Single(m => m.Metric.Name == "error-ratio").Intervals.Single();
        Assert.Equal(6000, errors.Baseline.Requests, 1e-6);
        Assert.Contains(source.Queries, q => q.Query.Contains("service_version=\"1.4.1\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StepAsync_BeforeAfter_BeforeWindowsMirrorTheAfterWindowsAcrossTheReleaseStart()
    {
        var data = new RunTestData();
        data.AddVersion("1.4.1", RunTestData.Start.AddHours(-1), RunTestData.Start, perSecond: 100);
        data.AddVersion("1.4.2", RunTestData.Start, RunTestData.Start.AddMinutes(30), perSecond: 50);
        var source = new RecordingMetricsSource(data.Source);
        var judge = new ScriptedJudge((_, _) => (Verdict.Pass, false));
        var stepper = new VerificationRunStepper(source, judge, Delay);

        var steps = await RunToEndAsync(stepper, Context(RunTestData.Plan(ComparisonMode.BeforeAfter, looks: 3), Run(ComparisonMode.BeforeAfter)), TimeSpan.FromMinutes(5));

        Assert.Equal(3, steps.Count);
        var errors = judge.Calls[^1].Metrics.Single(m => m.Metric.Name == "error-ratio");
        Assert.Equal([3000.0, 3000, 3000], errors.Intervals.Select(o => Math.Round(o.Canary.Requests, 6)));   // after: 1.4.2 at 50/s
        Assert.Equal([6000.0, 6000, 6000], errors.Intervals.Select(o => Math.Round(o.Baseline.Requests, 6))); // before: 1.4.1 at 100/s

        // The before side of look k is evaluated at start - (k-1) intervals (the k intervals ending at the release start).
        var start = RunTestData.Start.ToUnixTimeMilliseconds();
        var beforeTimes = source.Queries.Where(q => q.Query.Contains("\"1.4.1\"", StringComparison.Ordinal) && q.TimeMs <= start && q.TimeMs > start - 3_600_000)
            .Select(q => q.TimeMs).Distinct().Order().ToList();
        Assert.Equal([start - 120_000, start - 60_000, start], beforeTimes);

        // No data a day or a week earlier: the seasonal guard's history is missing, so null (the judge skips it and says so).
        Assert.NotNull(errors.Seasonal);
        Assert.Null(errors.Seasonal.OneDayEarlier);
        Assert.Null(errors.Seasonal.OneWeekEarlier);
    }

    [Fact]
    public async Task StepAsync_BeforeAfterWithSeasonalData_KeepsTheShiftedWindows()
    {
        var data = new RunTestData();
        var dayEarlier = RunTestData.Start.AddDays(-1);
        data.AddVersion("1.4.1", dayEarlier.AddMinutes(-10), RunTestData.Start, perSecond: 100);
        data.AddVersion("1.4.2", RunTestData.Start, RunTestData.Start.AddMinutes(30), perSecond: 50);
        var judge = new ScriptedJudge((_, _) => (Verdict.Pass, false));
        var stepper = new VerificationRunStepper(data.Source, judge, Delay);
        var context = Context(RunTestData.Plan(ComparisonMode.BeforeAfter, looks: 3), Run(ComparisonMode.BeforeAfter, baseline: "1.4.1"));

        // The seasonal query uses {{version}} per side: the after side a day earlier asks for 1.4.2, which did not exist then.
        var step = await stepper.StepAsync(context, [], RunTestData.Start.AddMinutes(1) + Delay, CancellationToken.None);

        var seasonal = judge.Calls.Single().Metrics.Single(m => m.Metric.Name == "error-ratio").Seasonal!;
        var day = Assert.Single(seasonal.OneDayEarlier!);
        Assert.Equal(dayEarlier.AddMinutes(1).ToUnixTimeMilliseconds(), day.EndMs);
        Assert.Equal(6000, day.Baseline.Requests, 1e-6);
        Assert.Null(seasonal.OneWeekEarlier);
        Assert.NotNull(step);
    }
}
