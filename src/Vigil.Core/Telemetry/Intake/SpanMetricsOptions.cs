namespace Vigil.Core.Telemetry.Intake;

/// <summary>Knobs of the span-to-RED aggregation done at intake (<see cref="SpanMetricsAggregator"/>).</summary>
public sealed class SpanMetricsOptions
{
    /// <summary>
    /// How often the current span metrics are written to the store. Default 15 seconds, as the OpenTelemetry
    /// collector's spanmetrics connector: fine enough for a 1-minute <c>rate()</c>.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The most label sets (service, version, environment, span name, kind, status) tracked at once. Default 1,000.
    /// Each label set writes 245 series (a counter, 242 buckets, _sum, _count) and keeps their label sets, about 50 KB;
    /// spans of a new label set beyond the limit are counted in one overflow label set, <c>otel_metric_overflow="true"</c>,
    /// as the collector does.
    /// </summary>
    public int MaxSeries { get; set; } = 1_000;

    /// <summary>
    /// A label set with no span for this long is dropped (and starts from zero if it comes back, which queries read as
    /// a counter reset). Default 15 minutes: old releases' series stop being written soon after they stop serving.
    /// </summary>
    public TimeSpan IdleExpiry { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (FlushInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"spanMetrics: FlushInterval must be at least 1 second (got {FlushInterval})");
        }

        if (MaxSeries <= 0)
        {
            errors.Add($"spanMetrics: MaxSeries must be positive (got {MaxSeries})");
        }

        if (IdleExpiry <= FlushInterval)
        {
            errors.Add($"spanMetrics: IdleExpiry ({IdleExpiry}) must be longer than FlushInterval ({FlushInterval})");
        }

        return errors;
    }
}
