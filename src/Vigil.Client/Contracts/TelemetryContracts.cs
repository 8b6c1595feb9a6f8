namespace Vigil.Client.Contracts;

/// <summary>One series: its labels.</summary>
public sealed record SeriesDto(IReadOnlyDictionary<string, string> Labels);

/// <summary>Answer of <c>GET /api/v1/telemetry/series</c>.</summary>
public sealed record SeriesListResponse(IReadOnlyList<SeriesDto> Series);

/// <summary>One sample: Unix milliseconds and value (NaN and infinities are written as JSON strings).</summary>
public sealed record SampleDto(long TimestampMs, double Value);

/// <summary>The samples of one series.</summary>
public sealed record SeriesSamplesDto(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<SampleDto> Samples);

/// <summary>Answer of <c>GET /api/v1/telemetry/samples</c>.</summary>
public sealed record SamplesResponse(IReadOnlyList<SeriesSamplesDto> Series);

/// <summary>A log record as the API returns it. Times are RFC 3339 and Unix nanoseconds.</summary>
public sealed record LogRecordDto(
    DateTimeOffset Time,
    long TimeUnixNano,
    int SeverityNumber,
    string SeverityText,
    string Body,
    IReadOnlyDictionary<string, string> Attributes,
    string TraceId,
    string SpanId,
    IReadOnlyDictionary<string, string> Resource,
    string ScopeName);

/// <summary>Answer of <c>GET /api/v1/telemetry/logs</c>: newest first, with the token of the next page.</summary>
public sealed record LogsResponse(IReadOnlyList<LogRecordDto> Records, string? NextPageToken);

/// <summary>An event inside a span.</summary>
public sealed record SpanEventDto(long TimeUnixNano, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A link from a span to another span.</summary>
public sealed record SpanLinkDto(string TraceId, string SpanId, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A span as the API returns it.</summary>
public sealed record SpanDto(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    string Kind,
    long StartTimeUnixNano,
    long EndTimeUnixNano,
    double DurationSeconds,
    string StatusCode,
    string StatusMessage,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanEventDto> Events,
    IReadOnlyList<SpanLinkDto> Links,
    IReadOnlyDictionary<string, string> Resource,
    string ScopeName);

/// <summary>Answer of <c>GET /api/v1/telemetry/traces/{id}</c>.</summary>
public sealed record TraceResponse(string TraceId, IReadOnlyList<SpanDto> Spans);

/// <summary>One trace in a list.</summary>
public sealed record TraceSummaryDto(
    string TraceId,
    string RootService,
    string RootName,
    long StartTimeUnixNano,
    double DurationSeconds,
    int SpanCount,
    bool HasError);

/// <summary>Answer of <c>GET /api/v1/telemetry/traces</c>.</summary>
public sealed record TracesResponse(IReadOnlyList<TraceSummaryDto> Traces);
