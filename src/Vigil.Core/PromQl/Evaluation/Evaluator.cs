using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>Evaluates one query: holds the prefetched selector data and the query's start and end.</summary>
internal sealed partial class Evaluator
{
    /// <summary>The bit pattern Prometheus writes as a staleness marker.</summary>
    internal const long StaleNaNBits = 0x7ff0000000000002;

    private readonly ISeriesSource _source;
    private readonly PromQlEngineOptions _options;
    private readonly long _start;
    private readonly long _end;
    private readonly long _lookback;
    private readonly Dictionary<VectorSelector, List<MSeries>> _data = new(ReferenceEqualityComparer.Instance);
    private long _loadedSamples;

    /// <summary>Labels without <c>__name__</c>, per input series, for value-changing functions.</summary>
    private readonly LabelCache<LabelSet> _withoutName = new(DropName);

    /// <summary>
    /// Per-node label caches (aggregation groups, histogram buckets, vector matching), by node reference and, where a
    /// node has more than one, a slot number.
    /// </summary>
    private readonly Dictionary<(Expr Node, int Slot), object> _nodeCaches = new(NodeSlotComparer.Instance);

    /// <summary>
    /// Per range selector, where each series' last window started and ended (two entries per series). A range query
    /// steps forward in time, so the next window starts and ends there or a few samples later: the searches try that
    /// first.
    /// </summary>
    private readonly Dictionary<VectorSelector, int[]> _windowHints = new(ReferenceEqualityComparer.Instance);

    /// <summary>Per range-selector (and whether __name__ is dropped): are the output labels of its series distinct.</summary>
    private readonly Dictionary<(Expr Node, int Slot), bool> _distinctOutputs = new(NodeSlotComparer.Instance);

    /// <summary>Scratch space for the values of one group or window; used only by leaf computations, never across an Eval.</summary>
    private double[] _scratch = new double[64];

    /// <summary>Scratch space of an aggregation: each input element's group, and the members ordered by group.</summary>
    private int[] _groupScratch = new int[64];
    private VSample[] _memberScratch = new VSample[64];

    internal Evaluator(ISeriesSource source, PromQlEngineOptions options, long start, long end)
    {
        _source = source;
        _options = options;
        _start = start;
        _end = end;
        _lookback = (long)options.LookbackDelta.TotalMilliseconds;
    }

    internal static bool IsStale(double v) => BitConverter.DoubleToInt64Bits(v) == StaleNaNBits;

    /// <summary>Fetches every selector's data once for the whole query window.</summary>
    internal void Prefetch(Expr expr) => Prefetch(expr, _start, _end);

    /// <summary>Fetches the data of every selector below <paramref name="expr"/>, evaluated at times in [first, last].</summary>
    private void Prefetch(Expr expr, long first, long last)
    {
        switch (expr)
        {
            case VectorSelector vs:
                Fetch(vs, first, last, 0, _lookback, dropStale: false);
                break;
            case MatrixSelector ms:
                // Range windows never contain stale markers, so they are dropped here once instead of at every step.
                Fetch(ms.Selector, first, last, (long)ms.Range.TotalMilliseconds, 0, dropStale: true);
                break;
            case SubqueryExpr sq:
                {
                    var (innerFirst, innerLast) = sq.At is null ? (first, last) : (AtTime(sq.At), AtTime(sq.At));
                    var offset = (long)sq.Offset.TotalMilliseconds;
                    Prefetch(sq.Expr, innerFirst - offset - (long)sq.Range.TotalMilliseconds, innerLast - offset);
                    break;
                }

            case Call c:
                foreach (var a in c.Args)
                {
                    Prefetch(a, first, last);
                }

                break;
            case AggregateExpr a:
                if (a.Parameter is not null)
                {
                    Prefetch(a.Parameter, first, last);
                }

                Prefetch(a.Expr, first, last);
                break;
            case BinaryExpr b:
                Prefetch(b.Lhs, first, last);
                Prefetch(b.Rhs, first, last);
                break;
            case UnaryExpr u:
                Prefetch(u.Expr, first, last);
                break;
            case ParenExpr p:
                Prefetch(p.Expr, first, last);
                break;
        }
    }

    private void Fetch(VectorSelector vs, long first, long last, long range, long lookback, bool dropStale)
    {
        var offset = (long)vs.Offset.TotalMilliseconds;
        if (vs.At is not null)
        {
            first = last = AtTime(vs.At);
        }

        var from = first - offset - range - lookback;
        var to = last - offset;
        var series = _source.SelectSamples(vs.Matchers, from + 1, to, _options.MaxSeries + 1);
        if (series.Count > _options.MaxSeries)
        {
            throw new PromQlEvaluationException($"query would select more than {_options.MaxSeries} series");
        }

        var list = new List<MSeries>(series.Count);
        foreach (var s in series)
        {
            _loadedSamples += s.Samples.Count;
            if (_loadedSamples > _options.MaxSamples)
            {
                throw new PromQlEvaluationException("query processing would load too many samples into memory in query execution");
            }

            list.Add(new MSeries(s.Labels, PrepareSamples(s.Samples, from, to, dropStale)));
        }

        _data[vs] = list;
    }

    /// <summary>
    /// The samples in (from, to] sorted by time, without stale markers when <paramref name="dropStale"/>. The store
    /// normally returns exactly that window in time order, so this is one checking pass and a copy; only input that
    /// is out of order or out of the window is filtered and sorted.
    /// </summary>
    private static Sample[] PrepareSamples(IReadOnlyList<Sample> samples, long from, long to, bool dropStale)
    {
        var ordered = true;
        var count = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var x = samples[i];
            if (i > 0 && x.TimestampMs <= samples[i - 1].TimestampMs)
            {
                ordered = false;
            }

            if (x.TimestampMs > from && x.TimestampMs <= to && !(dropStale && IsStale(x.Value)))
            {
                count++;
            }
        }

        if (!ordered)
        {
            // OrderBy is stable, as before: samples with equal times keep the store's order.
            return samples.Where(x => x.TimestampMs > from && x.TimestampMs <= to && !(dropStale && IsStale(x.Value)))
                .OrderBy(x => x.TimestampMs).ToArray();
        }

        var result = new Sample[count];
        var n = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var x = samples[i];
            if (x.TimestampMs > from && x.TimestampMs <= to && !(dropStale && IsStale(x.Value)))
            {
                result[n++] = x;
            }
        }

        return result;
    }

    private long AtTime(AtModifier at) => at.Kind switch
    {
        AtKind.Start => _start,
        AtKind.End => _end,
        _ => at.TimestampMilliseconds,
    };

    /// <summary>The reference time of a selector evaluated at <paramref name="t"/>: @ applied, offset subtracted.</summary>
    private long RefTime(VectorSelector vs, long t) =>
        (vs.At is null ? t : AtTime(vs.At)) - (long)vs.Offset.TotalMilliseconds;

    /// <summary>Evaluates an expression at time <paramref name="t"/>.</summary>
    internal object Eval(Expr expr, long t) => expr switch
    {
        NumberLiteral n => new ScalarValue(n.Value),
        StringLiteral s => new StringValue(s.Value),
        ParenExpr p => Eval(p.Expr, t),
        VectorSelector vs => EvalVectorSelector(vs, t),
        MatrixSelector ms => EvalMatrixSelector(ms, t),
        UnaryExpr u => EvalUnary(u, t),
        BinaryExpr b => EvalBinary(b, t),
        AggregateExpr a => EvalAggregate(a, t),
        Call c => EvalCall(c, t),
        SubqueryExpr sq => EvalSubquery(sq, t),
        _ => throw new PromQlEvaluationException($"unsupported: expression {expr.GetType().Name}"),
    };

    internal static Expr Unwrap(Expr e) => e is ParenExpr p ? Unwrap(p.Expr) : e;

    private long SubqueryRefTime(SubqueryExpr sq, long t) =>
        (sq.At is null ? t : AtTime(sq.At)) - (long)sq.Offset.TotalMilliseconds;

    /// <summary>
    /// Evaluates the inner expression at every multiple of the step in (refT - range, refT], as Prometheus 3 does,
    /// and returns the points as a range vector.
    /// </summary>
    private List<MSeries> EvalSubquery(SubqueryExpr sq, long t)
    {
        var step = (long)(sq.Step ?? _options.DefaultSubqueryStep).TotalMilliseconds;
        if (step <= 0)
        {
            throw new PromQlEvaluationException("subquery step must be positive");
        }

        var refT = SubqueryRefTime(sq, t);
        var windowStart = refT - (long)sq.Range.TotalMilliseconds;
        var ti = step * (windowStart / step);
        while (ti <= windowStart)
        {
            ti += step;
        }

        var series = new Dictionary<LabelSet, List<Sample>>();
        var order = new List<LabelSet>();
        for (var n = 0; ti <= refT; ti += step, n++)
        {
            if (n > _options.MaxSteps)
            {
                throw new PromQlEvaluationException($"subquery exceeds maximum resolution of {_options.MaxSteps} points");
            }

            var points = Eval(sq.Expr, ti) switch
            {
                List<VSample> v => v,
                ScalarValue s => [new VSample(LabelSet.Empty, s.Value, ti)],
                _ => throw new PromQlEvaluationException("unsupported: subquery over a non-vector expression"),
            };
            foreach (var e in points)
            {
                if (!series.TryGetValue(e.Labels, out var list))
                {
                    list = [];
                    series[e.Labels] = list;
                    order.Add(e.Labels);
                }

                list.Add(new Sample(ti, e.Value));
            }
        }

        return order.Select(l => new MSeries(l, series[l].ToArray())).ToList();
    }

    private List<VSample> EvalVectorSelector(VectorSelector vs, long t)
    {
        var refT = RefTime(vs, t);
        var series = _data[vs];
        var result = new List<VSample>(series.Count);
        foreach (var s in series)
        {
            // Prometheus 3: the lookback window is left-open, (refT - lookback, refT].
            var i = UpperBound(s.Samples, refT) - 1;
            if (i < 0 || s.Samples[i].TimestampMs <= refT - _lookback || IsStale(s.Samples[i].Value))
            {
                continue;
            }

            result.Add(new VSample(s.Labels, s.Samples[i].Value, s.Samples[i].TimestampMs));
        }

        return result;
    }

    private List<MSeries> EvalMatrixSelector(MatrixSelector ms, long t)
    {
        var refT = RefTime(ms.Selector, t);
        var range = (long)ms.Range.TotalMilliseconds;
        var result = new List<MSeries>();
        var series = _data[ms.Selector];
        var hints = WindowHints(ms.Selector);
        for (var i = 0; i < series.Count; i++)
        {
            var window = Window(series[i].Samples, refT, range, hints.AsSpan(2 * i, 2));
            if (window.Count > 0)
            {
                result.Add(new MSeries(series[i].Labels, window));
            }
        }

        return result;
    }

    private int[] WindowHints(VectorSelector vs)
    {
        if (!_windowHints.TryGetValue(vs, out var hints))
        {
            hints = new int[2 * _data[vs].Count];
            _windowHints[vs] = hints;
        }

        return hints;
    }

    /// <summary>
    /// The samples of a prefetched range-selector series in the left-open window (refT - range, refT], as a slice of
    /// its samples (no copy; stale markers were dropped by <see cref="Fetch"/>). <paramref name="hints"/> holds where
    /// the series' previous window started and ended, and is updated.
    /// </summary>
    private static ArraySegment<Sample> Window(ArraySegment<Sample> samples, long refT, long range, Span<int> hints)
    {
        var lo = UpperBound(samples, refT - range, hints[0]);
        var hi = UpperBound(samples, refT, Math.Max(lo, hints[1]));
        hints[0] = lo;
        hints[1] = hi;
        return samples.Slice(lo, Math.Max(0, hi - lo));
    }

    /// <summary>
    /// <see cref="UpperBound(ReadOnlySpan{Sample}, long)"/>, looking first at the few samples from
    /// <paramref name="hint"/> on (any hint gives the right answer; a good one saves the binary search).
    /// </summary>
    private static int UpperBound(ReadOnlySpan<Sample> samples, long t, int hint)
    {
        if (hint >= 0 && hint <= samples.Length && (hint == 0 || samples[hint - 1].TimestampMs <= t))
        {
            // Every sample before the hint is at or before t.
            var limit = Math.Min(samples.Length, hint + 4);
            for (var i = hint; i < limit; i++)
            {
                if (samples[i].TimestampMs > t)
                {
                    return i;
                }
            }

            if (limit == samples.Length)
            {
                return limit;
            }
        }

        return UpperBound(samples, t);
    }

    /// <summary>Index of the first sample with a timestamp greater than <paramref name="t"/>.</summary>
    private static int UpperBound(ReadOnlySpan<Sample> samples, long t)
    {
        int lo = 0, hi = samples.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (samples[mid].TimestampMs <= t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private object EvalUnary(UnaryExpr u, long t)
    {
        var v = Eval(u.Expr, t);
        if (!u.Negate)
        {
            return v;
        }

        return v switch
        {
            ScalarValue s => new ScalarValue(-s.Value),
            List<VSample> vec => Checked(vec.Select(e => new VSample(DropName(e.Labels), -e.Value, e.SampleTs)).ToList()),
            _ => throw new PromQlEvaluationException("unsupported: unary minus on " + u.Expr.ValueType),
        };
    }

    /// <summary>
    /// The label cache of <paramref name="node"/>, created with <paramref name="compute"/> on first use. The
    /// computation must depend only on the node and the labels.
    /// </summary>
    private LabelCache<T> NodeCache<T>(Expr node, Func<LabelSet, T> compute, int slot = 0)
    {
        if (!_nodeCaches.TryGetValue((node, slot), out var cache))
        {
            cache = new LabelCache<T>(compute);
            _nodeCaches[(node, slot)] = cache;
        }

        return (LabelCache<T>)cache;
    }

    /// <summary>Compares (node, slot) keys by node reference: two equal-looking subexpressions keep separate caches.</summary>
    private sealed class NodeSlotComparer : IEqualityComparer<(Expr Node, int Slot)>
    {
        public static readonly NodeSlotComparer Instance = new();

        public bool Equals((Expr Node, int Slot) x, (Expr Node, int Slot) y) => ReferenceEquals(x.Node, y.Node) && x.Slot == y.Slot;

        public int GetHashCode((Expr Node, int Slot) obj) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Node), obj.Slot);
    }

    /// <summary>Scratch space for at least <paramref name="count"/> values.</summary>
    private Span<double> Scratch(int count)
    {
        if (_scratch.Length < count)
        {
            _scratch = new double[Math.Max(count, _scratch.Length * 2)];
        }

        return _scratch.AsSpan(0, count);
    }

    /// <summary>The values of a window, in <see cref="Scratch"/>.</summary>
    private Span<double> ValuesOf(ReadOnlySpan<Sample> window)
    {
        var values = Scratch(window.Length);
        for (var i = 0; i < window.Length; i++)
        {
            values[i] = window[i].Value;
        }

        return values;
    }

    /// <summary>The values of vector elements, in <see cref="Scratch"/>.</summary>
    private Span<double> ValuesOf(ReadOnlySpan<VSample> elements)
    {
        var values = Scratch(elements.Length);
        for (var i = 0; i < elements.Length; i++)
        {
            values[i] = elements[i].Value;
        }

        return values;
    }

    internal static LabelSet DropName(LabelSet labels) =>
        labels.Get(LabelSet.MetricNameLabel) is null ? labels : labels.Without(LabelSet.MetricNameLabel);

    internal static void CheckUnique(List<VSample> v)
    {
        if (v.Count < 2)
        {
            return;
        }

        var seen = new HashSet<LabelSet>();
        foreach (var e in v)
        {
            if (!seen.Add(e.Labels))
            {
                throw new PromQlEvaluationException("vector cannot contain metrics with the same labelset");
            }
        }
    }

    private double EvalScalar(Expr e, long t) => Eval(e, t) switch
    {
        ScalarValue s => s.Value,
        _ => throw new PromQlEvaluationException("expected scalar"),
    };

    private List<VSample> EvalVector(Expr e, long t) => Eval(e, t) switch
    {
        List<VSample> v => v,
        _ => throw new PromQlEvaluationException("expected instant vector"),
    };

    private List<MSeries> EvalMatrix(Expr e, long t) => Eval(e, t) switch
    {
        List<MSeries> m => m,
        _ => throw new PromQlEvaluationException("expected range vector"),
    };
}
