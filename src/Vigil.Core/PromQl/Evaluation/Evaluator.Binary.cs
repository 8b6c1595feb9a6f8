using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>Binary operators: arithmetic, comparison and set operators with Prometheus's vector matching.</summary>
internal sealed partial class Evaluator
{
    private object EvalBinary(BinaryExpr b, long t)
    {
        var lhs = Eval(b.Lhs, t);
        var rhs = Eval(b.Rhs, t);
        switch (lhs, rhs)
        {
            case (ScalarValue l, ScalarValue r):
                {
                    var (value, keep) = Apply(b.Op, l.Value, r.Value);
                    return new ScalarValue(b.ReturnBool ? (keep ? 1 : 0) : value);
                }

            case (List<VSample> l, ScalarValue r):
                return VectorScalar(b, l, r.Value, swap: false);
            case (ScalarValue l, List<VSample> r):
                return VectorScalar(b, r, l.Value, swap: true);
            case (List<VSample> l, List<VSample> r):
                return BinaryExpr.IsSetOperator(b.Op) ? SetOp(b, l, r) : VectorVector(b, l, r);
            default:
                throw new PromQlEvaluationException("unsupported: binary operation between these types");
        }
    }

    /// <summary>Prometheus's vectorElemBinop: the value and, for comparisons, whether the element is kept.</summary>
    private static (double Value, bool Keep) Apply(BinaryOp op, double l, double r) => op switch
    {
        BinaryOp.Add => (l + r, true),
        BinaryOp.Sub => (l - r, true),
        BinaryOp.Mul => (l * r, true),
        BinaryOp.Div => (l / r, true),
        BinaryOp.Pow => (Math.Pow(l, r), true),
        BinaryOp.Mod => (GoMod(l, r), true),
        BinaryOp.Atan2 => (Math.Atan2(l, r), true),
        BinaryOp.Eql => (l, l == r),
        BinaryOp.Neq => (l, l != r),
        BinaryOp.Gtr => (l, l > r),
        BinaryOp.Lss => (l, l < r),
        BinaryOp.Gte => (l, l >= r),
        BinaryOp.Lte => (l, l <= r),
        _ => throw new PromQlEvaluationException("unsupported: operator " + BinaryExpr.OpText(op)),
    };

    /// <summary>Go's math.Mod: the result has the sign of the dividend, like C#'s %.</summary>
    private static double GoMod(double l, double r) => l % r;

    private static bool DropsName(BinaryOp op) =>
        op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Pow or BinaryOp.Mod or BinaryOp.Atan2;

    private List<VSample> VectorScalar(BinaryExpr b, List<VSample> vec, double scalar, bool swap)
    {
        var result = new List<VSample>(vec.Count);
        var comparison = BinaryExpr.IsComparison(b.Op);
        foreach (var e in vec)
        {
            var (l, r) = swap ? (scalar, e.Value) : (e.Value, scalar);
            var (value, keep) = Apply(b.Op, l, r);
            if (comparison && swap)
            {
                // The vector element's value is the output even when the vector is on the right.
                value = e.Value;
            }

            if (b.ReturnBool)
            {
                value = keep ? 1 : 0;
                keep = true;
            }

            if (keep)
            {
                var labels = DropsName(b.Op) || b.ReturnBool ? _withoutName.Get(e.Labels) : e.Labels;
                result.Add(new VSample(labels, value, e.SampleTs));
            }
        }

        CheckUnique(result);
        return result;
    }

    /// <summary>
    /// The matching signature of <paramref name="b"/>'s operands, worked out once per series per query (a series'
    /// signature is the same at every step).
    /// </summary>
    private Func<LabelSet, LabelSet> Signature(BinaryExpr b) => NodeCache(b, Signature(b.Matching)).Get;

    private static Func<LabelSet, LabelSet> Signature(VectorMatching? m)
    {
        if (m is { On: true })
        {
            var on = m.MatchingLabels.ToArray();
            return l => LabelSet.From(on.Select(n => new Label(n, l.Get(n) ?? string.Empty)));
        }

        var ignoring = (m?.MatchingLabels ?? []).Append(LabelSet.MetricNameLabel).ToArray();
        return l => l.Without(ignoring);
    }

    private List<VSample> VectorVector(BinaryExpr b, List<VSample> lhs, List<VSample> rhs)
    {
        var card = b.Matching?.Card ?? VectorMatchCardinality.OneToOne;
        var sig = Signature(b);

        // Without group_left/group_right include labels the output labels depend only on the left series: worked out
        // once per series. With them they also depend on the matched right series: built for each match.
        var metricOf = b.Matching is { Include.Count: > 0 }
            ? null
            : NodeCache(b, ls => ResultMetric(ls, LabelSet.Empty, b.Op, b.Matching, card), slot: 1);
        if (card == VectorMatchCardinality.OneToMany)
        {
            (lhs, rhs) = (rhs, lhs);
        }

        var rightSigs = new Dictionary<LabelSet, VSample>();
        foreach (var rs in rhs)
        {
            var key = sig(rs.Labels);
            if (rightSigs.TryGetValue(key, out var dup))
            {
                var side = card == VectorMatchCardinality.OneToMany ? "left" : "right";
                throw new PromQlEvaluationException(
                    $"found duplicate series for the match group {key} on the {side} hand-side of the operation: [{rs.Labels}, {dup.Labels}];"
                    + "many-to-many matching not allowed: matching labels must be unique on one side");
            }

            rightSigs[key] = rs;
        }

        var matched = new Dictionary<LabelSet, HashSet<LabelSet>?>();
        var result = new List<VSample>();
        foreach (var ls in lhs)
        {
            var key = sig(ls.Labels);
            if (!rightSigs.TryGetValue(key, out var rs))
            {
                continue;
            }

            var (fl, fr) = card == VectorMatchCardinality.OneToMany ? (rs.Value, ls.Value) : (ls.Value, rs.Value);
            var (value, keep) = Apply(b.Op, fl, fr);
            if (b.ReturnBool)
            {
                value = keep ? 1 : 0;
            }
            else if (!keep)
            {
                continue;
            }

            var metric = metricOf is null ? ResultMetric(ls.Labels, rs.Labels, b.Op, b.Matching, card) : metricOf.Get(ls.Labels);
            if (b.ReturnBool)
            {
                metric = _withoutName.Get(metric);
            }

            if (card == VectorMatchCardinality.OneToOne)
            {
                if (!matched.TryAdd(key, null))
                {
                    throw new PromQlEvaluationException(
                        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
                }
            }
            else
            {
                if (!matched.TryGetValue(key, out var inserted) || inserted is null)
                {
                    inserted = [];
                    matched[key] = inserted;
                }

                if (!inserted.Add(metric))
                {
                    throw new PromQlEvaluationException("multiple matches for labels: grouping labels must ensure unique matches");
                }
            }

            result.Add(new VSample(metric, value, ls.SampleTs));
        }

        return result;
    }

    private static LabelSet ResultMetric(LabelSet lhs, LabelSet rhs, BinaryOp op, VectorMatching? m, VectorMatchCardinality card)
    {
        var labels = lhs.Labels.ToArray().ToList();
        if (DropsName(op))
        {
            labels.RemoveAll(l => l.Name == LabelSet.MetricNameLabel);
        }

        if (card == VectorMatchCardinality.OneToOne && m is not null)
        {
            if (m.On)
            {
                labels.RemoveAll(l => !m.MatchingLabels.Contains(l.Name));
            }
            else
            {
                labels.RemoveAll(l => m.MatchingLabels.Contains(l.Name));
            }
        }

        if (m is not null)
        {
            foreach (var name in m.Include)
            {
                labels.RemoveAll(l => l.Name == name);
                if (rhs.Get(name) is { } v)
                {
                    labels.Add(new Label(name, v));
                }
            }
        }

        return LabelSet.From(labels);
    }

    private List<VSample> SetOp(BinaryExpr b, List<VSample> lhs, List<VSample> rhs)
    {
        var sig = Signature(b);
        switch (b.Op)
        {
            case BinaryOp.And:
                {
                    var right = rhs.Select(r => sig(r.Labels)).ToHashSet();
                    return lhs.Where(l => right.Contains(sig(l.Labels))).ToList();
                }

            case BinaryOp.Or:
                {
                    var left = lhs.Select(l => sig(l.Labels)).ToHashSet();
                    var result = new List<VSample>(lhs);
                    result.AddRange(rhs.Where(r => !left.Contains(sig(r.Labels))));
                    return result;
                }

            default:
                {
                    var right = rhs.Select(r => sig(r.Labels)).ToHashSet();
                    return lhs.Where(l => !right.Contains(sig(l.Labels))).ToList();
                }
        }
    }
}
