using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;

namespace Vigil.Core.PromQl;

/// <summary>
/// Where PromQL runs and series metadata comes from: the embedded engine over Vigil's own store, or an external
/// Prometheus-compatible server (Prometheus, VictoriaMetrics, Mimir, Thanos) through its query API. Every engine and
/// the Prometheus HTTP API query through this one interface, so the two sources are interchangeable.
/// Times are Unix milliseconds.
/// </summary>
public interface IMetricsSource
{
    /// <summary>A short name for logs and <c>/api/v1/status/buildinfo</c>: <c>embedded</c> or the external server's address.</summary>
    string Name { get; }

    /// <summary>Evaluates <paramref name="query"/> at one instant.</summary>
    /// <exception cref="PromQlParseException">The query does not parse (embedded source).</exception>
    /// <exception cref="MetricsSourceException">The source refused the query or could not be reached.</exception>
    Task<PromQlResult> InstantQueryAsync(string query, long timeMs, CancellationToken cancellationToken);

    /// <summary>Evaluates <paramref name="query"/> at every step from start to end inclusive; always a matrix.</summary>
    Task<MatrixResult> RangeQueryAsync(string query, long startMs, long endMs, long stepMs, CancellationToken cancellationToken);

    /// <summary>
    /// The label sets of series matching any of <paramref name="selectors"/> (each a list of matchers that must all hold)
    /// with samples in [start, end]; at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<LabelSet>> SeriesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken);

    /// <summary>Sorted label names of the matching series (every series when <paramref name="selectors"/> is empty); at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> LabelNamesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken);

    /// <summary>Sorted values of label <paramref name="name"/> on the matching series; at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> LabelValuesAsync(string name, IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Metadata (type, help, unit) per metric family name, optionally only for <paramref name="metric"/>; at most
    /// <paramref name="limit"/> families.
    /// </summary>
    Task<IReadOnlyList<MetricMetadata>> MetadataAsync(string? metric, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// A metrics source refused a request or could not answer it. <see cref="ErrorType"/> follows the Prometheus API's
/// <c>errorType</c> (<c>bad_data</c>, <c>execution</c>, <c>timeout</c>, <c>unavailable</c>, <c>internal</c>) and
/// <see cref="StatusCode"/> the HTTP status the Prometheus API answers with for it.
/// </summary>
public sealed class MetricsSourceException(string errorType, int statusCode, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The Prometheus API error type.</summary>
    public string ErrorType { get; } = errorType;

    /// <summary>The HTTP status code to answer with.</summary>
    public int StatusCode { get; } = statusCode;
}
