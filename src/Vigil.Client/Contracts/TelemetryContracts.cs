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

/// <summary>
/// One log template of a service: its id (the value of the <c>vigil.log.template_id</c> record attribute), its text
/// (variable parts as <c>&lt;*&gt;</c>), the records it matched since the miner's state began, and the ids of templates
/// merged into it.
/// </summary>
public sealed record LogPatternDto(long Id, string Template, long Count, IReadOnlyList<long> Aliases);

/// <summary>Answer of <c>GET /api/v1/telemetry/log-patterns</c>: the templates of one service, most frequent first.</summary>
public sealed record LogPatternsResponse(string Service, IReadOnlyList<LogPatternDto> Patterns);

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

/// <summary>
/// One template's share of the records a logs search matched: its id (null for records without one), text, count, the
/// most severe severity among them and the newest record.
/// </summary>
public sealed record LogTemplateGroupDto(long? TemplateId, string Template, long Count, string Severity, LogRecordDto Example);

/// <summary>
/// Answer of <c>GET /api/v1/telemetry/logs/templates</c>: the matching records grouped by template, most frequent first.
/// <see cref="Truncated"/> says the server stopped after reading <see cref="Scanned"/> records (newest first).
/// </summary>
public sealed record LogTemplateGroupsResponse(string Service, long Scanned, bool Truncated, IReadOnlyList<LogTemplateGroupDto> Groups);
