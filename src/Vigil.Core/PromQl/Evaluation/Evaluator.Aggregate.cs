using System.Text.RegularExpressions;
using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>Aggregation operators with <c>by</c> and <c>without</c>.</summary>
internal sealed partial class Evaluator
{
    private static readonly Regex LabelNamePattern = new("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant);

    private List<VSample> EvalAggregate(AggregateExpr a, long t)
    {
        double param = 0;
        string? label = null;
        if (a.Op is AggregationOp.Topk or AggregationOp.Bottomk or AggregationOp.Quantile)
        {
            param = EvalScalar(a.Parameter!, t);
        }
        else if (a.Op == AggregationOp.CountValues)
        {
            label = ((StringValue)Eval(a.Parameter!, t)).Value;
            if (!LabelNamePattern.IsMatch(label))
            {
                throw new PromQlEvaluationException($"invalid label name \"{label}\"");
            }
        }

        var input = EvalVector(a.Expr, t);
        if (a.Op is AggregationOp.Topk or AggregationOp.Bottomk)
        {
            // Prometheus's checks and messages for k.
            if (double.IsNaN(param))
            {
                throw new PromQlEvaluationException("Parameter value is NaN");
            }

            if (param <= long.MinValue)
            {
                throw new PromQlEvaluationException($"Scalar value {FormatValue(param)} underflows int64");
            }

            if (param >= long.MaxValue)
            {
                throw new PromQlEvaluationException($"Scalar value {FormatValue(param)} overflows int64");
            }
        }

        var grouping = a.Grouping;
        if (a.Op == AggregationOp.CountValues)
        {
            // As Prometheus: the value label is set on each series first (replacing a label of that name), and
            // grouping then sees it; with `by` it is one of the grouping labels.
            input = input.Select(e => e with { Labels = e.Labels.With(label!, FormatValue(e.Value)) }).ToList();
            if (!a.Without && !grouping.Contains(label!))
            {
                grouping = [.. grouping, label!];
            }
        }

        // Groups in order of first appearance, each with its output labels and members. A series' group is the same at
        // every step, so it is computed once per series (count_values' labels depend on the value: not cached).
        var groupOf = a.Op == AggregationOp.CountValues
            ? null
            : NodeCache(a, labels => GroupingKey(labels, grouping, a.Without));
        var groupIndex = new Dictionary<LabelSet, int>();
        var order = new List<LabelSet>();
        if (_groupScratch.Length < input.Count)
        {
            _groupScratch = new int[Math.Max(input.Count, _groupScratch.Length * 2)];
            _memberScratch = new VSample[_groupScratch.Length];
        }

        var groupOfElement = _groupScratch.AsSpan(0, input.Count);
        for (var i = 0; i < input.Count; i++)
        {
            var key = groupOf is null ? GroupingKey(input[i].Labels, grouping, a.Without) : groupOf.Get(input[i].Labels);
            if (!groupIndex.TryGetValue(key, out var g))
            {
                g = order.Count;
                groupIndex[key] = g;
                order.Add(key);
            }

            groupOfElement[i] = g;
        }

        // The members of group g, in input order, are allMembers[offsets[g]..offsets[g + 1]] (a counting sort).
        var offsets = new int[order.Count + 1];
        foreach (var g in groupOfElement)
        {
            offsets[g + 1]++;
        }

        for (var g = 0; g < order.Count; g++)
        {
            offsets[g + 1] += offsets[g];
        }

        var allMembers = _memberScratch.AsSpan(0, input.Count);
        var next = offsets[..^1];
        for (var i = 0; i < input.Count; i++)
        {
            allMembers[next[groupOfElement[i]]++] = input[i];
        }

        var result = new List<VSample>(order.Count);
        for (var g = 0; g < order.Count; g++)
        {
            var key = order[g];
            ReadOnlySpan<VSample> members = allMembers[offsets[g]..offsets[g + 1]];
            switch (a.Op)
            {
                case AggregationOp.Sum:
                    result.Add(new VSample(key, KahanSum(ValuesOf(members)), 0));
                    break;
                case AggregationOp.Avg:
                    result.Add(new VSample(key, Mean(ValuesOf(members)), 0));
                    break;
                case AggregationOp.Count:
                    result.Add(new VSample(key, members.Length, 0));
                    break;
                case AggregationOp.Group:
                    result.Add(new VSample(key, 1, 0));
                    break;
                case AggregationOp.Min:
                    result.Add(new VSample(key, MinOf(ValuesOf(members)), 0));
                    break;
                case AggregationOp.Max:
                    result.Add(new VSample(key, MaxOf(ValuesOf(members)), 0));
                    break;
                case AggregationOp.Stdvar:
                    result.Add(new VSample(key, Variance(ValuesOf(members)), 0));
                    break;
                case AggregationOp.Stddev:
                    result.Add(new VSample(key, Math.Sqrt(Variance(ValuesOf(members))), 0));
                    break;
                case AggregationOp.Quantile:
                    result.Add(new VSample(key, Quantile(param, ValuesOf(members)), 0));
                    break;
                case AggregationOp.Topk:
                case AggregationOp.Bottomk:
                    result.AddRange(TopK(members, param, a.Op == AggregationOp.Topk));
                    break;
                case AggregationOp.CountValues:
                    result.Add(new VSample(key, members.Length, 0));
                    break;
                default:
                    throw new PromQlEvaluationException("unsupported: aggregation " + AggregateExpr.OpName(a.Op));
            }
        }

        return result;
    }

    private static LabelSet GroupingKey(LabelSet labels, IReadOnlyList<string> grouping, bool without)
    {
        if (without)
        {
            return labels.Without([.. grouping, LabelSet.MetricNameLabel]);
        }

        return LabelSet.From(grouping.Select(n => new Label(n, labels.Get(n) ?? string.Empty)));
    }

    /// <summary>
    /// Prometheus's topk/bottomk: a heap of up to k elements filled in input order, the weakest on top, replaced only by
    /// a strictly better element (NaN is worst), with Go's container/heap moves, so ties keep the same series as in
    /// Prometheus. The result is best first.
    /// </summary>
    private static List<VSample> TopK(ReadOnlySpan<VSample> members, double k, bool top)
    {
        if (k < 1)
        {
            return [];
        }

        var n = k >= members.Length ? members.Length : (int)k;

        // "Weaker" is the heap's Less: for topk the smaller value, for bottomk the bigger; NaN is always weaker.
        bool Weaker(VSample x, VSample y) => double.IsNaN(x.Value) || (top ? x.Value < y.Value : x.Value > y.Value);
        var heap = new List<VSample>(n);
        foreach (var m in members)
        {
            if (heap.Count < n)
            {
                heap.Add(m);
                HeapUp(heap, heap.Count - 1, Weaker);
            }
            else if (Weaker(heap[0], m) && !(double.IsNaN(heap[0].Value) && double.IsNaN(m.Value)))
            {
                heap[0] = m;
                if (n > 1 && !HeapDown(heap, 0, Weaker))
                {
                    HeapUp(heap, 0, Weaker);
                }
            }
        }

        // Best first; equal values keep their heap order.
        return heap.Select((e, i) => (e, i))
            .OrderBy(x => double.IsNaN(x.e.Value) ? 1 : 0)
            .ThenBy(x => top ? -x.e.Value : x.e.Value)
            .ThenBy(x => x.i)
            .Select(x => x.e)
            .ToList();
    }

    /// <summary>Go's container/heap up.</summary>
    private static void HeapUp(List<VSample> h, int j, Func<VSample, VSample, bool> less)
    {
        while (true)
        {
            var i = (j - 1) / 2;
            if (i == j || !less(h[j], h[i]))
            {
                break;
            }

            (h[i], h[j]) = (h[j], h[i]);
            j = i;
        }
    }

    /// <summary>Go's container/heap down; true when the element moved.</summary>
    private static bool HeapDown(List<VSample> h, int i0, Func<VSample, VSample, bool> less)
    {
        var i = i0;
        while (true)
        {
            var j1 = (2 * i) + 1;
            if (j1 >= h.Count)
            {
                break;
            }

            var j = j1;
            if (j1 + 1 < h.Count && less(h[j1 + 1], h[j1]))
            {
                j = j1 + 1;
            }

            if (!less(h[j], h[i]))
            {
                break;
            }

            (h[i], h[j]) = (h[j], h[i]);
            i = j;
        }

        return i > i0;
    }

    internal static double KahanSum(ReadOnlySpan<double> values)
    {
        double sum = 0, c = 0;
        foreach (var v in values)
        {
            (sum, c) = KahanSumInc(v, sum, c);
        }

        return double.IsInfinity(sum) ? sum : sum + c;
    }

    /// <summary>Prometheus's kahanSumInc (Neumaier's variant).</summary>
    internal static (double Sum, double C) KahanSumInc(double inc, double sum, double c)
    {
        var t = sum + inc;
        if (double.IsInfinity(t))
        {
            c = 0;
        }
        else if (Math.Abs(sum) >= Math.Abs(inc))
        {
            c += (sum - t) + inc;
        }
        else
        {
            c += (inc - t) + sum;
        }

        return (t, c);
    }

    internal static double Mean(ReadOnlySpan<double> values)
    {
        double sum = 0, c = 0;
        var n = 0;
        foreach (var v in values)
        {
            (sum, c) = KahanSumInc(v, sum, c);
            n++;
        }

        return double.IsInfinity(sum) ? sum / n : (sum + c) / n;
    }

    internal static double MinOf(ReadOnlySpan<double> values)
    {
        var first = true;
        double min = double.NaN;
        foreach (var v in values)
        {
            if (first || v < min || double.IsNaN(min))
            {
                min = v;
            }

            first = false;
        }

        return min;
    }

    internal static double MaxOf(ReadOnlySpan<double> values)
    {
        var first = true;
        double max = double.NaN;
        foreach (var v in values)
        {
            if (first || v > max || double.IsNaN(max))
            {
                max = v;
            }

            first = false;
        }

        return max;
    }

    /// <summary>Population variance by Welford's method, as Prometheus computes stdvar.</summary>
    internal static double Variance(ReadOnlySpan<double> values)
    {
        double mean = 0, m2 = 0;
        var n = 0;
        foreach (var v in values)
        {
            n++;
            var delta = v - mean;
            mean += delta / n;
            m2 += delta * (v - mean);
        }

        return m2 / n;
    }

    /// <summary>Prometheus's quantile: linear interpolation between the closest ranks, q outside [0, 1] gives ±Inf.</summary>
    internal static double Quantile(double q, Span<double> values)
    {
        if (values.Length == 0 || double.IsNaN(q))
        {
            return double.NaN;
        }

        if (q < 0)
        {
            return double.NegativeInfinity;
        }

        if (q > 1)
        {
            return double.PositiveInfinity;
        }

        // Go's sort.Float64s puts NaN first.
        values.Sort((x, y) => double.IsNaN(x) ? (double.IsNaN(y) ? 0 : -1) : double.IsNaN(y) ? 1 : x.CompareTo(y));
        var n = values.Length;
        var rank = q * (n - 1);
        var lower = Math.Max(0, (int)Math.Floor(rank));
        var upper = Math.Min(n - 1, lower + 1);
        var weight = rank - Math.Floor(rank);
        return (values[lower] * (1 - weight)) + (values[upper] * weight);
    }

    /// <summary>Go's strconv.FormatFloat(v, 'f', -1, 64), as Prometheus writes <c>count_values</c> labels.</summary>
    internal static string FormatValue(double v) => GoFloat.FormatF(v);
}
