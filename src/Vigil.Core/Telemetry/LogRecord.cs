namespace Vigil.Core.Telemetry;

/// <summary>
/// One log record, in Vigil's model. Times are Unix nanoseconds; trace and span ids are lowercase hex (empty when
/// absent). When the source gave no timestamp, <see cref="TimeUnixNano"/> holds the observed time.
/// </summary>
public sealed record LogRecord(
    long TimeUnixNano,
    long ObservedTimeUnixNano,
    int SeverityNumber,
    string SeverityText,
    string Body,
    IReadOnlyList<TelemetryAttribute> Attributes,
    string TraceId,
    string SpanId,
    TelemetryResource Resource,
    string ScopeName);
