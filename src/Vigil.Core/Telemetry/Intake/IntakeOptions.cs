namespace Vigil.Core.Telemetry.Intake;

/// <summary>
/// Limits and knobs of telemetry intake (OTLP over gRPC and HTTP). Every buffer and map intake keeps is bounded by one
/// of these. Defaults suit one server ingesting about half a million samples a second.
/// </summary>
public sealed class IntakeOptions
{
    /// <summary>
    /// The largest request body accepted on the wire (compressed size when compressed), in bytes. Default 16 MiB:
    /// the OpenTelemetry SDKs send batches far smaller; larger bodies are answered 413 (HTTP) or RESOURCE_EXHAUSTED
    /// without retry information (gRPC).
    /// </summary>
    public long MaxRequestBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// The largest request body after gzip decompression, in bytes. Default 64 MiB: bounds a gzip bomb; decompression
    /// streams into a buffer that grows up to this cap and stops there. (gRPC messages are held to
    /// <see cref="MaxRequestBytes"/> inflated as well, since grpc-dotnet applies its one message limit to both sizes.)
    /// </summary>
    public long MaxDecompressedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The total size, in bytes, of decoded request bodies being processed at once. Default 256 MiB: bounds intake's
    /// memory under a burst; a request beyond it is answered 429 / RESOURCE_EXHAUSTED with a retry delay.
    /// </summary>
    public long MaxInFlightBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How long a request over <see cref="MaxInFlightBytes"/> is told to wait before retrying. Default 1 second.</summary>
    public TimeSpan InFlightRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How far in the future (from the server's clock) a timestamp may be. Default 10 minutes: tolerates clock skew;
    /// later items are rejected as partial success.
    /// </summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How old a timestamp may be. Default 15 days (Prometheus's default retention); the host sets it to the store's
    /// retention, since older data would be dropped at once.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(15);

    /// <summary>
    /// The most labels one series may have, counting <c>__name__</c> and the promoted labels. Default 64: well above
    /// what instrumentation produces (about 15), low enough to refuse a runaway attribute set.
    /// </summary>
    public int MaxLabelsPerSeries { get; set; } = 64;

    /// <summary>The longest label name, in characters. Default 1024 (as Grafana Mimir).</summary>
    public int MaxLabelNameLength { get; set; } = 1024;

    /// <summary>The longest label value, in characters. Default 2048 (as Grafana Mimir).</summary>
    public int MaxLabelValueLength { get; set; } = 2048;

    /// <summary>
    /// The most series whose delta points intake accumulates into cumulative values at once. Default 100,000: one
    /// entry costs about 200 bytes; points of new delta series beyond it are rejected as partial success.
    /// </summary>
    public int MaxDeltaSeries { get; set; } = 100_000;

    /// <summary>
    /// When a delta series has had no point for longer than this (or its start time goes back), its running total
    /// restarts from zero, which queries read as a counter reset. Default 5 minutes, Prometheus's staleness window.
    /// </summary>
    public TimeSpan DeltaResetGap { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many (resource, metric, attributes) label sets intake remembers across requests so that a series' labels
    /// are built once, not per point. Default 100,000 entries (about 1 KB each); the cache is emptied when full.
    /// </summary>
    public int MaxCachedSeries { get; set; } = 100_000;

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxRequestBytes <= 0)
        {
            errors.Add($"intake: MaxRequestBytes must be positive (got {MaxRequestBytes})");
        }

        if (MaxRequestBytes > int.MaxValue)
        {
            errors.Add($"intake: MaxRequestBytes must be at most {int.MaxValue} (got {MaxRequestBytes})");
        }

        if (MaxDecompressedBytes < MaxRequestBytes)
        {
            errors.Add($"intake: MaxDecompressedBytes ({MaxDecompressedBytes}) must be at least MaxRequestBytes ({MaxRequestBytes})");
        }

        if (MaxDecompressedBytes > Array.MaxLength)
        {
            errors.Add($"intake: MaxDecompressedBytes must be at most {Array.MaxLength} (got {MaxDecompressedBytes})");
        }

        if (MaxInFlightBytes < MaxDecompressedBytes)
        {
            errors.Add($"intake: MaxInFlightBytes ({MaxInFlightBytes}) must be at least MaxDecompressedBytes ({MaxDecompressedBytes})");
        }

        if (InFlightRetryAfter <= TimeSpan.Zero)
        {
            errors.Add("intake: InFlightRetryAfter must be positive");
        }

        if (MaxFutureSkew < TimeSpan.Zero)
        {
            errors.Add("intake: MaxFutureSkew must not be negative");
        }

        if (MaxAge <= TimeSpan.Zero)
        {
            errors.Add("intake: MaxAge must be positive");
        }

        if (MaxLabelsPerSeries < 8)
        {
            errors.Add($"intake: MaxLabelsPerSeries must be at least 8 (got {MaxLabelsPerSeries}): the name and promoted labels alone take 7");
        }

        if (MaxLabelNameLength < 32)
        {
            errors.Add($"intake: MaxLabelNameLength must be at least 32 (got {MaxLabelNameLength})");
        }

        if (MaxLabelValueLength < 32)
        {
            errors.Add($"intake: MaxLabelValueLength must be at least 32 (got {MaxLabelValueLength})");
        }

        if (MaxDeltaSeries <= 0)
        {
            errors.Add($"intake: MaxDeltaSeries must be positive (got {MaxDeltaSeries})");
        }

        if (DeltaResetGap <= TimeSpan.Zero)
        {
            errors.Add("intake: DeltaResetGap must be positive");
        }

        if (MaxCachedSeries < 0)
        {
            errors.Add($"intake: MaxCachedSeries must not be negative (got {MaxCachedSeries})");
        }

        return errors;
    }
}
