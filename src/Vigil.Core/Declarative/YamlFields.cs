using System.Globalization;
using Vigil.Core.Time;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Declarative;

/// <summary>
/// Reads typed fields out of one YAML document's nodes and records every problem as a <see cref="DocumentError"/>
/// at the node's file position (<c>file:line:col: path: reason</c>), so a kind's reader can report all errors at once.
/// </summary>
internal sealed class YamlFields(string file, string text, int lineOffset, List<DocumentError> errors)
{
    /// <summary>The deepest nesting of lists and mappings a document may have; plans need 4.</summary>
    public const int MaxDepth = 64;

    public string File { get; } = file;

    /// <summary>The document's text, as given to the YAML parser (positions index into it).</summary>
    public string Text { get; } = text;

    public int LineOffset { get; } = lineOffset;

    public List<DocumentError> Errors { get; } = errors;

    /// <summary>
    /// Parses one declarative document with <paramref name="read"/>: loads it (a syntax error or an empty document is
    /// an error), reads it, and reports the new errors once each, in the order of the file. Returns null when any
    /// error was found; <paramref name="what"/> names the object in the error when the reader gave up without one.
    /// </summary>
    public static T? ParseDocument<T>(string file, string text, List<DocumentError> errors, int lineOffset, string what, Func<YamlFields, YamlNode, T?> read)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(read);
        var before = errors.Count;
        var fields = new YamlFields(file, text, lineOffset, errors);
        if (fields.Load() is not { } root)
        {
            if (errors.Count == before)
            {
                errors.Add(new DocumentError(file, 0, 0, "empty document"));
            }

            return null;
        }

        var result = read(fields, root);
        if (errors.Count == before && result is not null)
        {
            return result;
        }

        // In file order, whatever order the checks ran in, and once each (a node read twice reports its problem once).
        var all = errors.Count - before;
        var found = errors.Skip(before).Distinct().OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        errors.RemoveRange(before, all);
        errors.AddRange(found);
        if (found.Count == 0)
        {
            errors.Add(new DocumentError(file, 0, 0, $"not a valid {what}"));
        }

        return null;
    }

    /// <summary>Loads the document; a syntax error is reported at its position and yields null.</summary>
    public YamlNode? Load()
    {
        var stream = new YamlStream();
        try
        {
            if (TooDeep() is { } deep)
            {
                Error(deep, string.Empty, $"nested deeper than {MaxDepth} levels of lists and mappings");
                return null;
            }

            stream.Load(new StringReader(Text));
        }
        catch (YamlException e)
        {
            var reason = e.InnerException is { } inner && e.Message.Contains("exception was thrown", StringComparison.Ordinal) ? inner.Message : e.Message;
            var (line, column) = ((int)e.Start.Line, (int)e.Start.Column);
            if (reason.Contains("tab", StringComparison.Ordinal) && FirstTabIndent() is { } tab)
            {
                // YamlDotNet reports a tab in the indentation at the start of the document; point at the tab itself.
                (line, column) = tab;
                reason = "a tab in the indentation; YAML indents with spaces only";
            }

            Errors.Add(new DocumentError(File, line + LineOffset, column, $"YAML syntax error: {StripPosition(reason)}"));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            Error(stream.Documents[1].RootNode, "document", "more than one YAML document here; separate documents with a '---' line");
        }

        return stream.Documents[0].RootNode;
    }

    // The node reader recurses once per level: a document of 100,000 '[' would overflow the stack and end the process.
    // The event parser keeps its own stack, so a first pass with it bounds the depth before the nodes are built.
    private Mark? TooDeep()
    {
        var parser = new Parser(new StringReader(Text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart when ++depth > MaxDepth:
                    return parser.Current.Start;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }

        return null;
    }

    private (int Line, int Column)? FirstTabIndent()
    {
        var lines = Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    public void Error(YamlNode node, string path, string reason) => Error(node.Start, path, reason);

    public void Error(Mark mark, string path, string reason) =>
        Errors.Add(new DocumentError(File, (int)mark.Line + LineOffset, (int)mark.Column, path.Length == 0 ? reason : $"{path}: {reason}"));

    public void ErrorAt(int line, int column, string path, string reason) =>
        Errors.Add(new DocumentError(File, line + LineOffset, column, $"{path}: {reason}"));

    /// <summary>
    /// Checks a document's header in its top-level mapping: <c>apiVersion</c> must be <c>vigil/v1</c> and <c>kind</c>
    /// must be <paramref name="kind"/>; each mismatch is an error at its node.
    /// </summary>
    public void Header(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> top, string kind)
    {
        if (top.TryGetValue("apiVersion", out var api) && String(api.Value, "apiVersion") is { } version && version != DeclarativeKinds.ApiVersion)
        {
            Error(api.Value, "apiVersion", $"unknown apiVersion '{version}' (this server knows {DeclarativeKinds.ApiVersion})");
        }

        if (top.TryGetValue("kind", out var kindNode) && String(kindNode.Value, "kind") is { } kindName && kindName != kind)
        {
            Error(kindNode.Value, "kind", $"expected kind {kind}, not '{kindName}'");
        }
    }

    /// <summary>
    /// The fields of a mapping by key. Unknown keys are errors at the key; keys in <paramref name="required"/> that are
    /// missing are errors at the mapping. Returns null (with an error) when the node is not a mapping.
    /// </summary>
    public Dictionary<string, (YamlScalarNode Key, YamlNode Value)>? Mapping(YamlNode node, string path, IReadOnlyList<string> known, IReadOnlyList<string> required)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, "expected a mapping (key: value lines)");
            return null;
        }

        var fields = new Dictionary<string, (YamlScalarNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } scalarKey)
            {
                Error(keyNode, path, "keys must be plain names");
                continue;
            }

            if (!known.Contains(key, StringComparer.Ordinal))
            {
                var near = known.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                var hint = near is not null ? $"did you mean '{near}'? " : string.Empty;
                Error(keyNode, Join(path, key), $"unknown key ({hint}known: {string.Join(", ", known)})");
                continue;
            }

            fields[key] = (scalarKey, value);
        }

        foreach (var key in required)
        {
            if (!fields.ContainsKey(key))
            {
                Error(node, path, $"'{key}' is required");
            }
        }

        return fields;
    }

    /// <summary>A string scalar; null (with an error) for another node or, when <paramref name="allowEmpty"/> is false, an empty one.</summary>
    public string? String(YamlNode node, string path, bool allowEmpty = false)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, "expected a single value, not a list or mapping");
            return null;
        }

        var value = IsNull(scalar) ? string.Empty : scalar.Value ?? string.Empty;
        if (value.Length == 0 && !allowEmpty)
        {
            Error(node, path, "must not be empty");
            return null;
        }

        return value;
    }

    /// <summary>A number written as a plain scalar (a quoted string is a type error).</summary>
    public double? Number(YamlNode node, string path)
    {
        if (Plain(node, path, "a number") is not { } text)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(node, path, $"expected a number, not '{text}'");
        return null;
    }

    /// <summary>A whole number written as a plain scalar.</summary>
    public long? Integer(YamlNode node, string path)
    {
        if (Plain(node, path, "a whole number") is not { } text)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Error(node, path, $"expected a whole number, not '{text}'");
        return null;
    }

    /// <summary>true or false, as a plain scalar.</summary>
    public bool? Bool(YamlNode node, string path)
    {
        switch (Plain(node, path, "true or false"))
        {
            case null: return null;
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
            case var text:
                Error(node, path, $"expected true or false, not '{text}'");
                return null;
        }
    }

    /// <summary>A Prometheus duration (<c>30s</c>, <c>5m</c>, <c>1h30m</c>).</summary>
    public TimeSpan? Duration(YamlNode node, string path)
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        if (DurationParser.TryParse(text, out var value, out var reason, allowBareSeconds: false))
        {
            return value;
        }

        Error(node, path, reason);
        return null;
    }

    /// <summary>The items of a sequence; null (with an error) for another node. An empty value is an empty list.</summary>
    public IReadOnlyList<YamlNode>? Sequence(YamlNode node, string path)
    {
        if (node is YamlSequenceNode sequence)
        {
            return [.. sequence.Children];
        }

        if (node is YamlScalarNode scalar && IsNull(scalar))
        {
            return [];
        }

        Error(node, path, "expected a list");
        return null;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private string? Plain(YamlNode node, string path, string expected)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, $"expected {expected}, not a list or mapping");
            return null;
        }

        if (scalar.Style != ScalarStyle.Plain)
        {
            Error(node, path, $"expected {expected}, not a quoted string");
            return null;
        }

        if (IsNull(scalar))
        {
            Error(node, path, $"expected {expected}, not an empty value");
            return null;
        }

        return scalar.Value!;
    }

    // YamlDotNet ends its messages with the position ("(Line: 3, Col: 5, Idx: 20) - (...): "); the error has it already.
    private static string StripPosition(string message)
    {
        var end = message.LastIndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && end >= 0 ? message[(end + 3)..] : message;
    }
}
