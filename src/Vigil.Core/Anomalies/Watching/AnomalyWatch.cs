using System.Text.RegularExpressions;

namespace Vigil.Core.Anomalies.Watching;

/// <summary>
/// A watched series: a PromQL expression evaluated as an instant query every evaluation interval; every output series
/// gets its own detector. docs/anomalies.md is the reference.
/// </summary>
/// <param name="Name">The watch's name (label <c>watch</c> on <c>vigil_anomaly_score</c>).</param>
/// <param name="Query">The PromQL expression (an instant vector or a scalar).</param>
/// <param name="Labels">Extra labels put on the watch's score series and events (a series label of the same name wins).</param>
/// <param name="Description">What the expression measures, for explanations (such as <c>request rate</c>); null uses the name.</param>
/// <param name="Unit">A unit suffix for values in explanations (such as <c>/s</c>), or empty.</param>
public sealed partial record AnomalyWatch(string Name, string Query, IReadOnlyDictionary<string, string> Labels, string? Description = null, string Unit = "")
{
    /// <summary>The default watch of every service's request rate (calls per second).</summary>
    public const string RequestRateName = "request-rate";

    /// <summary>The default watch of every service's error ratio (errored calls over calls).</summary>
    public const string ErrorRatioName = "error-ratio";

    /// <summary>The default watch of every service's p95 latency in seconds.</summary>
    public const string P95LatencyName = "p95-latency";

    /// <summary>The default watches: request rate, error ratio and p95 latency of every service and environment, from the span metrics.</summary>
    public static IReadOnlyList<AnomalyWatch> Defaults { get; } =
    [
        new(RequestRateName,
            "sum by (service_name, deployment_environment_name) (rate(traces_span_metrics_calls_total[5m]))",
            new Dictionary<string, string>(), "request rate", "/s"),
        new(ErrorRatioName,
            "sum by (service_name, deployment_environment_name) (rate(traces_span_metrics_calls_total{status_code=\"STATUS_CODE_ERROR\"}[5m]))"
            + " / sum by (service_name, deployment_environment_name) (rate(traces_span_metrics_calls_total[5m]))",
            new Dictionary<string, string>(), "error ratio"),
        new(P95LatencyName,
            "histogram_quantile(0.95, sum by (service_name, deployment_environment_name, le) (rate(traces_span_metrics_duration_seconds_bucket[5m])))",
            new Dictionary<string, string>(), "p95 latency", "s"),
    ];

    /// <summary>True for a valid watch name: 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>True for a valid label name (Prometheus's rule, not starting with <c>__</c>).</summary>
    public static bool IsValidLabelName(string name) => LabelPattern().IsMatch(name) && !name.StartsWith("__", StringComparison.Ordinal);

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]{0,99}$")]
    private static partial Regex LabelPattern();
}
