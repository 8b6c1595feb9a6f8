namespace Vigil.Core.Telemetry;

/// <summary>Writes telemetry durably: the returned task completes only after the batch is on disk (fsynced).</summary>
public interface ITelemetryWriter
{
    /// <summary>
    /// Appends a batch. Completes once the batch is durable. Throws <see cref="StoreOverloadedException"/> when the
    /// write queue is full; returns the samples it refused (series limit) otherwise.
    /// </summary>
    ValueTask<AppendResult> AppendAsync(TelemetryBatch batch, CancellationToken cancellationToken);
}

/// <summary>
/// The series source the raw query API and the PromQL engine read: series by matchers and their samples in a window.
/// Times are Unix milliseconds, both ends inclusive.
/// </summary>
public interface ISeriesSource
{
    /// <summary>The label sets of series that match every matcher and have at least one sample in [start, end].</summary>
    IReadOnlyList<LabelSet> SelectSeries(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit);

    /// <summary>The samples in [start, end] of every series that matches all matchers, at most <paramref name="limit"/> series.</summary>
    IReadOnlyList<SeriesSamples> SelectSamples(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit);
}

/// <summary>
/// A filter over stored log records. Null members do not filter. Times are Unix nanoseconds, inclusive.
/// <see cref="TemplateIds"/> keeps records whose <see cref="LogAttributes.TemplateId"/> attribute is one of the values
/// (a template's id and its aliases).
/// </summary>
public sealed record LogQuery(
    string? Service = null,
    string? Environment = null,
    string? Version = null,
    int? MinSeverityNumber = null,
    long? StartUnixNano = null,
    long? EndUnixNano = null,
    string? Contains = null,
    string? TraceId = null,
    int Limit = 100,
    string? PageToken = null,
    IReadOnlySet<string>? TemplateIds = null);

/// <summary>Attributes Vigil adds to log records at intake.</summary>
public static class LogAttributes
{
    /// <summary>The template id the log template miner gave the record's body (per service, decimal).</summary>
    public const string TemplateId = "vigil.log.template_id";
}

/// <summary>One page of log records, newest first, with the token of the next page (null at the end).</summary>
public sealed record LogPage(IReadOnlyList<LogRecord> Records, string? NextPageToken);

/// <summary>Reads stored log records.</summary>
public interface ILogSource
{
    /// <summary>Records matching the query, newest first, paged.</summary>
    LogPage QueryLogs(LogQuery query);
}

/// <summary>A filter over stored traces. Null members do not filter. Times are Unix nanoseconds, inclusive.</summary>
public sealed record TraceQuery(
    string? Service = null,
    string? Operation = null,
    SpanStatusCode? Status = null,
    double? MinDurationSeconds = null,
    long? StartUnixNano = null,
    long? EndUnixNano = null,
    int Limit = 100);

/// <summary>
/// A summary of one trace: its root (or earliest) span's service and name, its time span, how many spans it has,
/// and whether any span has status Error.
/// </summary>
public sealed record TraceSummary(
    string TraceId,
    string RootService,
    string RootName,
    long StartTimeUnixNano,
    long EndTimeUnixNano,
    int SpanCount,
    bool HasError)
{
    /// <summary>Duration in seconds.</summary>
    public double DurationSeconds => Math.Max(0, EndTimeUnixNano - StartTimeUnixNano) / 1e9;
}

/// <summary>Reads stored spans.</summary>
public interface ITraceSource
{
    /// <summary>Every stored span of a trace (hex id), ordered by start time; empty when unknown.</summary>
    IReadOnlyList<SpanRecord> GetTrace(string traceId);

    /// <summary>
    /// Traces with at least one span that matches the service, operation and status filters, whose duration is at least
    /// the minimum, starting in the range; newest first.
    /// </summary>
    IReadOnlyList<TraceSummary> QueryTraces(TraceQuery query);
}

/// <summary>Size and shape of the telemetry store, for Vigil's own /metrics.</summary>
public sealed record TelemetryStoreStats(
    long ActiveSeries,
    long HeadSamples,
    long HeadLogs,
    long HeadSpans,
    long Blocks,
    long DiskBytes,
    long WalBytes);

/// <summary>The embedded telemetry store, as the host sees it.</summary>
public interface ITelemetryStore : ITelemetryWriter, ISeriesSource, ILogSource, ITraceSource, IAsyncDisposable
{
    /// <summary>Current statistics.</summary>
    TelemetryStoreStats GetStats();

    /// <summary>Flushes pending writes and compacts the head as needed; called on shutdown and by the maintenance loop.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
