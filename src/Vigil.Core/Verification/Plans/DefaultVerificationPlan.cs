namespace Vigil.Core.Verification.Plans;

/// <summary>
/// The built-in plan, used for any service no applied plan names. It needs nothing but OpenTelemetry traces: it reads
/// the span metrics Vigil derives at intake (<c>traces_span_metrics_*</c>) for the service's server and consumer spans.
/// <list type="bullet">
/// <item>error ratio (errors / requests), critical, judged on the counts;</item>
/// <item>p50, p95 and p99 latency from the span-metric histogram, judged on the bucket counts (p95 critical);</item>
/// <item>throughput per instance, informational (weight 0): a canary gets only a share of the traffic.</item>
/// </list>
/// </summary>
public static class DefaultVerificationPlan
{
    /// <summary>The default plan's name; a plan applied under this name replaces it.</summary>
    public const string Name = "default";

    private const string Selector =
        "service_name=\"{{service}}\",service_version=\"{{version}}\",deployment_environment_name=\"{{environment}}\",span_kind=~\"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER\"";

    // Span metrics do not carry the instance; target_info (sent with OTLP metrics) does. Without it, one instance.
    private const string InstanceSelector =
        "service_name=\"{{service}}\",service_version=\"{{version}}\",deployment_environment_name=\"{{environment}}\"";

    private const string Buckets = "traces_span_metrics_duration_seconds_bucket{" + Selector + "}";

    /// <summary>The plan.</summary>
    public static VerificationPlan Plan { get; } = new(
        Name,
        Services: [],
        Mode: ComparisonMode.Canary,
        Interval: TimeSpan.FromMinutes(1),
        Duration: TimeSpan.FromMinutes(15),
        Metrics:
        [
            new PlanMetric(
                "error-ratio",
                MetricKind.CountRatio,
                MetricDirection.Increase,
                Query: IntervalCount($"traces_span_metrics_calls_total{{{Selector},status_code=\"STATUS_CODE_ERROR\"}}"),
                TotalQuery: IntervalCount($"traces_span_metrics_calls_total{{{Selector}}}"),
                Critical: true,
                AllowedEffect: 0.1,
                Group: "errors"),
            LatencyMetric("p50-latency", 0.50, critical: false),
            LatencyMetric("p95-latency", 0.95, critical: true),
            LatencyMetric("p99-latency", 0.99, critical: false),
            new PlanMetric(
                "throughput-per-instance",
                MetricKind.Continuous,
                MetricDirection.Decrease,
                Query: $"sum(rate(traces_span_metrics_calls_total{{{Selector}}}[{{{{interval}}}}])) / (count(count by (service_instance_id) (target_info{{{InstanceSelector}}})) or vector(1))",
                AllowedEffect: 0.2,
                Group: "traffic",
                Weight: 0),
        ]);

    /// <summary>
    /// The exact count a cumulative counter added within the interval: the sum now minus the sum one interval ago (a
    /// series that did not exist then counts from zero, as Vigil writes a zero when it creates one). Unlike
    /// <c>increase()</c>, nothing is extrapolated and consecutive intervals tile without a gap, so the judge's exact count
    /// tests see real counts.
    /// </summary>
    private static string IntervalCount(string counter) =>
        $"clamp_min((sum({counter}) or vector(0)) - (sum({counter} offset {{{{interval}}}}) or vector(0)), 0)";

    private static PlanMetric LatencyMetric(string name, double quantile, bool critical) => new(
        name,
        MetricKind.LatencyHistogram,
        MetricDirection.Increase,
        Query: $"clamp_min(sum by (le) ({Buckets}) - (sum by (le) ({Buckets} offset {{{{interval}}}}) or 0 * sum by (le) ({Buckets})), 0)",
        Quantile: quantile,
        Critical: critical,
        AllowedEffect: 0.1,
        Group: "latency");
}
