namespace Vigil.Core.Verification;

/// <summary>Which direction of change is bad for a metric.</summary>
public enum MetricDirection
{
    /// <summary>Higher on the new version is bad (errors, latency).</summary>
    Increase,

    /// <summary>Lower on the new version is bad (throughput, success ratio).</summary>
    Decrease,

    /// <summary>A change either way is bad.</summary>
    Either,
}

/// <summary>How a metric's data is shaped, which decides the statistics used to judge it.</summary>
public enum MetricKind
{
    /// <summary>One value per interval per side (a gauge, a rate, a quantile); rank tests over intervals.</summary>
    Continuous,

    /// <summary>Per-bucket request counts of a latency histogram; a quantile compared over requests.</summary>
    LatencyHistogram,

    /// <summary>Event counts over request counts (errors / requests); an exact test on the counts.</summary>
    CountRatio,
}

/// <summary>How the new version is compared.</summary>
public enum ComparisonMode
{
    /// <summary>Canary and baseline run side by side, told apart by <c>service_version</c>.</summary>
    Canary,

    /// <summary>Whole-fleet rollout: the window after the release against the same-length window before it.</summary>
    BeforeAfter,
}

/// <summary>
/// One metric of a plan. Queries are PromQL templates; placeholders (<see cref="PlanPlaceholders"/>) are filled per side.
/// <list type="bullet">
/// <item><see cref="MetricKind.Continuous"/>: <see cref="Query"/> gives one number per side, evaluated at each interval's end.</item>
/// <item><see cref="MetricKind.CountRatio"/>: <see cref="Query"/> gives the event count within the interval (errors), and
/// <see cref="TotalQuery"/> the request count within it; both usually <c>sum(increase(...[{{interval}}]))</c>.</item>
/// <item><see cref="Limit"/> (continuous metrics only) turns the metric into an absolute rule on the canary's latest value
/// instead of a comparison: above the limit (direction increase) or below it (decrease) it fails, whatever the baseline
/// shows; for example "new error log templates must be 0". Such a rule takes no share of the false-Fail budget.</item>
/// <item><see cref="MetricKind.LatencyHistogram"/>: <see cref="Query"/> gives cumulative bucket counts within the interval,
/// one series per <c>le</c> (usually <c>sum by (le) (increase(..._bucket{...}[{{interval}}]))</c>); <see cref="Quantile"/>
/// is the quantile judged.</item>
/// </list>
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Name</c>: Unique within the plan, such as <c>error-ratio</c> or <c>p95-latency</c>.</item>
/// <item><c>AllowedEffect</c>: The change tolerated before the metric counts as High/Low: relative (0.1 = 10%) for positive quantities, additive for metrics that can be zero or negative (for count ratios, relative to the baseline ratio).</item>
/// <item><c>Weight</c>: Share of the score; 0 makes the metric informational.</item>
/// </list>
/// </remarks>
public sealed record PlanMetric(
    string Name,
    MetricKind Kind,
    MetricDirection Direction,
    string Query,
    string? TotalQuery = null,
    double? Quantile = null,
    bool Critical = false,
    double AllowedEffect = 0.1,
    string Group = "default",
    double Weight = 1.0,
    double? Limit = null);

/// <summary>
/// A verification plan (<c>kind: VerificationPlan</c>): what to judge and how long to watch. Applies to the releases
/// whose service matches <see cref="Services"/> (empty = any service); the most specific plan wins, then the default plan.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Interval</c>: How often the run is evaluated, and the length of one interval's data.</item>
/// <item><c>Duration</c>: How long the run watches at most; <c>Duration / Interval</c> is the number of planned looks.</item>
/// <item><c>MinimumIntervals</c>: Continuous metrics need at least this many intervals with data on each side.</item>
/// <item><c>MinimumRequests</c>: Count-ratio and histogram metrics need at least this many requests on each side.</item>
/// <item><c>PassThreshold</c>: Score (0..100) at or above which the verdict is Pass.</item>
/// <item><c>MarginalThreshold</c>: Score at or above which (and below pass) the verdict is Marginal; below it, Fail.</item>
/// <item><c>FalseFailRate</c>: The error budget of one verdict: the chance of a false Fail, over all metrics and looks.</item>
/// <item><c>BaselineVersion</c>: Canary mode: the baseline version; null = the other version with the most traffic.</item>
/// </list>
/// </remarks>
public sealed record VerificationPlan(
    string Name,
    IReadOnlyList<string> Services,
    ComparisonMode Mode,
    TimeSpan Interval,
    TimeSpan Duration,
    IReadOnlyList<PlanMetric> Metrics,
    int MinimumIntervals = 3,
    long MinimumRequests = 100,
    double PassThreshold = 95,
    double MarginalThreshold = 75,
    double FalseFailRate = 0.01,
    string? BaselineVersion = null)
{
    /// <summary>The number of looks the run makes at most (at least 1).</summary>
    public int PlannedLooks => Math.Max(1, (int)(Duration.Ticks / Math.Max(1, Interval.Ticks)));
}

/// <summary>The placeholders a plan's query templates may use; any other <c>{{...}}</c> is rejected at apply time.</summary>
public static class PlanPlaceholders
{
    /// <summary>The release's service.</summary>
    public const string Service = "service";

    /// <summary>The version of the side being queried: the canary (or after-window) version, or the baseline's.</summary>
    public const string Version = "version";

    /// <summary>The baseline version, on both sides.</summary>
    public const string BaselineVersion = "baseline_version";

    /// <summary>The release's environment.</summary>
    public const string Environment = "environment";

    /// <summary>The plan's interval as a PromQL duration (<c>30s</c>), for range selectors.</summary>
    public const string Interval = "interval";

    /// <summary>Every placeholder name.</summary>
    public static IReadOnlyList<string> All { get; } = [Service, Version, BaselineVersion, Environment, Interval];
}
