using Vigil.Core.Declarative;
using Vigil.Core.PromQl;
using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Anomalies.Watching;

/// <summary>
/// Reads <c>kind: AnomalyWatch</c> documents (<c>apiVersion: vigil/v1</c>), reporting every problem with its file, line
/// and column; the query must parse as PromQL giving an instant vector or a scalar. docs/anomalies.md is the reference.
/// </summary>
public static class AnomalyWatchYaml
{
    /// <summary>The document kind.</summary>
    public const string Kind = "AnomalyWatch";

    /// <summary>The longest query: 10,000 characters.</summary>
    public const int MaxQueryLength = 10_000;

    /// <summary>The most labels on a watch: 20.</summary>
    public const int MaxLabels = 20;

    private static readonly string[] RootKeys = ["apiVersion", "kind", "metadata", "spec"];
    private static readonly string[] MetadataKeys = ["name"];
    private static readonly string[] SpecKeys = ["query", "description", "unit", "labels"];
    private static readonly string[] SpecRequired = ["query"];

    /// <summary>
    /// Parses one document. Returns null and adds to <paramref name="errors"/> when it is invalid;
    /// <paramref name="lineOffset"/> is added to reported lines when the document was cut from a multi-document file.
    /// </summary>
    public static AnomalyWatch? Parse(string file, string yaml, List<DocumentError> errors, int lineOffset = 0) =>
        YamlFields.ParseDocument(file, yaml, errors, lineOffset, "anomaly watch", Read);

    /// <summary>
    /// Checks a query: it parses and gives an instant vector or a scalar. Returns the reason and the zero-based
    /// character offset where it fails, or null when it is fine.
    /// </summary>
    public static (string Reason, int Offset)? CheckQuery(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Length > MaxQueryLength)
        {
            return ($"the query is {query.Length} characters; at most {MaxQueryLength}", 0);
        }

        try
        {
            var type = PromQlParser.Parse(query).ValueType;
            return type is PromQlValueType.Vector or PromQlValueType.Scalar
                ? null
                : ($"the query gives a {type.ToString().ToLowerInvariant()}, but a watch needs an instant vector or a scalar"
                    + (type == PromQlValueType.Matrix ? " (wrap a range selector in rate(), increase() or an *_over_time function)" : string.Empty), 0);
        }
        catch (PromQlParseException e)
        {
            return ($"PromQL does not parse: {e.Reason} (at character {e.Position + 1} of the query)", e.Position);
        }
    }

    private static AnomalyWatch? Read(YamlFields fields, YamlNode root)
    {
        if (fields.Mapping(root, string.Empty, RootKeys, RootKeys) is not { } top)
        {
            return null;
        }

        fields.Header(top, Kind);

        string? name = null;
        if (top.TryGetValue("metadata", out var metadata) && fields.Mapping(metadata.Value, "metadata", MetadataKeys, MetadataKeys) is { } meta
            && meta.TryGetValue("name", out var nameNode) && fields.String(nameNode.Value, "metadata.name") is { } n)
        {
            if (AnomalyWatch.IsValidName(n))
            {
                name = n;
            }
            else
            {
                fields.Error(nameNode.Value, "metadata.name", $"'{n}' is not a valid name (1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit)");
            }
        }

        if (!top.TryGetValue("spec", out var specNode) || fields.Mapping(specNode.Value, "spec", SpecKeys, SpecRequired) is not { } spec)
        {
            return null;
        }

        string? query = null;
        if (spec.TryGetValue("query", out var queryNode) && fields.String(queryNode.Value, "spec.query") is { } q)
        {
            if (CheckQuery(q) is { } problem)
            {
                var (line, column) = Locate(queryNode.Value, problem.Offset);
                fields.ErrorAt(line, column, "spec.query", problem.Reason);
            }
            else
            {
                query = q;
            }
        }

        string? description = null;
        if (spec.TryGetValue("description", out var descriptionNode))
        {
            description = fields.String(descriptionNode.Value, "spec.description");
            if (description is { Length: > 200 })
            {
                fields.Error(descriptionNode.Value, "spec.description", "at most 200 characters");
            }
        }

        var unit = string.Empty;
        if (spec.TryGetValue("unit", out var unitNode))
        {
            unit = fields.String(unitNode.Value, "spec.unit", allowEmpty: true) ?? string.Empty;
            if (unit.Length > 20)
            {
                fields.Error(unitNode.Value, "spec.unit", "at most 20 characters");
            }
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.TryGetValue("labels", out var labelsNode))
        {
            if (labelsNode.Value is not YamlMappingNode mapping)
            {
                fields.Error(labelsNode.Value, "spec.labels", "expected a mapping of label names to values");
            }
            else
            {
                if (mapping.Children.Count > MaxLabels)
                {
                    fields.Error(mapping, "spec.labels", $"{mapping.Children.Count} labels; at most {MaxLabels}");
                }

                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                    var path = "spec.labels." + key;
                    if (!AnomalyWatch.IsValidLabelName(key) || key == "watch")
                    {
                        fields.Error(keyNode, path, $"'{key}' is not a usable label name (letters, digits and '_', not starting with a digit or '__', not 'watch')");
                    }
                    else if (fields.String(valueNode, path, allowEmpty: true) is { } value)
                    {
                        labels[key] = value;
                    }
                }
            }
        }

        return name is null || query is null ? null : new AnomalyWatch(name, query, labels, description, unit);
    }

    // Where character `offset` of a scalar's value is, for single-line plain or quoted scalars; else the scalar's start.
    private static (int Line, int Column) Locate(YamlNode node, int offset)
    {
        var line = (int)node.Start.Line;
        var column = (int)node.Start.Column;
        if (node is YamlScalarNode scalar && scalar.Value is { } value && !value.Contains('\n', StringComparison.Ordinal)
            && scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            && node.End.Line == node.Start.Line)
        {
            var quote = scalar.Style == YamlDotNet.Core.ScalarStyle.Plain ? 0 : 1;
            column += quote + Math.Clamp(offset, 0, value.Length);
        }

        return (line, column);
    }
}

/// <summary>The <c>AnomalyWatch</c> kind of declarative object.</summary>
public sealed class AnomalyWatchKind : IDeclarativeKind
{
    /// <inheritdoc />
    public string Kind => AnomalyWatchYaml.Kind;

    /// <inheritdoc />
    public void Validate(YamlDocumentText document, DeclarativeValidationContext context, List<DocumentError> errors)
    {
        ArgumentNullException.ThrowIfNull(document);
        _ = AnomalyWatchYaml.Parse(document.File, document.Text, errors, document.LineOffset);
    }
}
