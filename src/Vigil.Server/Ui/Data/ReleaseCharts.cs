using System.Globalization;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Releases;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Runs;
using Vigil.Server.Ui.Components;

namespace Vigil.Server.Ui.Data;

/// <summary>The canary-vs-baseline chart of one plan metric on the release page.</summary>
/// <param name="Name">The metric's name in the plan.</param>
/// <param name="Title">The chart's caption: what is drawn (<c>error-ratio: errors / requests per 10s</c>).</param>
/// <param name="Unit">How values are shown (<see cref="TimeSeriesChart.Unit"/>).</param>
/// <param name="Data">The two series: the canary (or after) version and the baseline (or before) version.</param>
/// <param name="Error">Why a side could not be drawn (the query failed), or null.</param>
public sealed record ReleaseMetricChart(string Name, string Title, string Unit, ChartData Data, string? Error);

/// <summary>
/// Draws each plan metric of a run over the verification window, canary against baseline: the plan's PromQL templates
/// filled for each side exactly as the judge fills them (<see cref="QueryTemplate"/>, the run's baseline version, the
/// plan's interval), evaluated as range queries. Each point is the value of the interval that ends there: the ratio of
/// events to requests for count ratios, the plan's quantile of the bucket counts for latency histograms (interpolated as
/// the judge does), the query's value for continuous metrics.
/// </summary>
/// <remarks>
/// Canary mode draws both versions from a little before the run started to its end (or now). Before/after mode draws the
/// window after the release and the mirrored window before it on one time axis, the new version and the baseline
/// version each where they ran. Queries shared by several metrics (the p50, p95 and p99 of one histogram) run once.
/// </remarks>
internal sealed class ReleaseChartReader(IMetricsSource metrics)
{
    /// <summary>At most this many points per series: enough to read a 15-minute run at 10 s, cheap to render.</summary>
    public const int MaxPoints = 240;

    /// <summary>A short run is drawn with at least this many points (the step shrinks below the interval, whose windows then overlap).</summary>
    public const int MinPoints = 12;

    /// <summary>Intervals drawn before the run starts in canary mode, to show the versions as they were.</summary>
    public const int LeadIntervals = 3;

    private readonly Dictionary<string, Task<MatrixResult>> _queries = new(StringComparer.Ordinal);

    /// <summary>The window a run's charts cover and their step: start and end aligned to the step, in Unix milliseconds.</summary>
    public static (long StartMs, long EndMs, long StepMs) Window(Release release, VerificationRun run, VerificationPlan plan, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(plan);
        var interval = plan.Interval > TimeSpan.Zero ? plan.Interval : TimeSpan.FromMinutes(1);
        var anchor = RunContext.AnchorFor(run.Mode, run.StartedAt, release.StartedAt);
        var end = run.EndedAt ?? now;
        if (run.Mode == ComparisonMode.BeforeAfter && end > anchor + plan.Duration)
        {
            // A release recorded after it started is judged at once on stored data: its run ends hours after the
            // judged window, which is all the charts need to show (and a query over hours of histograms is slow).
            end = anchor + plan.Duration;
        }
        if (end < anchor + interval)
        {
            end = anchor + interval;
        }

        DateTimeOffset start;
        if (run.Mode == ComparisonMode.BeforeAfter)
        {
            start = anchor - (end - anchor);
        }
        else
        {
            start = (release.StartedAt < anchor ? release.StartedAt : anchor) - (interval * LeadIntervals);
            var earliest = anchor - plan.Duration;
            start = start < earliest ? earliest : start;
        }

        var span = (end - start).TotalMilliseconds;
        var step = (long)interval.TotalMilliseconds;
        while (span / step < MinPoints && step >= 2000)
        {
            step /= 2;
        }

        while (span / step > MaxPoints)
        {
            step *= 2;
        }

        step = Math.Max(1000, step / 1000 * 1000);

        // Align to the anchor, so that with a step dividing the interval the points fall on the judge's looks.
        var anchorMs = anchor.ToUnixTimeMilliseconds();
        var startMs = anchorMs - ((anchorMs - start.ToUnixTimeMilliseconds() + step - 1) / step * step);
        var endMs = anchorMs + ((end.ToUnixTimeMilliseconds() - anchorMs) / step * step);
        return (startMs, Math.Max(endMs, startMs + step), step);
    }

    /// <summary>
    /// One chart per plan metric, in plan order, comparing the release's version with <paramref name="baselineVersion"/>
    /// (the run's, or the one chosen for it); a failed query gives a chart with its error, never an exception.
    /// </summary>
    public async Task<IReadOnlyList<ReleaseMetricChart>> ReadAsync(
        Release release, VerificationRun run, VerificationPlan plan, string? baselineVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(plan);
        var (startMs, endMs, stepMs) = Window(release, run, plan, now);
        var times = new List<long>();
        for (var t = startMs; t <= endMs; t += stepMs)
        {
            times.Add(t / 1000);
        }

        var canary = new TemplateValues(release.Service, release.Environment, release.Version, baselineVersion, plan.Interval);
        var baseline = run.Mode == ComparisonMode.Canary && string.IsNullOrEmpty(baselineVersion)
            ? null
            : canary.ForVersion(baselineVersion ?? string.Empty);
        var (canaryLabel, baselineLabel) = run.Mode == ComparisonMode.BeforeAfter
            ? ($"after: {release.Version}", $"before: {(string.IsNullOrEmpty(baselineVersion) ? "any version" : baselineVersion)}")
            : ($"canary {release.Version}", $"baseline {baselineVersion}");

        // Every distinct query starts now, side by side (the p50, p95 and p99 of one histogram share theirs); the loop
        // below awaits them in plan order.
        foreach (var metric in plan.Metrics)
        {
            foreach (var values in baseline is null ? [canary] : new[] { canary, baseline })
            {
                _ = Start(metric.Query, values, startMs, endMs, stepMs, cancellationToken);
                if (metric.Kind == MetricKind.CountRatio && !string.IsNullOrWhiteSpace(metric.TotalQuery))
                {
                    _ = Start(metric.TotalQuery, values, startMs, endMs, stepMs, cancellationToken);
                }
            }
        }

        var charts = new List<ReleaseMetricChart>(plan.Metrics.Count);
        foreach (var metric in plan.Metrics)
        {
            var errors = new List<string>();
            var canaryValues = await SideAsync(metric, canary, times, startMs, endMs, stepMs, errors, "canary", cancellationToken);
            // The baseline first: it takes the palette's first (calm) colour, the canary under judgement the second.
            var series = new List<ChartSeries>(2);
            if (baseline is not null)
            {
                series.Add(new ChartSeries(baselineLabel, await SideAsync(metric, baseline, times, startMs, endMs, stepMs, errors, "baseline", cancellationToken)));
            }
            else
            {
                errors.Add("no baseline version was chosen yet: only the canary is drawn");
            }

            series.Add(new ChartSeries(canaryLabel, canaryValues));

            charts.Add(new ReleaseMetricChart(metric.Name, Title(metric, plan.Interval), Unit(metric), new ChartData(times, series), errors.Count == 0 ? null : string.Join("; ", errors)));
        }

        return charts;
    }

    private static string Title(PlanMetric metric, TimeSpan interval)
    {
        var per = Core.Time.DurationParser.Format(interval);
        return metric.Kind switch
        {
            MetricKind.CountRatio => $"{metric.Name}: events / requests per {per}",
            MetricKind.LatencyHistogram => string.Create(CultureInfo.InvariantCulture, $"{metric.Name}: p{(metric.Quantile ?? 0.95) * 100:0.##} over each {per}"),
            _ => $"{metric.Name}: value at each {per}",
        };
    }

    private static string Unit(PlanMetric metric) => metric.Kind switch
    {
        MetricKind.CountRatio => "ratio",
        MetricKind.LatencyHistogram => "seconds",
        _ => string.Empty,
    };

    private async Task<IReadOnlyList<double?>> SideAsync(
        PlanMetric metric, TemplateValues values, List<long> times, long startMs, long endMs, long stepMs, List<string> errors, string side, CancellationToken cancellationToken)
    {
        try
        {
            switch (metric.Kind)
            {
                case MetricKind.CountRatio:
                {
                    if (string.IsNullOrWhiteSpace(metric.TotalQuery))
                    {
                        errors.Add($"{side}: a count-ratio metric needs a total query");
                        return Nulls(times.Count);
                    }

                    // As the judge: no events series is zero events, and there is no ratio without requests.
                    var events = Single(await QueryAsync(metric.Query, values, startMs, endMs, stepMs, cancellationToken), times);
                    var requests = Single(await QueryAsync(metric.TotalQuery, values, startMs, endMs, stepMs, cancellationToken), times);
                    return times.Select((_, i) => requests[i] is > 0 and var r ? Math.Max(0, events[i] ?? 0) / r : (double?)null).ToList();
                }

                case MetricKind.LatencyHistogram:
                    return Quantiles(await QueryAsync(metric.Query, values, startMs, endMs, stepMs, cancellationToken), times, metric.Quantile ?? 0.95);

                default:
                    return Single(await QueryAsync(metric.Query, values, startMs, endMs, stepMs, cancellationToken), times);
            }
        }
        catch (Exception e) when (e is MetricsSourceException or PromQlParseException or PromQlEvaluationException or ChartQueryException)
        {
            errors.Add($"{side}: {e.Message}");
            return Nulls(times.Count);
        }
    }

    private Task<MatrixResult> QueryAsync(string template, TemplateValues values, long startMs, long endMs, long stepMs, CancellationToken cancellationToken) =>
        Start(template, values, startMs, endMs, stepMs, cancellationToken);

    /// <summary>The range query of a filled template, started once per distinct query on the thread pool (the embedded engine computes synchronously).</summary>
    private Task<MatrixResult> Start(string template, TemplateValues values, long startMs, long endMs, long stepMs, CancellationToken cancellationToken)
    {
        var query = QueryTemplate.Fill(template, values);
        if (!_queries.TryGetValue(query, out var task))
        {
            task = Task.Run(() => metrics.RangeQueryAsync(query, startMs, endMs, stepMs, cancellationToken), cancellationToken);
            _queries[query] = task;
        }

        return task;
    }

    private static double?[] Nulls(int count) => new double?[count];

    /// <summary>The one series' values at each time (null where it has no sample); several series are an error, as for the judge.</summary>
    private static double?[] Single(MatrixResult result, List<long> times)
    {
        if (result.Series.Count > 1)
        {
            throw new ChartQueryException(string.Create(CultureInfo.InvariantCulture,
                $"the query answered {result.Series.Count} series where one number is needed (aggregate it, e.g. with sum)"));
        }

        var values = Nulls(times.Count);
        if (result.Series.Count == 1)
        {
            Place(result.Series[0].Samples, times, values);
        }

        return values;
    }

    /// <summary>The q-quantile at each time of the per-interval bucket counts (one series per <c>le</c>).</summary>
    private static double?[] Quantiles(MatrixResult result, List<long> times, double q)
    {
        var bounds = new List<(double Bound, double?[] Values)>();
        foreach (var series in result.Series)
        {
            var le = series.Labels.Get("le");
            if (le is null || !TryParseBound(le, out var bound))
            {
                throw new ChartQueryException(le is null
                    ? "a series has no le label; a latency-histogram query must answer one series per bucket"
                    : $"le=\"{le}\" is not a bucket bound");
            }

            var values = Nulls(times.Count);
            Place(series.Samples, times, values);
            bounds.Add((bound, values));
        }

        bounds.Sort((a, b) => a.Bound.CompareTo(b.Bound));
        var quantiles = Nulls(times.Count);
        var buckets = new List<(double, double)>(bounds.Count);
        for (var i = 0; i < times.Count; i++)
        {
            buckets.Clear();
            foreach (var (bound, values) in bounds)
            {
                if (values[i] is { } v && double.IsFinite(v))
                {
                    buckets.Add((bound, v));
                }
            }

            quantiles[i] = Quantile(HistogramCounts.FromCumulative(buckets), q);
        }

        return quantiles;
    }

    /// <summary>
    /// The q-quantile of per-bucket counts, interpolated within its bucket geometrically where the bucket's lower edge is
    /// positive (as the judge does), the largest finite bound in the overflow bucket; null without requests.
    /// </summary>
    internal static double? Quantile(HistogramCounts histogram, double q)
    {
        var total = histogram.Total;
        if (!(total > 0))
        {
            return null;
        }

        var rank = q * total;
        var below = 0.0;
        for (var i = 0; i < histogram.Counts.Count; i++)
        {
            var inBucket = histogram.Counts[i];
            if (below + inBucket < rank && i < histogram.Counts.Count - 1)
            {
                below += inBucket;
                continue;
            }

            var high = histogram.UpperBounds[i];
            if (double.IsPositiveInfinity(high))
            {
                return i > 0 ? histogram.UpperBounds[i - 1] : null;
            }

            var low = i == 0 ? Math.Min(0, high) : histogram.UpperBounds[i - 1];
            var fraction = inBucket <= 0 ? 1 : Math.Clamp((rank - below) / inBucket, 0, 1);
            return low > 0 ? low * Math.Pow(high / low, fraction) : low + (fraction * (high - low));
        }

        return null;
    }

    private static void Place(IReadOnlyList<Core.Telemetry.Sample> samples, List<long> times, double?[] values)
    {
        var j = 0;
        foreach (var sample in samples)
        {
            var t = sample.TimestampMs / 1000;
            while (j < times.Count && times[j] < t)
            {
                j++;
            }

            if (j < times.Count && times[j] == t && double.IsFinite(sample.Value))
            {
                values[j] = sample.Value;
            }
        }
    }

    private static bool TryParseBound(string text, out double bound)
    {
        if (text is "+Inf" or "Inf" or "+inf" or "inf")
        {
            bound = double.PositiveInfinity;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out bound) && !double.IsNaN(bound);
    }

    private sealed class ChartQueryException(string message) : Exception(message);
}
