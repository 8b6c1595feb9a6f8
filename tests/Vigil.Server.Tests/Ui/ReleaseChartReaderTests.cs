using Vigil.Core.Releases;
using Vigil.Core.Verification;
using Vigil.Server.Ui.Data;

namespace Vigil.Server.Tests.Ui;

public sealed class ReleaseChartReaderTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Release ReleaseAt(DateTimeOffset startedAt) =>
        new("rel_0123456789abcdef", "checkout", "2.0.0", "prod", null, null, null, [], startedAt, ReleaseState.Verifying, ReleaseSource.Api, startedAt);

    private static VerificationRun Run(ComparisonMode mode, DateTimeOffset startedAt, DateTimeOffset? endedAt) =>
        new("run_1", "rel_0123456789abcdef", "quick", string.Empty, mode, "1.0.0", endedAt is null ? RunState.Running : RunState.Completed,
            startedAt, endedAt, null, null, null, null, null);

    private static VerificationPlan Plan(TimeSpan interval, TimeSpan duration) =>
        new("quick", [], ComparisonMode.Canary, interval, duration, []);

    [Fact]
    public void Quantile_WithinABucketWithAPositiveLowerEdge_InterpolatesGeometricallyAsTheJudge()
    {
        // 100 requests: 50 at or below 10 ms, 50 in (10 ms, 40 ms]. The p75 is halfway through the second bucket:
        // geometrically between 10 and 40 ms, that is 20 ms.
        var histogram = new HistogramCounts([0.01, 0.04, double.PositiveInfinity], [50, 50, 0]);

        var p75 = ReleaseChartReader.Quantile(histogram, 0.75);

        Assert.Equal(0.02, p75!.Value, 9);
    }

    [Fact]
    public void Quantile_InTheFirstBucket_InterpolatesLinearlyFromZero()
    {
        var histogram = new HistogramCounts([0.01, double.PositiveInfinity], [100, 0]);

        Assert.Equal(0.005, ReleaseChartReader.Quantile(histogram, 0.5)!.Value, 9);
    }

    [Fact]
    public void Quantile_InTheOverflowBucket_IsTheLargestFiniteBound()
    {
        var histogram = new HistogramCounts([0.01, 0.04, double.PositiveInfinity], [1, 1, 98]);

        Assert.Equal(0.04, ReleaseChartReader.Quantile(histogram, 0.95));
    }

    [Fact]
    public void Quantile_WithoutRequests_IsNull()
    {
        Assert.Null(ReleaseChartReader.Quantile(new HistogramCounts([0.01, double.PositiveInfinity], [0, 0]), 0.95));
        Assert.Null(ReleaseChartReader.Quantile(new HistogramCounts([], []), 0.95));
    }

    [Fact]
    public void Window_CanaryRun_StartsThreeIntervalsBeforeTheReleaseAndPutsPointsOnTheLooks()
    {
        var interval = TimeSpan.FromMinutes(1);
        var run = Run(ComparisonMode.Canary, Start, Start.AddMinutes(15));

        var (startMs, endMs, stepMs) = ReleaseChartReader.Window(ReleaseAt(Start), run, Plan(interval, TimeSpan.FromMinutes(15)), Start.AddHours(1));

        Assert.Equal(Start.AddMinutes(-3).ToUnixTimeMilliseconds(), startMs);
        Assert.Equal(Start.AddMinutes(15).ToUnixTimeMilliseconds(), endMs);
        Assert.Equal(60_000, stepMs);
    }

    [Fact]
    public void Window_ShortRun_UsesAFinerStepAlignedToTheRunStart()
    {
        var interval = TimeSpan.FromSeconds(5);
        var run = Run(ComparisonMode.Canary, Start, Start.AddSeconds(10));

        var (startMs, endMs, stepMs) = ReleaseChartReader.Window(ReleaseAt(Start), run, Plan(interval, TimeSpan.FromSeconds(40)), Start.AddHours(1));

        Assert.True(stepMs < 5_000, $"a 25-second window is drawn finer than its 5-second interval (step {stepMs} ms)");
        Assert.Equal(0, (Start.ToUnixTimeMilliseconds() - startMs) % stepMs);
        Assert.True((endMs - startMs) / stepMs >= ReleaseChartReader.MinPoints - 1);
    }

    [Fact]
    public void Window_RunningRun_EndsNowAndStaysWithinTheMaximumPoints()
    {
        var now = Start.AddDays(2);
        var run = Run(ComparisonMode.Canary, Start, null);

        var (startMs, endMs, stepMs) = ReleaseChartReader.Window(ReleaseAt(Start), run, Plan(TimeSpan.FromSeconds(10), TimeSpan.FromDays(3)), now);

        Assert.True(endMs <= now.ToUnixTimeMilliseconds() && endMs > now.ToUnixTimeMilliseconds() - stepMs);
        Assert.True((endMs - startMs) / stepMs <= ReleaseChartReader.MaxPoints);
    }

    [Fact]
    public void Window_BeforeAfterRun_MirrorsTheWindowAfterTheReleaseBeforeIt()
    {
        var interval = TimeSpan.FromMinutes(1);
        var run = Run(ComparisonMode.BeforeAfter, Start.AddSeconds(5), Start.AddMinutes(10));

        var (startMs, endMs, _) = ReleaseChartReader.Window(ReleaseAt(Start), run, Plan(interval, TimeSpan.FromMinutes(10)), Start.AddHours(1));

        Assert.Equal(Start.AddMinutes(-10).ToUnixTimeMilliseconds(), startMs);
        Assert.Equal(Start.AddMinutes(10).ToUnixTimeMilliseconds(), endMs);
    }

    [Fact]
    public void Window_BeforeAfterRunRecordedHoursLate_EndsAtTheJudgedWindowNotAtTheRunEnd()
    {
        // A release recorded 11 hours after it started is judged at once on stored data; its run ends at recording time.
        var run = Run(ComparisonMode.BeforeAfter, Start.AddHours(11), Start.AddHours(11).AddSeconds(3));

        var (startMs, endMs, _) = ReleaseChartReader.Window(ReleaseAt(Start), run, Plan(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4)), Start.AddHours(12));

        Assert.Equal(Start.AddMinutes(4).ToUnixTimeMilliseconds(), endMs);
        Assert.Equal(Start.AddMinutes(-4).ToUnixTimeMilliseconds(), startMs);
    }
}
