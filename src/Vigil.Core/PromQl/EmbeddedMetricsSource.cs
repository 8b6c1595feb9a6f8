using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Core.PromQl;

/// <summary>
/// The metrics source over Vigil's own store: PromQL runs in <see cref="PromQlEngine"/> over the series source, and
/// metadata comes from what intake learned (<see cref="MetricMetadataCatalog"/>). Synchronous underneath; the
/// asynchronous signatures are those of <see cref="IMetricsSource"/>.
/// </summary>
public sealed class EmbeddedMetricsSource(ISeriesSource series, MetricMetadataCatalog metadata, PromQlEngineOptions options) : IMetricsSource
{
    private static readonly IReadOnlyList<LabelMatcher> EverySeries = [new LabelMatcher(LabelSet.MetricNameLabel, MatchType.Regex, ".+")];
    private readonly PromQlEngine _engine = new(series, options);

    /// <inheritdoc />
    public string Name => "embedded";

    /// <inheritdoc />
    public Task<PromQlResult> InstantQueryAsync(string query, long timeMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_engine.InstantQuery(query, timeMs));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Checks what Prometheus's API checks before it evaluates, with its wording and as bad input (400
    /// <c>bad_data</c>): the number of points per series, and an expression that is neither a scalar nor an instant vector.
    /// </remarks>
    public Task<MatrixResult> RangeQueryAsync(string query, long startMs, long endMs, long stepMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (stepMs > 0 && endMs >= startMs && (endMs - startMs) / stepMs > options.MaxSteps)
        {
            throw new MetricsSourceException("bad_data", 400,
                $"exceeded maximum resolution of {options.MaxSteps.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} points per timeseries. Try decreasing the query resolution (?step=XX)");
        }

        var type = PromQlParser.Parse(query).ValueType;
        if (type is not (PromQlValueType.Scalar or PromQlValueType.Vector))
        {
            throw new MetricsSourceException("bad_data", 400,
                $"invalid expression type \"{Expr.TypeName(type)}\" for range query, must be Scalar or instant Vector");
        }

        return Task.FromResult(_engine.RangeQuery(query, startMs, endMs, stepMs));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LabelSet>> SeriesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<LabelSet>>(Select(selectors, startMs, endMs, limit).ToList());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> LabelNamesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var labels in Select(selectors, startMs, endMs, options.MaxSeries))
        {
            foreach (var label in labels.Labels)
            {
                names.Add(label.Name);
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(names.Take(limit).ToList());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> LabelValuesAsync(string name, IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var labels in Select(selectors, startMs, endMs, options.MaxSeries))
        {
            if (labels.Get(name) is { } value)
            {
                values.Add(value);
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(values.Take(limit).ToList());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MetricMetadata>> MetadataAsync(string? metric, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(metadata.List(metric, limit));
    }

    // Series matching any selector (every series when there is none), each once, at most limit.
    private IEnumerable<LabelSet> Select(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit)
    {
        var seen = new HashSet<LabelSet>();
        foreach (var selector in selectors.Count == 0 ? [EverySeries] : selectors)
        {
            foreach (var labels in series.SelectSeries(selector, startMs, endMs, limit))
            {
                if (seen.Count >= limit)
                {
                    yield break;
                }

                if (seen.Add(labels))
                {
                    yield return labels;
                }
            }
        }
    }
}
