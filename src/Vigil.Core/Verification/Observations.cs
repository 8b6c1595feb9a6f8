namespace Vigil.Core.Verification;

/// <summary>
/// Request counts per latency bucket within one interval. <see cref="UpperBounds"/> are ascending and end with
/// +Inf; <see cref="Counts"/>[i] is the number of requests with latency in (UpperBounds[i-1], UpperBounds[i]]
/// (not cumulative). Counts may be fractional when they come from PromQL's <c>increase</c>.
/// </summary>
public sealed record HistogramCounts(IReadOnlyList<double> UpperBounds, IReadOnlyList<double> Counts)
{
    /// <summary>The number of requests in the interval.</summary>
    public double Total => Counts.Sum();

    /// <summary>
    /// Turns cumulative <c>le</c> bucket counts (as Prometheus stores them, in any order) into per-bucket counts.
    /// Non-monotonic input (a bucket below its predecessor) is clamped to zero for that bucket.
    /// </summary>
    public static HistogramCounts FromCumulative(IEnumerable<(double UpperBound, double CumulativeCount)> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var sorted = buckets.Where(b => !double.IsNaN(b.UpperBound) && !double.IsNaN(b.CumulativeCount))
            .OrderBy(b => b.UpperBound).ToList();
        var bounds = new double[sorted.Count];
        var counts = new double[sorted.Count];
        var previous = 0.0;
        for (var i = 0; i < sorted.Count; i++)
        {
            bounds[i] = sorted[i].UpperBound;
            counts[i] = Math.Max(0, sorted[i].CumulativeCount - previous);
            previous = Math.Max(previous, sorted[i].CumulativeCount);
        }

        return new HistogramCounts(bounds, counts);
    }
}

/// <summary>
/// What one side (canary or baseline; after or before) showed for one metric in one interval. Which fields are set
/// depends on the metric's kind: <see cref="Value"/> for continuous, <see cref="Events"/> and <see cref="Requests"/>
/// for count ratios, <see cref="Histogram"/> for latency histograms. All null/zero means no data.
/// </summary>
public sealed record SideObservation(
    double? Value = null,
    double Events = 0,
    double Requests = 0,
    HistogramCounts? Histogram = null)
{
    /// <summary>No data on this side in this interval.</summary>
    public static SideObservation Empty { get; } = new();
}

/// <summary>
/// One interval of one metric: both sides' data, and the query error if the data could not be fetched (the metric is
/// then Nodata for that interval, with the error shown; the run goes on).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>EndMs</c>: The interval's end, Unix milliseconds (the evaluation time of its queries).</item>
/// </list>
/// </remarks>
public sealed record IntervalObservation(long EndMs, SideObservation Canary, SideObservation Baseline, string? Error = null);

/// <summary>
/// The before/after guard's history for one metric: the same pair of windows shifted one day and one week earlier.
/// A list is null when that history is missing (the guard is then skipped, and the reason says so).
/// </summary>
public sealed record SeasonalHistory(
    IReadOnlyList<IntervalObservation>? OneDayEarlier,
    IReadOnlyList<IntervalObservation>? OneWeekEarlier);

/// <summary>Everything the judge sees for one metric at one look: the intervals so far, oldest first.</summary>
public sealed record MetricHistory(PlanMetric Metric, IReadOnlyList<IntervalObservation> Intervals, SeasonalHistory? Seasonal = null);
