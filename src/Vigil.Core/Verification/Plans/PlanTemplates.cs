using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.PromQl;
using Vigil.Core.Telemetry;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Core.Verification.Plans;

/// <summary>A <c>{{name}}</c> in a query template, at <paramref name="Index"/> (characters) with <paramref name="Length"/>.</summary>
/// <param name="Name">The text between the braces.</param>
/// <param name="Index">Zero-based offset of the opening braces.</param>
/// <param name="Length">Length including the braces.</param>
public sealed record PlanPlaceholder(string Name, int Index, int Length);

/// <summary>Placeholders of query templates (<see cref="PlanPlaceholders"/>): finding and filling them.</summary>
public static partial class PlanTemplates
{
    /// <summary>Values used to check that a template parses: any valid label value or duration would do.</summary>
    public static IReadOnlyDictionary<string, string> SampleValues(TimeSpan interval) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PlanPlaceholders.Service] = "checkout",
        [PlanPlaceholders.Version] = "1.4.2",
        [PlanPlaceholders.BaselineVersion] = "1.4.1",
        [PlanPlaceholders.Environment] = "production",
        [PlanPlaceholders.Interval] = Time.DurationParser.Format(interval),
    };

    /// <summary>Other values than <see cref="SampleValues"/>, to tell what in a query depends on a placeholder.</summary>
    public static IReadOnlyDictionary<string, string> OtherSampleValues(TimeSpan interval) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PlanPlaceholders.Service] = "cart",
        [PlanPlaceholders.Version] = "2.0.0",
        [PlanPlaceholders.BaselineVersion] = "1.9.9",
        [PlanPlaceholders.Environment] = "staging",
        [PlanPlaceholders.Interval] = Time.DurationParser.Format(interval),
    };

    /// <summary>Every <c>{{...}}</c> in <paramref name="template"/>, known or not.</summary>
    public static IReadOnlyList<PlanPlaceholder> Find(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return [.. PlaceholderPattern().Matches(template).Select(m => new PlanPlaceholder(m.Groups[1].Value, m.Index, m.Length))];
    }

    /// <summary>
    /// Fills the placeholders of <paramref name="template"/> from <paramref name="values"/> (one not in it becomes
    /// <paramref name="unknownValue"/>). <paramref name="sourceIndex"/> maps each character of the result (and one past
    /// its end) back to its offset in the template, so a PromQL error position points into the template.
    /// </summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values, out int[] sourceIndex, string unknownValue = "x")
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var sb = new StringBuilder(template.Length);
        var map = new List<int>(template.Length + 1);
        var at = 0;
        foreach (var placeholder in Find(template))
        {
            for (; at < placeholder.Index; at++)
            {
                sb.Append(template[at]);
                map.Add(at);
            }

            var value = values.TryGetValue(placeholder.Name, out var v) ? v : unknownValue;
            sb.Append(value);
            map.AddRange(Enumerable.Repeat(placeholder.Index, value.Length));
            at = placeholder.Index + placeholder.Length;
        }

        for (; at < template.Length; at++)
        {
            sb.Append(template[at]);
            map.Add(at);
        }

        map.Add(template.Length);
        sourceIndex = [.. map];
        return sb.ToString();
    }

    /// <summary>The metric names a query selects by name (<c>name{...}</c> or <c>{__name__="name"}</c>).</summary>
    public static IReadOnlySet<string> SelectedMetricNames(Expr expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Expr>();
        pending.Push(expr);
        while (pending.TryPop(out var e))
        {
            switch (e)
            {
                case VectorSelector vs:
                    foreach (var m in vs.Matchers)
                    {
                        if (m.Name == LabelSet.MetricNameLabel && m.Type == MatchType.Equal)
                        {
                            names.Add(m.Value);
                        }
                    }

                    break;
                case MatrixSelector ms: pending.Push(ms.Selector); break;
                case SubqueryExpr sq: pending.Push(sq.Expr); break;
                case Call call: call.Args.ToList().ForEach(pending.Push); break;
                case AggregateExpr agg:
                    pending.Push(agg.Expr);
                    if (agg.Parameter is not null)
                    {
                        pending.Push(agg.Parameter);
                    }

                    break;
                case BinaryExpr bin:
                    pending.Push(bin.Lhs);
                    pending.Push(bin.Rhs);
                    break;
                case UnaryExpr u: pending.Push(u.Expr); break;
                case ParenExpr p: pending.Push(p.Expr); break;
            }
        }

        return names;
    }

    [GeneratedRegex(@"\{\{(.*?)\}\}", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex PlaceholderPattern();
}
