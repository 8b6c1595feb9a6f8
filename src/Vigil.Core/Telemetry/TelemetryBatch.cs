namespace Vigil.Core.Telemetry;

/// <summary>
/// What one intake request hands to the store after decoding and validation: samples, log records and spans.
/// Any of the three may be empty.
/// </summary>
public sealed record TelemetryBatch(
    IReadOnlyList<SeriesSample> Samples,
    IReadOnlyList<LogRecord> Logs,
    IReadOnlyList<SpanRecord> Spans)
{
    /// <summary>A batch of samples only.</summary>
    public static TelemetryBatch OfSamples(IReadOnlyList<SeriesSample> samples) => new(samples, [], []);

    /// <summary>A batch of log records only.</summary>
    public static TelemetryBatch OfLogs(IReadOnlyList<LogRecord> logs) => new([], logs, []);

    /// <summary>A batch of spans only.</summary>
    public static TelemetryBatch OfSpans(IReadOnlyList<SpanRecord> spans) => new([], [], spans);

    /// <summary>True when the batch carries nothing.</summary>
    public bool IsEmpty => Samples.Count == 0 && Logs.Count == 0 && Spans.Count == 0;
}

/// <summary>
/// The store's answer to an append: how many samples it refused and why (for example, new series beyond the series
/// limit). Refusals are permanent: intake reports them as OTLP partial success.
/// </summary>
public sealed record AppendResult(int RejectedSamples, string? FirstRejectReason)
{
    /// <summary>Everything was accepted.</summary>
    public static AppendResult Accepted { get; } = new(0, null);
}

/// <summary>
/// Thrown by <see cref="ITelemetryWriter.AppendAsync"/> when the store is transiently overloaded (its write queue is
/// full). Nothing of the batch was written; the client should retry after <see cref="RetryAfter"/>.
/// </summary>
public sealed class StoreOverloadedException(string message, TimeSpan retryAfter) : Exception(message)
{
    /// <summary>How long the client should wait before retrying.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
