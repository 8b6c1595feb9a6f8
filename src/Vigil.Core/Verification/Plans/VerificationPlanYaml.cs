using System.Globalization;
using Vigil.Core.Declarative;
using Vigil.Core.Time;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Verification.Plans;

/// <summary>
/// Reads and writes <c>kind: VerificationPlan</c> documents (<c>apiVersion: vigil/v1</c>). Reading validates
/// everything (unknown keys, PromQL that does not parse, placeholders that do not exist, thresholds out of range) and
/// reports each problem with its file, line and column. <c>docs/verification-plans.md</c> is the reference.
/// </summary>
public static class VerificationPlanYaml
{
    /// <summary>The document kind.</summary>
    public const string Kind = "VerificationPlan";

    /// <summary>The shortest interval: the metrics behind a plan are rarely fresher than a second.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest duration a run may watch: a day; a longer watch is monitoring, not a release verdict.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);

    /// <summary>The most looks (duration / interval) a run may make, which bounds the stored history of a run.</summary>
    public const int MaxLooks = 1440;

    /// <summary>The most metrics in one plan.</summary>
    public const int MaxMetrics = 100;

    /// <summary>The longest query template, in characters.</summary>
    public const int MaxQueryLength = 10_000;

    /// <summary>Parses one plan document (the YAML text of a single document). Returns null and adds to
    /// <paramref name="errors"/> when it is invalid. <paramref name="lineOffset"/> is added to reported lines when the
    /// document was cut from a multi-document file.</summary>
    public static VerificationPlan? Parse(string file, string yaml, List<DocumentError> errors, int lineOffset = 0) =>
        Parse(file, yaml, errors, lineOffset, DeclarativeValidationContext.Offline);

    /// <summary>
    /// As <see cref="Parse(string, string, List{DocumentError}, int)"/>, and where <paramref name="context"/> knows the
    /// metric names of the metrics source, a query selecting a metric with no series (not one Vigil derives itself)
    /// is an error too.
    /// </summary>
    public static VerificationPlan? Parse(string file, string yaml, List<DocumentError> errors, int lineOffset, DeclarativeValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return YamlFields.ParseDocument(file, yaml, errors, lineOffset, "verification plan", (fields, root) => new PlanReader(fields, context).Read(root));
    }

    /// <summary>Writes a plan as a document that <see cref="Parse(string, string, List{DocumentError}, int)"/> reads back to an equal plan.</summary>
    public static string Write(VerificationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var spec = new YamlMappingNode();
        if (plan.Services.Count > 0)
        {
            spec.Add("services", new YamlSequenceNode(plan.Services.Select(s => (YamlNode)Text(s))));
        }

        spec.Add("mode", Plain(PlanEnums.Format(plan.Mode)));
        if (plan.BaselineVersion is not null)
        {
            spec.Add("baselineVersion", Text(plan.BaselineVersion));
        }

        spec.Add("interval", Plain(DurationParser.Format(plan.Interval)));
        spec.Add("duration", Plain(DurationParser.Format(plan.Duration)));
        spec.Add("minimumIntervals", Plain(plan.MinimumIntervals.ToString(CultureInfo.InvariantCulture)));
        spec.Add("minimumRequests", Plain(plan.MinimumRequests.ToString(CultureInfo.InvariantCulture)));
        spec.Add("passThreshold", Number(plan.PassThreshold));
        spec.Add("marginalThreshold", Number(plan.MarginalThreshold));
        spec.Add("falseFailRate", Number(plan.FalseFailRate));
        var metrics = new YamlSequenceNode();
        foreach (var metric in plan.Metrics)
        {
            var m = new YamlMappingNode
            {
                { "name", Text(metric.Name) },
                { "kind", Plain(PlanEnums.Format(metric.Kind)) },
                { "direction", Plain(PlanEnums.Format(metric.Direction)) },
                { "query", Query(metric.Query) },
            };
            if (metric.TotalQuery is not null)
            {
                m.Add("totalQuery", Query(metric.TotalQuery));
            }

            if (metric.Quantile is { } q)
            {
                m.Add("quantile", Number(q));
            }

            m.Add("critical", Plain(metric.Critical ? "true" : "false"));
            m.Add("allowedEffect", Number(metric.AllowedEffect));
            m.Add("group", Text(metric.Group));
            m.Add("weight", Number(metric.Weight));
            if (metric.Limit is { } limit)
            {
                m.Add("limit", Number(limit));
            }

            metrics.Add(m);
        }

        spec.Add("metrics", metrics);
        var document = new YamlMappingNode
        {
            { "apiVersion", Plain(DeclarativeKinds.ApiVersion) },
            { "kind", Plain(Kind) },
            { "metadata", new YamlMappingNode { { "name", Text(plan.Name) } } },
            { "spec", spec },
        };

        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(document)).Save(writer, assignAnchors: false);
        var text = writer.ToString().ReplaceLineEndings("\n");
        // The emitter closes the stream with a document-end marker; a file of documents separated by '---' reads better without it.
        if (text.EndsWith("...\n", StringComparison.Ordinal))
        {
            text = text[..^4];
        }

        return text.TrimEnd() + "\n";
    }

    private static YamlScalarNode Plain(string value) => new(value) { Style = ScalarStyle.Plain };

    private static YamlScalarNode Number(double value) => Plain(value.ToString("R", CultureInfo.InvariantCulture));

    // Strings that would read back as another type (true, 12, null) are quoted; the emitter quotes what plain YAML cannot hold.
    private static YamlScalarNode Text(string value) =>
        new(value) { Style = LooksTyped(value) ? ScalarStyle.SingleQuoted : ScalarStyle.Any };

    // Queries are written in single quotes: PromQL is full of double quotes and braces, and single quotes keep it readable.
    private static YamlScalarNode Query(string value) =>
        new(value) { Style = value.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal : ScalarStyle.SingleQuoted };

    private static bool LooksTyped(string value) =>
        value.Length == 0 || value is "~" or "null" or "Null" or "NULL" or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
        || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
