using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>
/// Evaluates PromQL over an <see cref="ISeriesSource"/> with Prometheus 3 semantics: left-open range windows,
/// a lookback delta for instant selectors, staleness markers. The engine never reads the clock: every query takes
/// its evaluation time. Each selector is fetched once per query for the whole window the query needs.
/// </summary>
/// <param name="source">Where series and samples come from.</param>
/// <param name="options">Limits and the lookback delta.</param>
public sealed class PromQlEngine(ISeriesSource source, PromQlEngineOptions options)
{
    /// <summary>Evaluates <paramref name="query"/> at one instant, <paramref name="timeMs"/> Unix milliseconds.</summary>
    /// <exception cref="PromQlParseException">The query does not parse.</exception>
    /// <exception cref="PromQlEvaluationException">A limit was exceeded or a feature is unsupported.</exception>
    public PromQlResult InstantQuery(string query, long timeMs)
    {
        var expr = PromQlParser.Parse(query);
        var ev = new Evaluator(source, options, timeMs, timeMs);
        ev.Prefetch(expr);
        return ev.Eval(expr, timeMs) switch
        {
            ScalarValue s => new ScalarResult(timeMs, s.Value),
            StringValue s => new StringResult(timeMs, s.Value),
            List<VSample> v => new VectorResult(v.Select(e => new VectorElement(e.Labels, timeMs, e.Value)).ToList()),
            List<MSeries> m => new MatrixResult(m.Select(s => new SeriesSamples(s.Labels, s.Samples)).ToList()),
            _ => throw new InvalidOperationException("unexpected value"),
        };
    }

    /// <summary>
    /// Evaluates <paramref name="query"/> at every step from <paramref name="startMs"/> to <paramref name="endMs"/>
    /// (inclusive), Unix milliseconds, and returns a matrix.
    /// </summary>
    /// <exception cref="PromQlParseException">The query does not parse or is not a scalar or instant vector.</exception>
    /// <exception cref="PromQlEvaluationException">A limit was exceeded or a feature is unsupported.</exception>
    public MatrixResult RangeQuery(string query, long startMs, long endMs, long stepMs)
    {
        if (stepMs <= 0)
        {
            throw new PromQlEvaluationException("zero or negative query resolution step widths are not accepted");
        }

        if (endMs < startMs)
        {
            throw new PromQlEvaluationException("end timestamp must not be before start time");
        }

        if ((endMs - startMs) / stepMs > options.MaxSteps)
        {
            throw new PromQlEvaluationException($"exceeded maximum resolution of {options.MaxSteps} points per timeseries");
        }

        var expr = PromQlParser.Parse(query);
        if (expr.ValueType is not (PromQlValueType.Scalar or PromQlValueType.Vector))
        {
            // A static error in the query, as Prometheus's bad_data: reported like a parse error.
            throw new PromQlParseException(
                $"invalid expression type \"{Expr.TypeName(expr.ValueType)}\" for range query, must be Scalar or instant Vector", 0);
        }

        var ev = new Evaluator(source, options, startMs, endMs);
        ev.Prefetch(expr);
        var series = new Dictionary<LabelSet, List<Sample>>();
        var steps = (int)((endMs - startMs) / stepMs) + 1;
        for (var t = startMs; t <= endMs; t += stepMs)
        {
            switch (ev.Eval(expr, t))
            {
                case ScalarValue s:
                    Append(series, LabelSet.Empty, t, s.Value, steps);
                    break;
                case List<VSample> v:
                    foreach (var e in v)
                    {
                        Append(series, e.Labels, t, e.Value, steps);
                    }

                    break;
            }
        }

        // Ordered by labels as Prometheus sorts a range query's matrix (labels.Compare).
        var result = new List<SeriesSamples>(series.Count);
        foreach (var (labels, points) in series)
        {
            result.Add(new SeriesSamples(labels, points));
        }

        result.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
        return new MatrixResult(result);
    }

    private static void Append(Dictionary<LabelSet, List<Sample>> series, LabelSet labels, long t, double value, int steps)
    {
        if (!series.TryGetValue(labels, out var points))
        {
            // Most series have a point at most steps; the first allocation is capped so that sparse series stay small.
            points = new List<Sample>(Math.Min(steps, 512));
            series[labels] = points;
        }
        else if (points.Count > 0 && points[^1].TimestampMs == t)
        {
            throw new PromQlEvaluationException("vector cannot contain metrics with the same labelset");
        }

        points.Add(new Sample(t, value));
    }
}
