using Vigil.Core.Telemetry;

namespace Vigil.Core.Anomalies.Forecasting;

/// <summary>
/// A forecast: the model chosen, its fit quality (R² over the history, in [0, 1]), the trend and, when the series
/// crosses the threshold within the horizon, when.
/// </summary>
/// <param name="Model"><c>linear</c> (Theil–Sen trend) or <c>seasonal</c> (the same trend plus a daily profile).</param>
/// <param name="FitQuality">R² of the model over the history, clamped to [0, 1].</param>
/// <param name="SlopePerHour">The trend's change per hour.</param>
/// <param name="LastValue">The last point's value.</param>
/// <param name="LastTimestampMs">The last point's time.</param>
/// <param name="CrossesAtMs">When the forecast first reaches the threshold (the last point's time when it already has), or null.</param>
public sealed record ForecastResult(string Model, double FitQuality, double SlopePerHour, double LastValue, long LastTimestampMs, long? CrossesAtMs);

/// <summary>
/// Forecasts when a capacity signal crosses a threshold. The trend is Theil–Sen (the median of pairwise slopes, robust
/// to outliers; at most <see cref="MaxFitPoints"/> points, evenly thinned). With at least two days of history, a daily
/// profile (96 quarter-hour bins of the median residual) is added when it raises R² by at least 0.05: then the model
/// is <c>seasonal</c>. The forecast steps from the last point to the horizon and reports the first step at or past the
/// threshold (upwards when the last value is below it, downwards when above).
/// </summary>
public static class Forecaster
{
    /// <summary>The most points the fit uses: 400 (Theil–Sen is quadratic).</summary>
    public const int MaxFitPoints = 400;

    /// <summary>The fewest points a forecast needs: 3.</summary>
    public const int MinPoints = 3;

    private const long DayMs = 86_400_000;
    private const int Bins = 96;
    private const long BinMs = DayMs / Bins;
    private const int MaxSteps = 100_000;

    /// <summary>Forecasts <paramref name="points"/> (time order, finite values) against <paramref name="threshold"/> up to <paramref name="horizonMs"/> after the last point.</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="MinPoints"/> finite points.</exception>
    public static ForecastResult Forecast(IReadOnlyList<Sample> points, double threshold, long horizonMs)
    {
        ArgumentNullException.ThrowIfNull(points);
        var all = points.Where(p => double.IsFinite(p.Value)).OrderBy(p => p.TimestampMs).ToList();
        if (all.Count < MinPoints)
        {
            throw new ArgumentException($"a forecast needs at least {MinPoints} points; the series has {all.Count}", nameof(points));
        }

        var fit = Thin(all, MaxFitPoints);
        var t0 = fit[0].TimestampMs;
        var slope = TheilSen(fit);
        var intercept = Median([.. fit.Select(p => p.Value - (slope * (p.TimestampMs - t0)))]);
        double Linear(long t) => intercept + (slope * (t - t0));
        var linearR2 = R2(all, Linear);

        double[]? profile = null;
        var span = all[^1].TimestampMs - all[0].TimestampMs;
        var seasonalR2 = double.NegativeInfinity;
        double sSlope = slope, sIntercept = intercept;
        if (span >= 2 * DayMs)
        {
            // Alternate: the profile of residuals from the trend, then the trend of the deseasonalised series (a season
            // biases a plain trend fit over a span that is not whole days).
            for (var round = 0; round < 3; round++)
            {
                var (a, b) = (sSlope, sIntercept);
                profile = Profile(all, t => b + (a * (t - t0)));
                var prof = profile;
                var deseasonalised = fit.Select(p => new Sample(p.TimestampMs, p.Value - prof[Bin(p.TimestampMs)])).ToList();
                sSlope = TheilSen(deseasonalised);
                var slopeNow = sSlope;
                sIntercept = Median([.. deseasonalised.Select(p => p.Value - (slopeNow * (p.TimestampMs - t0)))]);
            }

            var (fa, fb) = (sSlope, sIntercept);
            profile = Profile(all, t => fb + (fa * (t - t0)));
            var final = profile;
            seasonalR2 = R2(all, t => fb + (fa * (t - t0)) + final[Bin(t)]);
        }

        var seasonal = profile is not null && seasonalR2 >= linearR2 + 0.05;
        var chosen = profile;
        var (ss, si) = (sSlope, sIntercept);
        Func<long, double> predict = seasonal ? t => si + (ss * (t - t0)) + chosen![Bin(t)] : Linear;
        var last = all[^1];
        var upward = last.Value < threshold;
        long? crosses = null;
        if (last.Value == threshold || (upward ? last.Value >= threshold : last.Value <= threshold))
        {
            crosses = last.TimestampMs;
        }
        else
        {
            var step = Math.Max(Math.Max(1, horizonMs / MaxSteps), seasonal ? Math.Min(BinMs, MedianSpacing(all)) : MedianSpacing(all));
            for (var t = last.TimestampMs + step; t <= last.TimestampMs + horizonMs; t += step)
            {
                var v = predict(t);
                if (upward ? v >= threshold : v <= threshold)
                {
                    crosses = t;
                    break;
                }
            }
        }

        return new ForecastResult(seasonal ? "seasonal" : "linear", Math.Clamp(seasonal ? seasonalR2 : linearR2, 0, 1), (seasonal ? sSlope : slope) * 3_600_000, last.Value, last.TimestampMs, crosses);
    }

    private static double[] Profile(List<Sample> points, Func<long, double> trend)
    {
        var residuals = new List<double>[Bins];
        for (var i = 0; i < Bins; i++)
        {
            residuals[i] = [];
        }

        foreach (var p in points)
        {
            residuals[Bin(p.TimestampMs)].Add(p.Value - trend(p.TimestampMs));
        }

        return [.. residuals.Select(r => r.Count == 0 ? 0 : Median([.. r]))];
    }

    private static int Bin(long t) => (int)(((t % DayMs) + DayMs) % DayMs / BinMs);

    private static List<Sample> Thin(List<Sample> points, int max)
    {
        if (points.Count <= max)
        {
            return points;
        }

        var thinned = new List<Sample>(max);
        for (var i = 0; i < max; i++)
        {
            thinned.Add(points[(int)((long)i * (points.Count - 1) / (max - 1))]);
        }

        return thinned;
    }

    private static double TheilSen(List<Sample> points)
    {
        var slopes = new List<double>(points.Count * (points.Count - 1) / 2);
        for (var i = 0; i < points.Count; i++)
        {
            for (var j = i + 1; j < points.Count; j++)
            {
                var dt = points[j].TimestampMs - points[i].TimestampMs;
                if (dt > 0)
                {
                    slopes.Add((points[j].Value - points[i].Value) / dt);
                }
            }
        }

        return slopes.Count == 0 ? 0 : Median([.. slopes]);
    }

    private static double R2(List<Sample> points, Func<long, double> model)
    {
        var mean = points.Average(p => p.Value);
        double total = 0, residual = 0;
        foreach (var p in points)
        {
            total += (p.Value - mean) * (p.Value - mean);
            var e = p.Value - model(p.TimestampMs);
            residual += e * e;
        }

        return total <= 0 ? (residual <= 1e-12 ? 1 : 0) : 1 - (residual / total);
    }

    private static long MedianSpacing(List<Sample> points)
    {
        var gaps = new double[points.Count - 1];
        for (var i = 1; i < points.Count; i++)
        {
            gaps[i - 1] = points[i].TimestampMs - points[i - 1].TimestampMs;
        }

        return Math.Max(1, (long)Median(gaps));
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        var n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
