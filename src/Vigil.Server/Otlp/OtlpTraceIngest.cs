using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using ProtoSpan = Vigil.Server.Otlp.Protos.Trace.Span;

namespace Vigil.Server.Otlp;

/// <summary>
/// OTLP trace intake, transport-neutral: validates an export request, turns its spans into <see cref="SpanRecord"/>,
/// appends them durably, then feeds the accepted spans to the span metrics (after the append, so that a client's retry
/// of a refused request is not counted twice). Spans without a valid trace id, span id or start time, or outside the
/// time window, are rejected as partial success.
/// </summary>
internal sealed class OtlpTraceIngest(ITelemetryWriter writer, SpanMetricsAggregator spanMetrics, IntakeOptions options, TimeProvider time, VigilMetrics metrics, Releases.ReleaseDetector? releases = null)
{
    /// <summary>Ingests one export request received over <paramref name="transport"/>.</summary>
    public async ValueTask<IngestOutcome> IngestAsync(ExportTraceServiceRequest request, string transport, CancellationToken cancellationToken)
    {
        var rejections = new Rejections();
        var spans = Convert(request, rejections);
        var outcome = await IngestAppend.AppendAsync(writer, metrics, OtlpConstants.Traces, transport, TelemetryBatch.OfSpans(spans), spans.Count, rejections, cancellationToken).ConfigureAwait(false);

        // Counted only once the spans are durable, so a retried request is not counted twice.
        if (outcome.Status == IngestStatus.Accepted)
        {
            ObserveSpanMetrics(spans);
        }

        return outcome;
    }

    /// <summary>Converts and validates a request without storing it.</summary>
    internal List<SpanRecord> Convert(ExportTraceServiceRequest request, Rejections rejections)
    {
        var window = TimeWindow.Of(time, options);
        var spans = new List<SpanRecord>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = new TelemetryResource(OtlpValues.ToAttributes(resourceSpans.Resource?.Attributes ?? []));
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scopeName = scopeSpans.Scope?.Name ?? string.Empty;
                foreach (var span in scopeSpans.Spans)
                {
                    if (Validate(span, window, rejections))
                    {
                        spans.Add(ToRecord(span, resource, scopeName));
                    }
                }
            }
        }

        return spans;
    }

    private void ObserveSpanMetrics(List<SpanRecord> spans)
    {
        // Resource fields are looked up once per resource, not per span.
        TelemetryResource? last = null;
        string service = string.Empty, version = string.Empty, environment = string.Empty;
        foreach (var span in spans)
        {
            if (!ReferenceEquals(span.Resource, last))
            {
                last = span.Resource;
                service = last.ServiceName;
                version = last.ServiceVersion;
                environment = last.Environment;
                releases?.Observe(service, version, environment);
            }

            spanMetrics.Observe(service, version, environment, span.Name, span.Kind, span.StatusCode, span.DurationSeconds);
        }
    }

    private static bool Validate(ProtoSpan span, TimeWindow window, Rejections rejections)
    {
        if (span.TraceId.Length != 16 || OtlpValues.IsAbsent(span.TraceId))
        {
            rejections.Add(OtlpConstants.Reasons.InvalidTraceId, rejections.WantsMessage ? $"span \"{span.Name}\": trace id must be 16 bytes, not all zero (got {span.TraceId.Length} bytes)" : string.Empty);
            return false;
        }

        if (span.SpanId.Length != 8 || OtlpValues.IsAbsent(span.SpanId))
        {
            rejections.Add(OtlpConstants.Reasons.InvalidSpanId, rejections.WantsMessage ? $"span \"{span.Name}\": span id must be 8 bytes, not all zero (got {span.SpanId.Length} bytes)" : string.Empty);
            return false;
        }

        if (span.ParentSpanId.Length is not (0 or 8))
        {
            rejections.Add(OtlpConstants.Reasons.InvalidSpanId, rejections.WantsMessage ? $"span \"{span.Name}\": parent span id must be empty or 8 bytes (got {span.ParentSpanId.Length} bytes)" : string.Empty);
            return false;
        }

        if (span.StartTimeUnixNano == 0)
        {
            rejections.Add(OtlpConstants.Reasons.MissingTimestamp, rejections.WantsMessage ? $"span \"{span.Name}\": start time is missing" : string.Empty);
            return false;
        }

        return window.Check(TimeWindow.ToNanos(span.StartTimeUnixNano), rejections, "span");
    }

    private static SpanRecord ToRecord(ProtoSpan span, TelemetryResource resource, string scopeName)
    {
        var events = span.Events.Count == 0 ? [] : new SpanEvent[span.Events.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var e = span.Events[i];
            events[i] = new SpanEvent(TimeWindow.ToNanos(e.TimeUnixNano), e.Name, OtlpValues.ToAttributes(e.Attributes));
        }

        var links = span.Links.Count == 0 ? [] : new SpanLink[span.Links.Count];
        for (var i = 0; i < links.Length; i++)
        {
            var link = span.Links[i];
            links[i] = new SpanLink(OtlpValues.Hex(link.TraceId), OtlpValues.Hex(link.SpanId), OtlpValues.ToAttributes(link.Attributes));
        }

        var kind = (int)span.Kind is >= 0 and <= 5 ? (SpanKind)(int)span.Kind : SpanKind.Unspecified;
        var status = (int)(span.Status?.Code ?? 0) is >= 0 and <= 2 ? (SpanStatusCode)(int)(span.Status?.Code ?? 0) : SpanStatusCode.Unset;
        var start = TimeWindow.ToNanos(span.StartTimeUnixNano);
        return new SpanRecord(
            OtlpValues.Hex(span.TraceId),
            OtlpValues.Hex(span.SpanId),
            OtlpValues.Hex(span.ParentSpanId),
            span.Name,
            kind,
            start,
            span.EndTimeUnixNano == 0 ? start : TimeWindow.ToNanos(span.EndTimeUnixNano),
            status,
            span.Status?.Message ?? string.Empty,
            OtlpValues.ToAttributes(span.Attributes),
            events,
            links,
            resource,
            scopeName);
    }
}
