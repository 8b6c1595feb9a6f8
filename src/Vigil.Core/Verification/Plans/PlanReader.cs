using System.Text.RegularExpressions;
using Vigil.Core.Declarative;
using Vigil.Core.PromQl;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Verification.Plans;

/// <summary>Reads one <c>VerificationPlan</c> document into a plan, reporting every problem with its position.</summary>
internal sealed partial class PlanReader(YamlFields fields, DeclarativeValidationContext context)
{
    private static readonly string[] RootKeys = ["apiVersion", "kind", "metadata", "spec"];
    private static readonly string[] MetadataKeys = ["name"];

    private static readonly string[] SpecKeys =
    [
        "services", "mode", "baselineVersion", "interval", "duration", "minimumIntervals", "minimumRequests", "passThreshold",
        "marginalThreshold", "falseFailRate", "metrics",
    ];

    private static readonly string[] MetricKeys =
        ["name", "kind", "direction", "query", "totalQuery", "quantile", "critical", "allowedEffect", "group", "weight", "limit"];

    private static readonly string[] MetricRequired = ["name", "kind", "direction", "query"];

    private const int MaxServices = 100;
    private const int MaxServiceLength = 200;

    public VerificationPlan? Read(YamlNode root)
    {
        if (fields.Mapping(root, string.Empty, RootKeys, RootKeys) is not { } top)
        {
            return null;
        }

        fields.Header(top, VerificationPlanYaml.Kind);

        string? name = null;
        if (top.TryGetValue("metadata", out var metadata) && fields.Mapping(metadata.Value, "metadata", MetadataKeys, MetadataKeys) is { } meta
            && meta.TryGetValue("name", out var nameNode))
        {
            name = Name(nameNode.Value, "metadata.name");
        }

        if (!top.TryGetValue("spec", out var specNode) || fields.Mapping(specNode.Value, "spec", SpecKeys, ["metrics"]) is not { } spec)
        {
            return null;
        }

        var services = Services(spec);
        var mode = ComparisonMode.Canary;
        if (spec.TryGetValue("mode", out var modeNode) && fields.String(modeNode.Value, "spec.mode") is { } modeText)
        {
            if (!PlanEnums.TryParse(modeText, out mode))
            {
                fields.Error(modeNode.Value, "spec.mode", $"unknown mode '{modeText}' (known: {string.Join(", ", PlanEnums.ModeNames)})");
            }
        }

        string? baseline = null;
        if (spec.TryGetValue("baselineVersion", out var baselineNode) && fields.String(baselineNode.Value, "spec.baselineVersion") is { } b)
        {
            baseline = b;
            if (mode == ComparisonMode.BeforeAfter)
            {
                fields.Error(baselineNode.Key, "spec.baselineVersion", "applies only to mode canary (before-after compares the release with the window before it)");
            }
        }

        var interval = DefaultVerificationPlan.Plan.Interval;
        var intervalOk = true;
        if (spec.TryGetValue("interval", out var intervalNode))
        {
            intervalOk = false;
            if (fields.Duration(intervalNode.Value, "spec.interval") is { } i)
            {
                if (i < VerificationPlanYaml.MinInterval)
                {
                    fields.Error(intervalNode.Value, "spec.interval", $"must be at least {Time.DurationParser.Format(VerificationPlanYaml.MinInterval)}");
                }
                else if (i > VerificationPlanYaml.MaxDuration)
                {
                    fields.Error(intervalNode.Value, "spec.interval", $"must be at most {Time.DurationParser.Format(VerificationPlanYaml.MaxDuration)}");
                }
                else
                {
                    interval = i;
                    intervalOk = true;
                }
            }
        }

        var duration = DefaultVerificationPlan.Plan.Duration;
        if (spec.TryGetValue("duration", out var durationNode))
        {
            if (fields.Duration(durationNode.Value, "spec.duration") is { } d)
            {
                duration = d;
                if (d > VerificationPlanYaml.MaxDuration)
                {
                    fields.Error(durationNode.Value, "spec.duration", $"must be at most {Time.DurationParser.Format(VerificationPlanYaml.MaxDuration)}");
                }
                else if (intervalOk && d < interval)
                {
                    fields.Error(durationNode.Value, "spec.duration", $"{Time.DurationParser.Format(d)} is shorter than the interval {Time.DurationParser.Format(interval)}");
                }
                else if (intervalOk && d.Ticks / interval.Ticks > VerificationPlanYaml.MaxLooks)
                {
                    fields.Error(durationNode.Value, "spec.duration", $"duration / interval must be at most {VerificationPlanYaml.MaxLooks} looks, not {d.Ticks / interval.Ticks}");
                }
            }
        }
        else if (intervalOk && duration < interval)
        {
            fields.Error(specNode.Value, "spec", $"the interval {Time.DurationParser.Format(interval)} is longer than the default duration {Time.DurationParser.Format(duration)}; set duration");
        }

        var minimumIntervals = (int)(IntegerAtLeast(spec, "minimumIntervals", 1, VerificationPlanYaml.MaxLooks) ?? 3);
        var minimumRequests = IntegerAtLeast(spec, "minimumRequests", 1, long.MaxValue) ?? 100;
        var pass = NumberIn(spec, "passThreshold", 0, 100, "0 to 100") ?? 95;
        var marginal = NumberIn(spec, "marginalThreshold", 0, 100, "0 to 100") ?? 75;
        if (marginal > pass)
        {
            var node = spec.TryGetValue("marginalThreshold", out var m) ? m.Value : spec.TryGetValue("passThreshold", out var p) ? p.Value : specNode.Value;
            fields.Error(node, "spec.marginalThreshold", $"{Format(marginal)} is above passThreshold {Format(pass)} (need 0 <= marginalThreshold <= passThreshold <= 100)");
        }

        var falseFailRate = 0.01;
        if (spec.TryGetValue("falseFailRate", out var ffr) && fields.Number(ffr.Value, "spec.falseFailRate") is { } rate)
        {
            falseFailRate = rate;
            if (rate is <= 0 or > 0.2)
            {
                fields.Error(ffr.Value, "spec.falseFailRate", $"{Format(rate)} is out of range (0 < falseFailRate <= 0.2; 0.01 is a 1% chance of a false Fail per verdict)");
            }
        }

        var metrics = spec.TryGetValue("metrics", out var metricsNode) ? Metrics(metricsNode.Value, interval) : null;
        return name is null || metrics is null
            ? null
            : new VerificationPlan(name, services, mode, interval, duration, metrics, minimumIntervals, minimumRequests, pass, marginal, falseFailRate, baseline);
    }

    private List<string> Services(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> spec)
    {
        var services = new List<string>();
        if (!spec.TryGetValue("services", out var node) || fields.Sequence(node.Value, "spec.services") is not { } items)
        {
            return services;
        }

        if (items.Count > MaxServices)
        {
            fields.Error(node.Value, "spec.services", $"at most {MaxServices} services");
        }

        for (var i = 0; i < items.Count; i++)
        {
            var path = $"spec.services[{i}]";
            if (fields.String(items[i], path) is not { } service)
            {
                continue;
            }

            if (service.Length > MaxServiceLength || service.Any(char.IsControl))
            {
                fields.Error(items[i], path, $"a service name is 1 to {MaxServiceLength} characters without control characters");
            }
            else if (services.Contains(service, StringComparer.Ordinal))
            {
                fields.Error(items[i], path, $"service '{service}' is listed twice");
            }
            else
            {
                services.Add(service);
            }
        }

        return services;
    }

    private List<PlanMetric>? Metrics(YamlNode node, TimeSpan interval)
    {
        if (fields.Sequence(node, "spec.metrics") is not { } items)
        {
            return null;
        }

        if (items.Count == 0)
        {
            fields.Error(node, "spec.metrics", "a plan needs at least one metric");
            return null;
        }

        if (items.Count > VerificationPlanYaml.MaxMetrics)
        {
            fields.Error(node, "spec.metrics", $"at most {VerificationPlanYaml.MaxMetrics} metrics");
            return null;
        }

        var metrics = new List<PlanMetric>();
        var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var metric = Metric(items[i], $"spec.metrics[{i}]", interval, names);
            if (metric is null)
            {
                ok = false;
            }
            else
            {
                metrics.Add(metric);
            }
        }

        if (ok && metrics.All(m => m.Weight == 0))
        {
            fields.Error(node, "spec.metrics", "every metric has weight 0, so there would be no score: give at least one metric a weight above 0");
            return null;
        }

        return ok ? metrics : null;
    }

    private PlanMetric? Metric(YamlNode node, string path, TimeSpan interval, Dictionary<string, YamlNode> names)
    {
        if (fields.Mapping(node, path, MetricKeys, MetricRequired) is not { } m)
        {
            return null;
        }

        var before = fields.Errors.Count;
        string? name = null;
        if (m.TryGetValue("name", out var nameNode) && Name(nameNode.Value, path + ".name") is { } n)
        {
            if (names.TryGetValue(n, out var first))
            {
                fields.Error(nameNode.Value, path + ".name", $"duplicate metric name '{n}' (first at line {first.Start.Line + fields.LineOffset})");
            }
            else
            {
                names[n] = nameNode.Value;
                name = n;
            }
        }

        MetricKind? kind = null;
        if (m.TryGetValue("kind", out var kindNode) && fields.String(kindNode.Value, path + ".kind") is { } kindText)
        {
            if (PlanEnums.TryParse(kindText, out MetricKind k))
            {
                kind = k;
            }
            else
            {
                fields.Error(kindNode.Value, path + ".kind", $"unknown metric kind '{kindText}' (known: {string.Join(", ", PlanEnums.KindNames)})");
            }
        }

        var direction = MetricDirection.Increase;
        if (m.TryGetValue("direction", out var directionNode) && fields.String(directionNode.Value, path + ".direction") is { } directionText
            && !PlanEnums.TryParse(directionText, out direction))
        {
            fields.Error(directionNode.Value, path + ".direction", $"unknown direction '{directionText}' (known: {string.Join(", ", PlanEnums.DirectionNames)})");
        }

        string? query = null;
        if (m.TryGetValue("query", out var queryNode) && fields.String(queryNode.Value, path + ".query") is { } q)
        {
            query = q;
            if (kind is { } kd)
            {
                CheckQuery((YamlScalarNode)queryNode.Value, path + ".query", q, kd, interval);
            }
        }

        string? totalQuery = null;
        if (m.TryGetValue("totalQuery", out var totalNode))
        {
            if (kind is { } kd && kd != MetricKind.CountRatio)
            {
                fields.Error(totalNode.Key, path + ".totalQuery", $"applies only to kind count-ratio, not {PlanEnums.Format(kd)}");
            }
            else if (fields.String(totalNode.Value, path + ".totalQuery") is { } t)
            {
                totalQuery = t;
                if (kind is not null)
                {
                    CheckQuery((YamlScalarNode)totalNode.Value, path + ".totalQuery", t, MetricKind.CountRatio, interval);
                }
            }
        }
        else if (kind == MetricKind.CountRatio)
        {
            fields.Error(node, path, "'totalQuery' is required for kind count-ratio (the request count the events are divided by)");
        }

        double? quantile = null;
        if (m.TryGetValue("quantile", out var quantileNode))
        {
            if (kind is { } kd && kd != MetricKind.LatencyHistogram)
            {
                fields.Error(quantileNode.Key, path + ".quantile", $"applies only to kind latency-histogram, not {PlanEnums.Format(kd)}");
            }
            else if (fields.Number(quantileNode.Value, path + ".quantile") is { } qv)
            {
                quantile = qv;
                if (qv is <= 0 or >= 1)
                {
                    fields.Error(quantileNode.Value, path + ".quantile", $"{Format(qv)} is out of range (0 < quantile < 1, such as 0.95)");
                }
            }
        }
        else if (kind == MetricKind.LatencyHistogram)
        {
            fields.Error(node, path, "'quantile' is required for kind latency-histogram (such as 0.95)");
        }

        var critical = m.TryGetValue("critical", out var criticalNode) && fields.Bool(criticalNode.Value, path + ".critical") == true;
        var allowedEffect = 0.1;
        if (m.TryGetValue("allowedEffect", out var effectNode) && fields.Number(effectNode.Value, path + ".allowedEffect") is { } effect)
        {
            allowedEffect = effect;
            if (effect < 0)
            {
                fields.Error(effectNode.Value, path + ".allowedEffect", $"{Format(effect)} is out of range (allowedEffect >= 0; 0.1 tolerates a 10% change)");
            }
        }

        var group = "default";
        if (m.TryGetValue("group", out var groupNode) && Name(groupNode.Value, path + ".group") is { } g)
        {
            group = g;
        }

        var weight = 1.0;
        if (m.TryGetValue("weight", out var weightNode) && fields.Number(weightNode.Value, path + ".weight") is { } w)
        {
            weight = w;
            if (w < 0)
            {
                fields.Error(weightNode.Value, path + ".weight", $"{Format(w)} is out of range (weight >= 0; 0 makes the metric informational)");
            }
        }

        double? limit = null;
        if (m.TryGetValue("limit", out var limitNode))
        {
            if (kind is { } lk && lk != MetricKind.Continuous)
            {
                fields.Error(limitNode.Key, path + ".limit", $"applies only to kind continuous, not {PlanEnums.Format(lk)}");
            }
            else if (direction == MetricDirection.Either)
            {
                fields.Error(limitNode.Key, path + ".limit", "needs direction increase (the value must stay at or below the limit) or decrease (at or above it), not either");
            }
            else if (fields.Number(limitNode.Value, path + ".limit") is { } lv)
            {
                limit = lv;
            }
        }

        return fields.Errors.Count == before && name is not null && kind is { } metricKind && query is not null
            ? new PlanMetric(name, metricKind, direction, query, totalQuery, quantile, critical, allowedEffect, group, weight, limit)
            : null;
    }

    private void CheckQuery(YamlScalarNode node, string path, string template, MetricKind kind, TimeSpan interval)
    {
        if (template.Length > VerificationPlanYaml.MaxQueryLength)
        {
            fields.Error(node, path, $"a query template is at most {VerificationPlanYaml.MaxQueryLength} characters");
            return;
        }

        var unknownPlaceholders = false;
        foreach (var placeholder in PlanTemplates.Find(template))
        {
            if (PlanPlaceholders.All.Contains(placeholder.Name, StringComparer.Ordinal))
            {
                continue;
            }

            unknownPlaceholders = true;

            var (line, column) = Locate(node, placeholder.Index);
            var known = string.Join(", ", PlanPlaceholders.All.Select(p => "{{" + p + "}}"));
            var trimmed = placeholder.Name.Trim();
            var reason = PlanPlaceholders.All.Contains(trimmed, StringComparer.Ordinal)
                ? $"write the placeholder as '{{{{{trimmed}}}}}', without spaces"
                : $"unknown placeholder '{{{{{placeholder.Name}}}}}' (known: {known})";
            fields.ErrorAt(line, column, path, reason);
        }

        if (unknownPlaceholders)
        {
            // What the query would mean is unknown, so a parse error now would only echo the placeholder's.
            return;
        }

        var filled = PlanTemplates.Fill(template, PlanTemplates.SampleValues(interval), out var sourceIndex);
        Expr expr;
        try
        {
            expr = PromQlParser.Parse(filled);
        }
        catch (PromQlParseException e)
        {
            var at = sourceIndex[Math.Clamp(e.Position, 0, sourceIndex.Length - 1)];
            var (line, column) = Locate(node, at);
            fields.ErrorAt(line, column, path, $"PromQL does not parse: {e.Reason} (at character {at + 1} of the query)");
            return;
        }

        var type = expr.ValueType;
        var fits = kind == MetricKind.LatencyHistogram ? type == PromQlValueType.Vector : type is PromQlValueType.Vector or PromQlValueType.Scalar;
        if (!fits)
        {
            var needed = kind == MetricKind.LatencyHistogram ? "an instant vector of bucket counts, one series per le" : "an instant vector or a scalar";
            var hint = type == PromQlValueType.Matrix ? " (wrap a range selector in increase(), rate() or an *_over_time function)" : string.Empty;
            fields.Error(node, path, $"the query gives a {TypeName(type)}, but kind {PlanEnums.Format(kind)} needs {needed}{hint}");
        }
        else if (kind == MetricKind.LatencyHistogram && Unwrap(expr) is AggregateExpr agg && agg.Without == agg.Grouping.Contains("le", StringComparer.Ordinal))
        {
            fields.Error(node, path, "the aggregation drops the le label, so there are no buckets left to judge: use sum by (le) (...)");
        }

        if (context.KnownMetricNames is { } known2)
        {
            // A name built from a placeholder ({{service}}_requests_total) differs with other sample values; only
            // names that stay the same are checked.
            var other = PlanTemplates.Fill(template, PlanTemplates.OtherSampleValues(interval), out _);
            IReadOnlySet<string> stable;
            try
            {
                stable = PlanTemplates.SelectedMetricNames(PromQlParser.Parse(other));
            }
            catch (PromQlParseException)
            {
                stable = new HashSet<string>();
            }

            foreach (var metric in PlanTemplates.SelectedMetricNames(expr))
            {
                if (stable.Contains(metric) && !DerivedMetricNames.IsDerived(metric) && !known2.Contains(metric))
                {
                    fields.Error(node, path, $"unknown metric '{metric}': no series of it in the metrics source recently (check the name, or apply the plan once the metric has data)");
                }
            }
        }
    }

    // Maps a character offset of a scalar's value back to its line and column in the document, where the scalar is
    // written so that this is exact (one plain or quoted line, or a literal block); otherwise the scalar's start.
    private (int Line, int Column) Locate(YamlScalarNode node, int offset)
    {
        var start = node.Start;
        var value = node.Value ?? string.Empty;
        var text = fields.Text;
        int from = (int)start.Index, to = (int)node.End.Index;
        if (from < 0 || to > text.Length || to < from)
        {
            return ((int)start.Line, (int)start.Column);
        }

        var source = text[from..to];
        switch (node.Style)
        {
            case ScalarStyle.Plain when source == value:
                return ((int)start.Line, (int)start.Column + offset);
            case ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted when source.Length >= 2 && source[1..^1] == value:
                return ((int)start.Line, (int)start.Column + 1 + offset);
            case ScalarStyle.Literal:
                var head = value[..Math.Min(offset, value.Length)];
                var valueLine = head.Count(c => c == '\n');
                var lineStart = head.LastIndexOf('\n') + 1;
                var lineEnd = value.IndexOf('\n', lineStart);
                var lineText = lineEnd < 0 ? value[lineStart..] : value[lineStart..lineEnd];
                var documentLines = text.Split('\n');
                var index = (int)start.Line + valueLine; // 0-based index of the line after the '|' header, plus the value line
                if (index < documentLines.Length && lineText.Length > 0 && documentLines[index].EndsWith(lineText, StringComparison.Ordinal)
                    && documentLines[index][..^lineText.Length].Trim().Length == 0)
                {
                    return (index + 1, documentLines[index].Length - lineText.Length + 1 + (offset - lineStart));
                }

                break;
        }

        return ((int)start.Line, (int)start.Column);
    }

    private static Expr Unwrap(Expr expr) => expr is ParenExpr p ? Unwrap(p.Expr) : expr;

    private static string TypeName(PromQlValueType type) => type switch
    {
        PromQlValueType.Scalar => "scalar",
        PromQlValueType.Vector => "instant vector",
        PromQlValueType.Matrix => "range vector",
        _ => "string",
    };

    private string? Name(YamlNode node, string path)
    {
        if (fields.String(node, path) is not { } name)
        {
            return null;
        }

        if (!NamePattern().IsMatch(name))
        {
            fields.Error(node, path, $"'{name}' is not a valid name (1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit)");
            return null;
        }

        return name;
    }

    private long? IntegerAtLeast(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> spec, string key, long min, long max)
    {
        if (!spec.TryGetValue(key, out var node) || fields.Integer(node.Value, "spec." + key) is not { } value)
        {
            return null;
        }

        if (value < min || value > max)
        {
            var range = max == long.MaxValue ? $"{key} >= {min}" : $"{min} <= {key} <= {max}";
            fields.Error(node.Value, "spec." + key, $"{value} is out of range ({range})");
            return null;
        }

        return value;
    }

    private double? NumberIn(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> spec, string key, double min, double max, string range)
    {
        if (!spec.TryGetValue(key, out var node) || fields.Number(node.Value, "spec." + key) is not { } value)
        {
            return null;
        }

        if (value < min || value > max)
        {
            fields.Error(node.Value, "spec." + key, $"{Format(value)} is out of range ({range})");
            return null;
        }

        return value;
    }

    private static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
