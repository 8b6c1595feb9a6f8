using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>Function calls.</summary>
internal sealed partial class Evaluator
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    private object EvalCall(Call c, long t)
    {
        var args = c.Args;
        switch (c.Function)
        {
            case "time":
                return new ScalarValue(t / 1000.0);
            case "vector":
                return new List<VSample> { new(LabelSet.Empty, EvalScalar(args[0], t), t) };
            case "scalar":
                {
                    var v = EvalVector(args[0], t);
                    return new ScalarValue(v.Count == 1 ? v[0].Value : double.NaN);
                }

            case "rate":
                return RangeFunc(c, t, (s, rangeMs, refT) => ExtrapolatedRate(s, rangeMs, refT, isCounter: true, isRate: true));
            case "increase":
                return RangeFunc(c, t, (s, rangeMs, refT) => ExtrapolatedRate(s, rangeMs, refT, isCounter: true, isRate: false));
            case "delta":
                return RangeFunc(c, t, (s, rangeMs, refT) => ExtrapolatedRate(s, rangeMs, refT, isCounter: false, isRate: false));
            case "irate":
                return RangeFunc(c, t, (s, _, _) => InstantValue(s, isRate: true));
            case "idelta":
                return RangeFunc(c, t, (s, _, _) => InstantValue(s, isRate: false));
            case "deriv":
                return RangeFunc(c, t, (s, _, _) => s.Length < 2 ? null : LinearRegression(s, s[0].TimestampMs).Slope);
            case "predict_linear":
                {
                    if (_start != _end && Unwrap(args[0]) is MatrixSelector { Selector.At: not null } or SubqueryExpr { At: not null })
                    {
                        // Prometheus evaluates this step-invariant call once at the query start; not reproduced yet.
                        throw new PromQlEvaluationException("unsupported: predict_linear over an @ modifier in a range query");
                    }

                    var seconds = EvalScalar(args[1], t);
                    return RangeFunc(c, t, (s, _, _) =>
                    {
                        if (s.Length < 2)
                        {
                            return null;
                        }

                        var (slope, intercept) = LinearRegression(s, t);
                        return (slope * seconds) + intercept;
                    });
                }

            case "resets":
                return RangeFunc(c, t, (s, _, _) =>
                {
                    var n = 0;
                    for (var i = 1; i < s.Length; i++)
                    {
                        n += s[i].Value < s[i - 1].Value ? 1 : 0;
                    }

                    return n;
                });
            case "changes":
                return RangeFunc(c, t, (s, _, _) =>
                {
                    var n = 0;
                    for (var i = 1; i < s.Length; i++)
                    {
                        var (cur, prev) = (s[i].Value, s[i - 1].Value);
                        n += cur != prev && !(double.IsNaN(cur) && double.IsNaN(prev)) ? 1 : 0;
                    }

                    return n;
                });
            case "avg_over_time":
                return RangeFunc(c, t, (s, _, _) => Mean(ValuesOf(s)));
            case "sum_over_time":
                return RangeFunc(c, t, (s, _, _) => KahanSum(ValuesOf(s)));
            case "min_over_time":
                return RangeFunc(c, t, (s, _, _) => MinOf(ValuesOf(s)));
            case "max_over_time":
                return RangeFunc(c, t, (s, _, _) => MaxOf(ValuesOf(s)));
            case "count_over_time":
                return RangeFunc(c, t, (s, _, _) => s.Length);
            case "stdvar_over_time":
                return RangeFunc(c, t, (s, _, _) => Variance(ValuesOf(s)));
            case "stddev_over_time":
                return RangeFunc(c, t, (s, _, _) => Math.Sqrt(Variance(ValuesOf(s))));
            case "last_over_time":
                return RangeFunc(c, t, (s, _, _) => s[^1].Value, dropName: false);
            case "present_over_time":
                return RangeFunc(c, t, (s, _, _) => 1);
            case "quantile_over_time":
                {
                    var q = EvalScalar(args[0], t);
                    return RangeFunc(c, t, (s, _, _) => Quantile(q, ValuesOf(s)), matrixArg: 1);
                }

            case "absent_over_time":
                return EvalMatrix(args[0], t).Count > 0 ? new List<VSample>() : Absent(args[0], t);
            case "absent":
                return EvalVector(args[0], t).Count > 0 ? new List<VSample>() : Absent(args[0], t);
            case "abs":
                return Simple(args, t, Math.Abs);
            case "ceil":
                return Simple(args, t, Math.Ceiling);
            case "floor":
                return Simple(args, t, Math.Floor);
            case "exp":
                return Simple(args, t, Math.Exp);
            case "sqrt":
                return Simple(args, t, Math.Sqrt);
            case "ln":
                return Simple(args, t, Math.Log);
            case "log2":
                return Simple(args, t, Math.Log2);
            case "log10":
                return Simple(args, t, Math.Log10);
            case "sin":
                return Simple(args, t, Math.Sin);
            case "cos":
                return Simple(args, t, Math.Cos);
            case "tan":
                return Simple(args, t, Math.Tan);
            case "asin":
                return Simple(args, t, Math.Asin);
            case "acos":
                return Simple(args, t, Math.Acos);
            case "atan":
                return Simple(args, t, Math.Atan);
            case "sinh":
                return Simple(args, t, Math.Sinh);
            case "cosh":
                return Simple(args, t, Math.Cosh);
            case "tanh":
                return Simple(args, t, Math.Tanh);
            case "asinh":
                return Simple(args, t, Math.Asinh);
            case "acosh":
                return Simple(args, t, Math.Acosh);
            case "atanh":
                return Simple(args, t, Math.Atanh);
            case "deg":
                return Simple(args, t, v => v * 180 / Math.PI);
            case "rad":
                return Simple(args, t, v => v * Math.PI / 180);
            case "pi":
                return new ScalarValue(Math.PI);
            case "sgn":
                return Simple(args, t, v => double.IsNaN(v) ? v : Math.Sign(v));
            case "round":
                {
                    var toNearest = args.Count > 1 ? EvalScalar(args[1], t) : 1;
                    var inverse = 1 / toNearest;
                    return Simple(args, t, v => Math.Floor((v * inverse) + 0.5) / inverse);
                }

            case "clamp":
                {
                    var min = EvalScalar(args[1], t);
                    var max = EvalScalar(args[2], t);
                    return max < min ? new List<VSample>() : Simple(args, t, v => GoMax(min, GoMin(max, v)));
                }

            case "clamp_min":
                {
                    var min = EvalScalar(args[1], t);
                    return Simple(args, t, v => GoMax(min, v));
                }

            case "clamp_max":
                {
                    var max = EvalScalar(args[1], t);
                    return Simple(args, t, v => GoMin(max, v));
                }

            case "timestamp":
                {
                    // Only a plain selector reports its samples' own times; anything computed is stamped with t.
                    var raw = Unwrap(args[0]) is VectorSelector;
                    var v = EvalVector(args[0], t);
                    return Checked(v.Select(e => new VSample(DropName(e.Labels), (raw ? e.SampleTs : t) / 1000.0, t)).ToList());
                }

            case "sort":
                return EvalVector(args[0], t).OrderBy(e => double.IsNaN(e.Value) ? 1 : 0).ThenBy(e => e.Value).ToList();
            case "sort_desc":
                return EvalVector(args[0], t).OrderBy(e => double.IsNaN(e.Value) ? 1 : 0).ThenByDescending(e => e.Value).ToList();
            case "label_replace":
                return LabelReplace(args, t);
            case "label_join":
                return LabelJoin(args, t);
            case "histogram_quantile":
                return HistogramQuantile(c, t);
            case "day_of_month":
                return DateFunc(args, t, d => d.Day);
            case "day_of_week":
                return DateFunc(args, t, d => d.DayOfWeek);
            case "day_of_year":
                return DateFunc(args, t, d => d.DayOfYear);
            case "days_in_month":
                return DateFunc(args, t, d => d.DaysInMonth);
            case "hour":
                return DateFunc(args, t, d => d.Hour);
            case "minute":
                return DateFunc(args, t, d => d.Minute);
            case "month":
                return DateFunc(args, t, d => d.Month);
            case "year":
                return DateFunc(args, t, d => d.Year);
            default:
                throw new PromQlEvaluationException("unsupported: function " + c.Function);
        }
    }

    // Go's math.Max/Min: an infinity in the direction asked wins even over NaN; otherwise NaN wins.
    private static double GoMax(double a, double b) =>
        double.IsPositiveInfinity(a) || double.IsPositiveInfinity(b) ? double.PositiveInfinity
        : double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);

    private static double GoMin(double a, double b) =>
        double.IsNegativeInfinity(a) || double.IsNegativeInfinity(b) ? double.NegativeInfinity
        : double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Min(a, b);

    private static List<VSample> Checked(List<VSample> v)
    {
        CheckUnique(v);
        return v;
    }

    private List<VSample> Simple(IReadOnlyList<Expr> args, long t, Func<double, double> f) =>
        Checked(EvalVector(args[0], t).Select(e => new VSample(_withoutName.Get(e.Labels), f(e.Value), e.SampleTs)).ToList());

    private List<VSample> DateFunc(IReadOnlyList<Expr> args, long t, Func<CivilTime, double> f)
    {
        var input = args.Count == 0 ? [new VSample(LabelSet.Empty, t / 1000.0, t)] : EvalVector(args[0], t);
        var result = new List<VSample>(input.Count);
        foreach (var e in input)
        {
            // Go's time.Unix(int64(v), 0) covers every int64 second; NaN, infinities and values beyond int64 have no
            // date (Go's conversion of them depends on the CPU), so they give NaN.
            if (double.IsNaN(e.Value) || Math.Abs(e.Value) >= 9.2e18)
            {
                result.Add(new VSample(DropName(e.Labels), double.NaN, e.SampleTs));
                continue;
            }

            result.Add(new VSample(DropName(e.Labels), f(CivilTime.FromUnixSeconds((long)e.Value)), e.SampleTs));
        }

        return Checked(result);
    }

    /// <summary>
    /// Applies a range function to every series of its range-vector argument at <paramref name="t"/>. Over a range
    /// selector (the common case) the windows are read straight from the prefetched samples, with no range vector built.
    /// </summary>
    private List<VSample> RangeFunc(Call c, long t, WindowFunction f, bool dropName = true, int matrixArg = 0)
    {
        var arg = Unwrap(c.Args[matrixArg]);
        switch (arg)
        {
            case MatrixSelector ms:
                {
                    var rangeMs = (long)ms.Range.TotalMilliseconds;
                    var refT = RefTime(ms.Selector, t);
                    var series = _data[ms.Selector];
                    var hints = WindowHints(ms.Selector);
                    var result = new List<VSample>(series.Count);
                    for (var i = 0; i < series.Count; i++)
                    {
                        var s = series[i];
                        var window = Window(s.Samples, refT, rangeMs, hints.AsSpan(2 * i, 2));
                        if (window.Count > 0 && f(window, rangeMs, refT) is { } value)
                        {
                            result.Add(new VSample(dropName ? _withoutName.Get(s.Labels) : s.Labels, value, t));
                        }
                    }

                    // When the output labels of all the selector's series are distinct, so are those of any step.
                    return DistinctOutputLabels(ms.Selector, dropName) ? result : Checked(result);
                }

            case SubqueryExpr sq:
                {
                    var rangeMs = (long)sq.Range.TotalMilliseconds;
                    var refT = SubqueryRefTime(sq, t);
                    var result = new List<VSample>();
                    foreach (var s in EvalSubquery(sq, t))
                    {
                        if (f(s.Samples, rangeMs, refT) is { } value)
                        {
                            result.Add(new VSample(dropName ? _withoutName.Get(s.Labels) : s.Labels, value, t));
                        }
                    }

                    return Checked(result);
                }

            default:
                throw new PromQlEvaluationException($"unsupported: {c.Function} over {arg}");
        }
    }

    /// <summary>
    /// Whether the output labels of a range function over <paramref name="vs"/> (its series' labels, without
    /// <c>__name__</c> when <paramref name="dropName"/>) are distinct across all the series fetched for it; worked
    /// out once per query.
    /// </summary>
    private bool DistinctOutputLabels(VectorSelector vs, bool dropName)
    {
        var key = (vs, dropName ? 1 : 0);
        if (!_distinctOutputs.TryGetValue(key, out var distinct))
        {
            var seen = new HashSet<LabelSet>();
            distinct = true;
            foreach (var s in _data[vs])
            {
                distinct &= seen.Add(dropName ? _withoutName.Get(s.Labels) : s.Labels);
            }

            _distinctOutputs[key] = distinct;
        }

        return distinct;
    }

    /// <summary>Prometheus's extrapolatedRate for rate, increase and delta.</summary>
    private static double? ExtrapolatedRate(ReadOnlySpan<Sample> samples, long rangeMs, long refT, bool isCounter, bool isRate)
    {
        if (samples.Length < 2)
        {
            return null;
        }

        var rangeSeconds = rangeMs / 1000.0;
        var rangeStart = refT - rangeMs;
        var rangeEnd = refT;
        var result = samples[^1].Value - samples[0].Value;
        if (isCounter)
        {
            var prev = samples[0].Value;
            for (var i = 1; i < samples.Length; i++)
            {
                if (samples[i].Value < prev)
                {
                    result += prev;
                }

                prev = samples[i].Value;
            }
        }

        var durationToStart = (samples[0].TimestampMs - rangeStart) / 1000.0;
        var durationToEnd = (rangeEnd - samples[^1].TimestampMs) / 1000.0;
        var sampledInterval = (samples[^1].TimestampMs - samples[0].TimestampMs) / 1000.0;
        var averageBetween = sampledInterval / (samples.Length - 1);
        var threshold = averageBetween * 1.1;
        if (durationToStart >= threshold)
        {
            durationToStart = averageBetween / 2;
        }

        if (isCounter && result > 0 && samples[0].Value >= 0)
        {
            // A counter cannot go below zero: do not extrapolate further back than where it would have been zero.
            var durationToZero = sampledInterval * (samples[0].Value / result);
            if (durationToZero < durationToStart)
            {
                durationToStart = durationToZero;
            }
        }

        if (durationToEnd >= threshold)
        {
            durationToEnd = averageBetween / 2;
        }

        var factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        if (isRate)
        {
            factor /= rangeSeconds;
        }

        return result * factor;
    }

    private static double? InstantValue(ReadOnlySpan<Sample> samples, bool isRate)
    {
        if (samples.Length < 2)
        {
            return null;
        }

        var last = samples[^1];
        var previous = samples[^2];
        var value = isRate && last.Value < previous.Value ? last.Value : last.Value - previous.Value;
        var interval = last.TimestampMs - previous.TimestampMs;
        if (interval == 0)
        {
            return null;
        }

        return isRate ? value / (interval / 1000.0) : value;
    }

    /// <summary>Prometheus's linearRegression: least squares with x in seconds relative to <paramref name="interceptTime"/>.</summary>
    private static (double Slope, double Intercept) LinearRegression(ReadOnlySpan<Sample> samples, long interceptTime)
    {
        double n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
        var initY = samples[0].Value;
        var constY = true;
        for (var i = 0; i < samples.Length; i++)
        {
            var s = samples[i];
            if (constY && i > 0 && s.Value != initY)
            {
                constY = false;
            }

            n += 1;
            var x = (s.TimestampMs - interceptTime) / 1e3;
            (sumX, cX) = KahanSumInc(x, sumX, cX);
            (sumY, cY) = KahanSumInc(s.Value, sumY, cY);
            (sumXY, cXY) = KahanSumInc(x * s.Value, sumXY, cXY);
            (sumX2, cX2) = KahanSumInc(x * x, sumX2, cX2);
        }

        if (constY)
        {
            return double.IsInfinity(initY) ? (double.NaN, double.NaN) : (0, initY);
        }

        sumX += cX;
        sumY += cY;
        sumXY += cXY;
        sumX2 += cX2;
        var covXY = sumXY - (sumX * sumY / n);
        var varX = sumX2 - (sumX * sumX / n);
        var slope = covXY / varX;
        var intercept = (sumY / n) - (slope * sumX / n);
        return (slope, intercept);
    }

    private static List<VSample> Absent(Expr arg, long t)
    {
        var selector = arg switch
        {
            VectorSelector vs => vs,
            MatrixSelector ms => ms.Selector,
            _ => null,
        };
        var labels = new List<Label>();
        if (selector is not null)
        {
            var repeated = selector.Matchers.GroupBy(m => m.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            foreach (var m in selector.Matchers)
            {
                if (m.Type == Telemetry.MatchType.Equal && m.Name != LabelSet.MetricNameLabel && !repeated.Contains(m.Name))
                {
                    labels.Add(new Label(m.Name, m.Value));
                }
            }
        }

        return [new VSample(LabelSet.From(labels), 1, t)];
    }

    private List<VSample> LabelReplace(IReadOnlyList<Expr> args, long t)
    {
        var dst = ((StringValue)Eval(args[1], t)).Value;
        var replacement = ((StringValue)Eval(args[2], t)).Value;
        var src = ((StringValue)Eval(args[3], t)).Value;
        var pattern = ((StringValue)Eval(args[4], t)).Value;
        Regex regex;
        IReadOnlyList<string?> groupNames;
        try
        {
            regex = GoRegex.CompileAnchored(pattern, RegexTimeout, out groupNames);
        }
        catch (ArgumentException)
        {
            throw new PromQlEvaluationException($"invalid regular expression in label_replace(): {pattern}");
        }

        if (!LabelNamePattern.IsMatch(dst) && dst != LabelSet.MetricNameLabel)
        {
            throw new PromQlEvaluationException($"invalid destination label name in label_replace(): {dst}");
        }

        var result = new List<VSample>();
        foreach (var e in EvalVector(args[0], t))
        {
            var match = regex.Match(e.Labels.Get(src) ?? string.Empty);
            var labels = match.Success ? SetLabel(e.Labels, dst, ExpandGo(replacement, match, groupNames)) : e.Labels;
            result.Add(new VSample(labels, e.Value, e.SampleTs));
        }

        return Checked(result);
    }

    /// <summary>
    /// Go's Regexp.ExpandString: <c>$1</c>, <c>${1}</c>, <c>$name</c>, <c>$$</c>; a name is the longest word, and a
    /// number or name that is not a group gives nothing. <paramref name="groupNames"/> names each group (1-based
    /// group i at index i - 1), numbered left to right as Go does.
    /// </summary>
    private static string ExpandGo(string template, Match match, IReadOnlyList<string?> groupNames)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '$' || i + 1 >= template.Length)
            {
                sb.Append(template[i]);
                continue;
            }

            if (template[i + 1] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }

            string name;
            if (template[i + 1] == '{')
            {
                var close = template.IndexOf('}', i + 2);
                if (close < 0)
                {
                    sb.Append('$');
                    continue;
                }

                name = template[(i + 2)..close];
                i = close;
            }
            else
            {
                var j = i + 1;
                while (j < template.Length && (char.IsAsciiLetterOrDigit(template[j]) || template[j] == '_'))
                {
                    j++;
                }

                if (j == i + 1)
                {
                    sb.Append('$');
                    continue;
                }

                name = template[(i + 1)..j];
                i = j - 1;
            }

            var isNumber = int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number);
            var group = isNumber ? number : IndexOfName(groupNames, name) + 1;
            if ((isNumber || group > 0) && group <= groupNames.Count && match.Groups[group].Success)
            {
                sb.Append(match.Groups[group].Value);
            }
        }

        return sb.ToString();
    }

    private static int IndexOfName(IReadOnlyList<string?> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Sets a label, or removes it when the value is empty, as Prometheus's label builder does.</summary>
    private static LabelSet SetLabel(LabelSet labels, string name, string value) =>
        value.Length == 0 ? labels.Without(name) : labels.With(name, value);

    private List<VSample> LabelJoin(IReadOnlyList<Expr> args, long t)
    {
        var dst = ((StringValue)Eval(args[1], t)).Value;
        var sep = ((StringValue)Eval(args[2], t)).Value;
        var srcs = args.Skip(3).Select(a => ((StringValue)Eval(a, t)).Value).ToList();
        if (!LabelNamePattern.IsMatch(dst) && dst != LabelSet.MetricNameLabel)
        {
            throw new PromQlEvaluationException($"invalid destination label name in label_join(): {dst}");
        }

        var result = new List<VSample>();
        foreach (var e in EvalVector(args[0], t))
        {
            var joined = string.Join(sep, srcs.Select(s => e.Labels.Get(s) ?? string.Empty));
            result.Add(new VSample(SetLabel(e.Labels, dst, joined), e.Value, e.SampleTs));
        }

        return Checked(result);
    }

    private List<VSample> HistogramQuantile(Call c, long t)
    {
        var q = EvalScalar(c.Args[0], t);

        // A bucket series' histogram and upper bound are the same at every step: worked out once per series.
        var bucketOf = NodeCache(c, static labels =>
        {
            var le = labels.Get("le");
            return le is not null && TryParseGoFloat(le, out var upper)
                ? (Key: labels.Without("le", LabelSet.MetricNameLabel), UpperBound: upper)
                : (Key: null, UpperBound: double.NaN);
        });
        var groups = new Dictionary<LabelSet, List<(double UpperBound, double Count)>>();
        var order = new List<LabelSet>();
        foreach (var e in EvalVector(c.Args[1], t))
        {
            var (key, upper) = bucketOf.Get(e.Labels);
            if (key is null)
            {
                continue;
            }

            if (!groups.TryGetValue(key, out var buckets))
            {
                buckets = [];
                groups[key] = buckets;
                order.Add(key);
            }

            buckets.Add((upper, e.Value));
        }

        return order.Select(k => new VSample(k, BucketQuantile(q, groups[k]), t)).ToList();
    }

    private static bool TryParseGoFloat(string s, out double value)
    {
        switch (s.ToLowerInvariant())
        {
            case "+inf" or "inf" or "+infinity" or "infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
            case "nan":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);
        }
    }

    /// <summary>Prometheus's BucketQuantile over classic buckets, with its monotonicity fix.</summary>
    internal static double BucketQuantile(double q, List<(double UpperBound, double Count)> input)
    {
        if (double.IsNaN(q))
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

        var sorted = input.OrderBy(b => b.UpperBound).ToList();
        if (sorted.Count == 0 || !double.IsPositiveInfinity(sorted[^1].UpperBound))
        {
            return double.NaN;
        }

        // Coalesce buckets with the same upper bound.
        var buckets = new List<(double UpperBound, double Count)>();
        foreach (var b in sorted)
        {
            if (buckets.Count > 0 && buckets[^1].UpperBound == b.UpperBound)
            {
                buckets[^1] = (b.UpperBound, buckets[^1].Count + b.Count);
            }
            else
            {
                buckets.Add(b);
            }
        }

        EnsureMonotonic(buckets, 1e-12);
        if (buckets.Count < 2)
        {
            return double.NaN;
        }

        var observations = buckets[^1].Count;
        if (observations == 0)
        {
            return double.NaN;
        }

        var rank = q * observations;
        var idx = 0;
        while (idx < buckets.Count - 1 && !(buckets[idx].Count >= rank))
        {
            idx++;
        }

        if (idx == buckets.Count - 1)
        {
            return buckets[^2].UpperBound;
        }

        if (idx == 0 && buckets[0].UpperBound <= 0)
        {
            return buckets[0].UpperBound;
        }

        double bucketStart = 0;
        var bucketEnd = buckets[idx].UpperBound;
        var count = buckets[idx].Count;
        if (idx > 0)
        {
            bucketStart = buckets[idx - 1].UpperBound;
            count -= buckets[idx - 1].Count;
            rank -= buckets[idx - 1].Count;
        }

        return bucketStart + ((bucketEnd - bucketStart) * (rank / count));
    }

    private static void EnsureMonotonic(List<(double UpperBound, double Count)> buckets, double tolerance)
    {
        var prev = buckets[0].Count;
        for (var i = 1; i < buckets.Count; i++)
        {
            var curr = buckets[i].Count;
            if (curr == prev)
            {
                continue;
            }

            if (AlmostEqual(prev, curr, tolerance) || curr < prev)
            {
                buckets[i] = (buckets[i].UpperBound, prev);
                continue;
            }

            prev = curr;
        }
    }

    /// <summary>Prometheus's almost.Equal: relative tolerance, with a floor near zero.</summary>
    private static bool AlmostEqual(double a, double b, double epsilon)
    {
        const double minNormal = 2.2250738585072014e-308;
        if (a == b)
        {
            return true;
        }

        var absSum = Math.Abs(a) + Math.Abs(b);
        var diff = Math.Abs(a - b);
        if (a == 0 || b == 0 || absSum < minNormal)
        {
            return diff < epsilon * minNormal;
        }

        return diff / Math.Min(absSum, double.MaxValue) < epsilon;
    }
}
