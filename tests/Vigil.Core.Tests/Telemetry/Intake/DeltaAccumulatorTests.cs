using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;

namespace Vigil.Core.Tests.Telemetry.Intake;

public class DeltaAccumulatorTests
{
    private const long Second = 1_000_000_000;
    private static readonly LabelSet Series = LabelSet.From(("__name__", "requests_total"), ("job", "api"));
    private static readonly LabelSet Other = LabelSet.From(("__name__", "requests_total"), ("job", "web"));

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void AddSum_ContiguousDeltas_ReturnsRunningTotal()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);

        accumulator.AddSum(Series, 0 * Second, 10 * Second, 3, out var first);
        accumulator.AddSum(Series, 10 * Second, 20 * Second, 2, out var second);
        var outcome = accumulator.AddSum(Series, 20 * Second, 30 * Second, 5, out var third);

        Assert.Equal(DeltaOutcome.Accepted, outcome);
        Assert.Equal([3.0, 5.0, 10.0], [first, second, third]);
    }

    [Fact]
    public void AddSum_GapLongerThanResetGap_RestartsFromZero()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);
        accumulator.AddSum(Series, 0, 10 * Second, 3, out _);
        accumulator.AddSum(Series, 10 * Second, 20 * Second, 4, out _);

        accumulator.AddSum(Series, 400 * Second, 410 * Second, 2, out var afterGap);

        Assert.Equal(2, afterGap);
    }

    [Fact]
    public void AddSum_StartTimeGoesBack_RestartsFromZero()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);
        accumulator.AddSum(Series, 100 * Second, 110 * Second, 3, out _);
        accumulator.AddSum(Series, 110 * Second, 120 * Second, 4, out _);

        // A restarted producer: its first interval begins before the previous point's start.
        accumulator.AddSum(Series, 50 * Second, 130 * Second, 1, out var restarted);

        Assert.Equal(1, restarted);
    }

    [Fact]
    public void AddSum_SamePointTwice_IsNotCountedTwice()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);
        accumulator.AddSum(Series, 0, 10 * Second, 3, out _);
        accumulator.AddSum(Series, 10 * Second, 20 * Second, 4, out _);

        var outcome = accumulator.AddSum(Series, 10 * Second, 20 * Second, 4, out var retried);

        Assert.Equal(DeltaOutcome.Accepted, outcome);
        Assert.Equal(7, retried);
    }

    [Fact]
    public void AddSum_OlderPoint_IsOutOfOrder()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);
        accumulator.AddSum(Series, 10 * Second, 20 * Second, 4, out _);

        var outcome = accumulator.AddSum(Series, 0, 10 * Second, 3, out _);

        Assert.Equal(DeltaOutcome.OutOfOrder, outcome);
    }

    [Fact]
    public void AddSum_NewSeriesBeyondLimit_IsRefused()
    {
        var accumulator = new DeltaAccumulator(1, TimeSpan.FromMinutes(5), _time);
        accumulator.AddSum(Series, 0, 10 * Second, 1, out _);

        var outcome = accumulator.AddSum(Other, 0, 10 * Second, 1, out _);

        Assert.Equal(DeltaOutcome.SeriesLimit, outcome);
        Assert.Equal(1, accumulator.Count);
    }

    [Fact]
    public void AddSum_NewSeriesWhenOldOneIsIdle_EvictsIdleSeries()
    {
        var accumulator = new DeltaAccumulator(1, TimeSpan.FromMinutes(5), _time);
        accumulator.AddSum(Series, 0, 10 * Second, 1, out _);
        _time.Advance(TimeSpan.FromMinutes(6));

        var outcome = accumulator.AddSum(Other, 0, 10 * Second, 1, out var value);

        Assert.Equal(DeltaOutcome.Accepted, outcome);
        Assert.Equal(1, value);
        Assert.Equal(1, accumulator.Count);
    }

    [Fact]
    public void AddHistogram_SameBounds_AddsBucketsSumAndCount()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);
        accumulator.AddHistogram(Series, 0, 10 * Second, [1, 2], [1, 2, 3], 10, 6, out _);

        accumulator.AddHistogram(Series, 10 * Second, 20 * Second, [1, 2], [1, 0, 1], 4, 2, out var cumulative);

        Assert.NotNull(cumulative);
        Assert.Equal([1.0, 2.0], cumulative.Bounds);
        Assert.Equal([2.0, 2.0, 4.0], cumulative.BucketCounts);
        Assert.Equal(14, cumulative.Sum);
        Assert.Equal(8, cumulative.Count);
    }

    [Fact]
    public void AddHistogram_NewBounds_MergesByBound()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);
        accumulator.AddHistogram(Series, 0, 10 * Second, [2, 4], [1, 1, 0], 5, 2, out _);

        accumulator.AddHistogram(Series, 10 * Second, 20 * Second, [4, 8], [2, 1, 1], 20, 4, out var cumulative);

        Assert.Equal([2.0, 4.0, 8.0], cumulative!.Bounds);
        Assert.Equal([1.0, 3.0, 1.0, 1.0], cumulative.BucketCounts);
        Assert.Equal(6, cumulative.Count);
    }

    [Fact]
    public void AddHistogram_AfterGap_RestartsFromZero()
    {
        var accumulator = new DeltaAccumulator(10, TimeSpan.FromMinutes(5), _time);
        accumulator.AddHistogram(Series, 0, 10 * Second, [1], [5, 5], 50, 10, out _);

        accumulator.AddHistogram(Series, 1000 * Second, 1010 * Second, [1], [1, 0], 0.5, 1, out var cumulative);

        Assert.Equal([1.0, 0.0], cumulative!.BucketCounts);
        Assert.Equal(1, cumulative.Count);
    }
}
