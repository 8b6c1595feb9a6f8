namespace Vigil.Core.Telemetry;

/// <summary>Span kind, with OTLP's numbering.</summary>
public enum SpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>Span status code, with OTLP's numbering.</summary>
public enum SpanStatusCode
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>An event inside a span.</summary>
public sealed record SpanEvent(long TimeUnixNano, string Name, IReadOnlyList<TelemetryAttribute> Attributes);

/// <summary>A link from a span to another span.</summary>
public sealed record SpanLink(string TraceId, string SpanId, IReadOnlyList<TelemetryAttribute> Attributes);

/// <summary>
/// One span, in Vigil's model. Times are Unix nanoseconds; ids are lowercase hex; <see cref="ParentSpanId"/> is
/// empty for a root span.
/// </summary>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    SpanKind Kind,
    long StartTimeUnixNano,
    long EndTimeUnixNano,
    SpanStatusCode StatusCode,
    string StatusMessage,
    IReadOnlyList<TelemetryAttribute> Attributes,
    IReadOnlyList<SpanEvent> Events,
    IReadOnlyList<SpanLink> Links,
    TelemetryResource Resource,
    string ScopeName)
{
    /// <summary>The span's duration in seconds (zero when the end precedes the start).</summary>
    public double DurationSeconds => Math.Max(0, EndTimeUnixNano - StartTimeUnixNano) / 1e9;
}
