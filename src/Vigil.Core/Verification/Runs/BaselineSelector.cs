using System.Globalization;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Time;

namespace Vigil.Core.Verification.Runs;

/// <summary>The baseline a canary run compares with, or why there is none.</summary>
/// <param name="Version">The baseline version; null when none was found.</param>
/// <param name="Reason">How it was chosen (<c>named by the plan</c>, <c>most traffic: 4,812 requests in 3m</c>) or why none was.</param>
public sealed record BaselineChoice(string? Version, string Reason);

/// <summary>
/// Chooses the baseline of a canary run: the version the plan names, else the one the caller asked for, else the
/// other <c>service_version</c> of the same service and environment with the most requests over the lookback window
/// (from the span metrics Vigil derives at intake), never the canary itself.
/// </summary>
public static class BaselineSelector
{
    /// <summary>The reason when no other version has traffic; the run's looks are Inconclusive with it.</summary>
    public const string NoBaselineReason = "no baseline version with traffic";

    /// <summary>How far back traffic is counted: three intervals, at least one minute (a few span-metric flushes).</summary>
    public static TimeSpan Lookback(TimeSpan interval) => TimeSpan.FromTicks(Math.Max(interval.Ticks * 3, TimeSpan.FromMinutes(1).Ticks));

    /// <summary>The traffic query: requests per version of the service in the environment over <paramref name="window"/>.</summary>
    public static string TrafficQuery(string service, string environment, TimeSpan window) =>
        "sum by (service_version) (increase(traces_span_metrics_calls_total{service_name=\"" + QueryTemplate.EscapeLabelValue(service) +
        "\",deployment_environment_name=\"" + QueryTemplate.EscapeLabelValue(environment) + "\"}[" + DurationParser.Format(window) + "]))";

    /// <summary>
    /// Chooses the baseline. <paramref name="planBaseline"/> wins over <paramref name="requestedBaseline"/>; without
    /// either, the traffic query runs at <paramref name="atMs"/>. A failing query gives no baseline, with its error as the reason.
    /// </summary>
    public static async Task<BaselineChoice> ChooseAsync(
        IMetricsSource source,
        string service,
        string environment,
        string canaryVersion,
        string? planBaseline,
        string? requestedBaseline,
        TimeSpan interval,
        long atMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!string.IsNullOrEmpty(planBaseline))
        {
            return new BaselineChoice(planBaseline, "named by the plan");
        }

        if (!string.IsNullOrEmpty(requestedBaseline))
        {
            return new BaselineChoice(requestedBaseline, "named by the request");
        }

        var window = Lookback(interval);
        PromQlResult result;
        try
        {
            result = await source.InstantQueryAsync(TrafficQuery(service, environment, window), atMs, cancellationToken);
        }
        catch (Exception e) when (e is MetricsSourceException or PromQlParseException or PromQlEvaluationException)
        {
            return new BaselineChoice(null, $"{NoBaselineReason} (the traffic query failed: {e.Message})");
        }

        var best = result is VectorResult vector
            ? vector.Elements
                .Select(e => (Version: e.Labels.Get("service_version"), e.Value))
                .Where(e => !string.IsNullOrEmpty(e.Version) && e.Version != canaryVersion && e.Value > 0 && double.IsFinite(e.Value))
                .OrderByDescending(e => e.Value).ThenBy(e => e.Version, StringComparer.Ordinal)
                .FirstOrDefault()
            : default;
        return best.Version is null
            ? new BaselineChoice(null, $"{NoBaselineReason} (no other version of {service} in {environment} served requests in the last {DurationParser.Format(window)})")
            : new BaselineChoice(best.Version, string.Create(CultureInfo.InvariantCulture, $"most traffic: {best.Value:N0} requests in the last {DurationParser.Format(window)}"));
    }
}
