using Vigil.Core.Anomalies.Forecasting;
using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.Anomalies.Forecasting;

public sealed class ForecasterTests
{
    private const long Hour = 3_600_000;
    private static readonly long Start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void LinearGrowth_CrossesAtTheKnownTime()
    {
        // 10 per hour from 100 over 7 days at 5-minute steps, with one wild outlier Theil–Sen ignores; 2000 is reached at hour 190.
        var points = Enumerable.Range(0, 7 * 24 * 12).Select(i => new Sample(Start + (i * 300_000L), 100 + (i * 10.0 / 12))).ToList();
        points[500] = points[500] with { Value = 1e6 };
        var result = Forecaster.Forecast(points, 2000, 7 * 24 * Hour);
        Assert.Equal("linear", result.Model);
        Assert.Equal(10, result.SlopePerHour, 6);
        var crossing = Assert.NotNull(result.CrossesAtMs);
        Assert.InRange(crossing, Start + (190 * Hour), Start + (190 * Hour) + 300_000);
    }

    [Fact]
    public void DailySeasonWithTrend_SeasonalModelCrossesAtTheDailyPeak()
    {
        // A daily sine (amplitude 50, peak at 06:00) on a trend of 1 per hour from 100; 4 days at 5-minute steps.
        static double Value(long t) => 100 + ((t - Start) / (double)Hour) + (50 * Math.Sin(2 * Math.PI * (t - Start) / (24.0 * Hour)));
        var points = Enumerable.Range(0, 4 * 24 * 12).Select(i => Start + (i * 300_000L)).Select(t => new Sample(t, Value(t))).ToList();
        var result = Forecaster.Forecast(points, 260, 3 * 24 * Hour);
        Assert.Equal("seasonal", result.Model);
        Assert.True(result.FitQuality > 0.95, $"R² {result.FitQuality}");
        var crossing = Assert.NotNull(result.CrossesAtMs);
        // The true series first reaches 260 on day 5 near its 06:00 peak (110 h + 50 at 102 h < 260; at 126 h: 226 + 50 = 276).
        var firstTrue = Enumerable.Range(0, 3 * 24 * 60).Select(m => points[^1].TimestampMs + (m * 60_000L)).First(t => Value(t) >= 260);
        Assert.True(Math.Abs(crossing - firstTrue) <= 2 * Hour, $"forecast {(crossing - Start) / (double)Hour:0.0} h, true {(firstTrue - Start) / (double)Hour:0.0} h, slope {result.SlopePerHour}");
    }

    [Fact]
    public void Flat_NeverCrosses()
    {
        var points = Enumerable.Range(0, 1000).Select(i => new Sample(Start + (i * 60_000L), 42 + ((i % 7) * 0.01))).ToList();
        var result = Forecaster.Forecast(points, 100, 30 * 24 * Hour);
        Assert.Null(result.CrossesAtMs);
        Assert.Equal(0, result.SlopePerHour, 3);
    }

    [Fact]
    public void TooFewPoints_Refused() =>
        Assert.Throws<ArgumentException>(() => Forecaster.Forecast([new Sample(Start, 1)], 2, Hour));
}
