namespace Vigil.Core.Telemetry.Exposition;

/// <summary>The text formats a Prometheus target can expose.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text exposition format 0.0.4 (<c>text/plain; version=0.0.4</c>).</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0 text (<c>application/openmetrics-text; version=1.0.0</c>).</summary>
    OpenMetrics,
}

/// <summary>The type of a metric family, as declared by its <c># TYPE</c> line.</summary>
public enum MetricType
{
    /// <summary>No <c># TYPE</c> line, or <c>untyped</c> (0.0.4) / <c>unknown</c> (OpenMetrics).</summary>
    Unknown,

    /// <summary><c>counter</c></summary>
    Counter,

    /// <summary><c>gauge</c></summary>
    Gauge,

    /// <summary><c>histogram</c></summary>
    Histogram,

    /// <summary><c>gaugehistogram</c> (OpenMetrics only).</summary>
    GaugeHistogram,

    /// <summary><c>summary</c></summary>
    Summary,

    /// <summary><c>info</c> (OpenMetrics only).</summary>
    Info,

    /// <summary><c>stateset</c> (OpenMetrics only).</summary>
    StateSet,
}

/// <summary>
/// What the <c># TYPE</c>, <c># HELP</c> and <c># UNIT</c> lines said about one metric family. Help and unit are
/// empty when the exposition gave none.
/// </summary>
public sealed record MetricMetadata(string Name, MetricType Type, string Help, string Unit);

/// <summary>
/// One problem in an exposition: a 1-based line number, a 1-based byte column within that line, and the reason.
/// </summary>
public readonly record struct ExpositionError(int Line, int Column, string Reason)
{
    /// <summary>The scrape-status form, <c>line N:col: reason</c>.</summary>
    public override string ToString() => $"line {Line}:{Column}: {Reason}";
}

/// <summary>
/// The outcome of parsing one scrape. As in Prometheus, a single malformed line fails the whole scrape: when
/// <see cref="IsSuccess"/> is false, <see cref="Samples"/> is empty and <see cref="Errors"/> says what was wrong.
/// </summary>
public sealed class ExpositionResult
{
    internal ExpositionResult(
        IReadOnlyList<SeriesSample> samples,
        IReadOnlyList<MetricMetadata> metadata,
        IReadOnlyList<ExpositionError> errors)
    {
        Errors = errors;
        Samples = errors.Count == 0 ? samples : [];
        Metadata = metadata;
    }

    /// <summary>The samples in exposition order; empty when the scrape failed.</summary>
    public IReadOnlyList<SeriesSample> Samples { get; }

    /// <summary>Metadata per metric family, in order of first mention.</summary>
    public IReadOnlyList<MetricMetadata> Metadata { get; }

    /// <summary>Every problem found, in line order, up to <see cref="ExpositionParserOptions.MaxErrors"/>.</summary>
    public IReadOnlyList<ExpositionError> Errors { get; }

    /// <summary>True when the exposition parsed without any error.</summary>
    public bool IsSuccess => Errors.Count == 0;

    /// <summary>The first error as <c>line N:col: reason</c> for the scrape status, or null on success.</summary>
    public string? Error => Errors.Count == 0 ? null : Errors[0].ToString();
}

/// <summary>Bounds on one parse. Every bound fails the scrape when exceeded; none of them truncates silently.</summary>
public sealed record ExpositionParserOptions
{
    /// <summary>
    /// Default for <see cref="SampleLimit"/>: a node_exporter page holds about 2,000 samples and large
    /// kube-state-metrics pages a few hundred thousand; a million bounds one scrape to roughly 100 MB of samples.
    /// </summary>
    public const int DefaultSampleLimit = 1_000_000;

    /// <summary>
    /// Default for <see cref="MaxLineLength"/>: 64 KiB, far longer than a real sample or HELP line, so a runaway
    /// label value cannot make one line cost more than a bounded amount of work and memory.
    /// </summary>
    public const int DefaultMaxLineLength = 64 * 1024;

    /// <summary>
    /// Default for <see cref="MaxLabelCount"/>: real series carry under 30 labels; 64 stops label explosions early.
    /// </summary>
    public const int DefaultMaxLabelCount = 64;

    /// <summary>
    /// Default for <see cref="MaxBodyBytes"/>: 64 MiB, several times the largest real pages (big kube-state-metrics
    /// pages are around 10 MiB), so a misbehaving target cannot make a scrape hold unbounded memory.
    /// </summary>
    public const int DefaultMaxBodyBytes = 64 * 1024 * 1024;

    /// <summary>Default for <see cref="MaxErrors"/>: enough to diagnose a page, while keeping the result small.</summary>
    public const int DefaultMaxErrors = 100;

    /// <summary>The defaults.</summary>
    public static ExpositionParserOptions Default { get; } = new();

    /// <summary>
    /// The most samples one scrape may yield (Prometheus <c>sample_limit</c>); exceeding it fails the scrape with
    /// <c>sample limit of N exceeded</c>. Default <see cref="DefaultSampleLimit"/>.
    /// </summary>
    public int SampleLimit { get; init; } = DefaultSampleLimit;

    /// <summary>The longest line accepted, in bytes, excluding the newline. Default <see cref="DefaultMaxLineLength"/>.</summary>
    public int MaxLineLength { get; init; } = DefaultMaxLineLength;

    /// <summary>The most labels one series may carry, not counting <c>__name__</c>. Default <see cref="DefaultMaxLabelCount"/>.</summary>
    public int MaxLabelCount { get; init; } = DefaultMaxLabelCount;

    /// <summary>
    /// The largest body <see cref="ExpositionParser.ParseAsync"/> reads, in bytes (Prometheus <c>body_size_limit</c>).
    /// Default <see cref="DefaultMaxBodyBytes"/>.
    /// </summary>
    public int MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>The most errors collected before parsing stops. Default <see cref="DefaultMaxErrors"/>.</summary>
    public int MaxErrors { get; init; } = DefaultMaxErrors;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SampleLimit, 1, nameof(SampleLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLineLength, 16, nameof(MaxLineLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLabelCount, 1, nameof(MaxLabelCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxErrors, 1, nameof(MaxErrors));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBodyBytes, 1, nameof(MaxBodyBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBodyBytes, Array.MaxLength - 1, nameof(MaxBodyBytes));
    }
}
