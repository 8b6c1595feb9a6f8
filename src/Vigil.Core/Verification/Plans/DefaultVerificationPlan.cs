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
                Query: $"sum(increase(traces_span_metrics_calls_total{{{Selector},status_code=\"STATUS_CODE_ERROR\"}}[{{{{interval}}}}]))",
                TotalQuery: $"sum(increase(traces_span_metrics_calls_total{{{Selector}}}[{{{{interval}}}}]))",
                Critical: true,
                AllowedEffect: 0.2,
                Group: "errors"),
            LatencyMetric("p50-latency", 0.50, critical: false),
            LatencyMetric("p95-latency", 0.95, critical: true),
            LatencyMetric("p99-latency", 0.99, critical: false),
            new PlanMetric(
                "throughput-per-instance",
                MetricKind.Continuous,
                MetricDirection.Decrease,
                Query: $"sum(rate(traces_span_metrics_calls_total{{{Selector}}}[{{{{interval}}}}])) / count(count by (service_instance_id) (traces_span_metrics_calls_total{{{Selector}}}))",
                AllowedEffect: 0.2,
                Group: "traffic",
                Weight: 0),
        ]);

    private static PlanMetric LatencyMetric(string name, double quantile, bool critical) => new(
        name,
        MetricKind.LatencyHistogram,
        MetricDirection.Increase,
        Query: $"sum by (le) (increase(traces_span_metrics_duration_seconds_bucket{{{Selector}}}[{{{{interval}}}}]))",
        Quantile: quantile,
        Critical: critical,
        AllowedEffect: 0.1,
        Group: "latency");
}
