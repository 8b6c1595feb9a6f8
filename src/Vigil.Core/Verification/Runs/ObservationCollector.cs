using System.Globalization;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;

namespace Vigil.Core.Verification.Runs;

/// <summary>
/// Runs a plan metric's queries for one interval on both sides through an <see cref="IMetricsSource"/> and shapes the
/// answers by the metric's kind. A query that fails (the source refuses it, it does not parse, it answers several
/// series where one is needed) never throws: the observation carries the error, and the judge makes the metric Nodata
/// for that interval with the error shown.
/// </summary>
public sealed class ObservationCollector(IMetricsSource source)
{
    /// <summary>
    /// Collects one interval. The canary side is evaluated at <paramref name="canaryEndMs"/> with
    /// <paramref name="canary"/>'s values, the baseline side at <paramref name="baselineEndMs"/> with
    /// <paramref name="baseline"/>'s (the same instant in canary mode; the mirrored window before the release in
    /// before/after mode). The observation's end is the canary side's.
    /// </summary>
    public async Task<IntervalObservation> CollectAsync(
        PlanMetric metric,
        TemplateValues canary,
        long canaryEndMs,
        TemplateValues baseline,
        long baselineEndMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var (canarySide, canaryError) = await CollectSideAsync(metric, canary, canaryEndMs, cancellationToken);
        var (baselineSide, baselineError) = await CollectSideAsync(metric, baseline, baselineEndMs, cancellationToken);
        var error = (canaryError, baselineError) switch
        {
            (null, null) => null,
            ({ } c, null) => "canary: " + c,
            (null, { } b) => "baseline: " + b,
            ({ } c, { } b) when c == b => c,
            ({ } c, { } b) => "canary: " + c + "; baseline: " + b,
        };
        return new IntervalObservation(canaryEndMs, canarySide, baselineSide, error);
    }

    /// <summary>True when a side holds any data (a value, requests, events or histogram counts).</summary>
    public static bool HasData(SideObservation side)
    {
        ArgumentNullException.ThrowIfNull(side);
        return side.Value is not null || side.Requests > 0 || side.Events > 0 || side.Histogram is { Total: > 0 };
    }

    private async Task<(SideObservation Side, string? Error)> CollectSideAsync(PlanMetric metric, TemplateValues values, long endMs, CancellationToken cancellationToken)
    {
        try
        {
            switch (metric.Kind)
            {
                case MetricKind.Continuous:
                {
                    var value = await ScalarAsync(metric.Query, values, endMs, cancellationToken);
                    return (new SideObservation(Value: value), null);
                }

                case MetricKind.CountRatio:
                {
                    if (string.IsNullOrWhiteSpace(metric.TotalQuery))
                    {
                        return (SideObservation.Empty, $"metric {metric.Name}: a count-ratio metric needs a total (request count) query");
                    }

                    // An empty answer is zero here: sum(increase(errors[..])) has no series when there were no errors.
                    var events = await ScalarAsync(metric.Query, values, endMs, cancellationToken) ?? 0;
                    var requests = await ScalarAsync(metric.TotalQuery, values, endMs, cancellationToken) ?? 0;
                    return (new SideObservation(Events: Math.Max(0, events), Requests: Math.Max(0, requests)), null);
                }

                case MetricKind.LatencyHistogram:
                {
                    var histogram = await HistogramAsync(metric.Query, values, endMs, cancellationToken);
                    return (new SideObservation(Histogram: histogram), null);
                }

                default:
                    return (SideObservation.Empty, $"metric {metric.Name}: unknown kind {metric.Kind}");
            }
        }
        catch (Exception e) when (e is MetricsSourceException or PromQlParseException or PromQlEvaluationException or ObservationException)
        {
            return (SideObservation.Empty, e.Message);
        }
    }

    /// <summary>A scalar or a one-element vector's value; null for an empty vector or a value that is not a number.</summary>
    private async Task<double?> ScalarAsync(string template, TemplateValues values, long endMs, CancellationToken cancellationToken)
    {
        var query = QueryTemplate.Fill(template, values);
        var result = await source.InstantQueryAsync(query, endMs, cancellationToken);
        double value;
        switch (result)
        {
            case ScalarResult scalar:
                value = scalar.Value;
                break;
            case VectorResult { Elements.Count: 0 }:
                return null;
            case VectorResult { Elements.Count: 1 } vector:
                value = vector.Elements[0].Value;
                break;
            case VectorResult vector:
                throw new ObservationException(string.Create(CultureInfo.InvariantCulture,
                    $"the query answered {vector.Elements.Count} series where one number is needed (aggregate it, e.g. with sum): {query}"));
            default:
                throw new ObservationException($"the query answered a {KindName(result)} where one number is needed: {query}");
        }

        return double.IsFinite(value) ? value : null;
    }

    private async Task<HistogramCounts?> HistogramAsync(string template, TemplateValues values, long endMs, CancellationToken cancellationToken)
    {
        var query = QueryTemplate.Fill(template, values);
        var result = await source.InstantQueryAsync(query, endMs, cancellationToken);
        if (result is not VectorResult vector)
        {
            throw new ObservationException($"the query answered a {KindName(result)} where bucket series by le are needed: {query}");
        }

        if (vector.Elements.Count == 0)
        {
            return null;
        }

        var buckets = new Dictionary<double, double>();
        foreach (var element in vector.Elements)
        {
            var le = element.Labels.Get("le");
            if (le is null || !TryParseBound(le, out var bound))
            {
                throw new ObservationException(le is null
                    ? $"a series has no le label; a latency-histogram query must answer one series per bucket (sum by (le) (...)): {query}"
                    : $"le=\"{le}\" is not a bucket bound: {query}");
            }

            if (!buckets.TryAdd(bound, element.Value))
            {
                throw new ObservationException($"several series have le=\"{le}\"; aggregate them with sum by (le) (...): {query}");
            }
        }

        var histogram = HistogramCounts.FromCumulative(buckets.Select(b => (b.Key, double.IsFinite(b.Value) ? b.Value : 0)));
        return histogram.Total > 0 ? histogram : null;
    }

    private static bool TryParseBound(string text, out double bound)
    {
        switch (text)
        {
            case "+Inf" or "Inf" or "+inf" or "inf":
                bound = double.PositiveInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out bound) && !double.IsNaN(bound);
        }
    }

    private static string KindName(PromQlResult result) => result switch
    {
        MatrixResult => "range vector",
        StringResult => "string",
        _ => result.GetType().Name,
    };

    private sealed class ObservationException(string message) : Exception(message);
}
