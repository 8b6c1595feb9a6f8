using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Drift.Sources;

/// <summary>
/// Flattens configuration files to (key path, value) pairs the way their runtime sees them, with values normalised so
/// formatting never creates drift: JSON as .NET configuration (<c>Logging:LogLevel:Default</c>, arrays by index
/// <c>Hosts:0</c>, numbers canonical, booleans lower case, null as empty); Spring YAML as Spring does
/// (<c>spring.datasource.url</c>, <c>servers[0]</c>, so <c>a.b: 1</c> equals <c>a: {b: 1}</c>); properties, ini
/// (<c>section.key</c>), .env and TOML (<c>table.key</c>, arrays <c>key.0</c>) by their own rules.
/// </summary>
public static class ConfigFormats
{
    /// <summary>The most keys one file may flatten to (a YAML alias bomb stops here).</summary>
    public const int MaxKeysPerFile = 100_000;

    private const int MaxDepth = 64;

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = MaxDepth,
    };

    /// <summary>Flattens a JSON document as .NET configuration does.</summary>
    /// <exception cref="SourceReadException">The text is not JSON or has too many keys.</exception>
    public static List<KeyValuePair<string, string>> FlattenJson(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        try
        {
            using var document = JsonDocument.Parse(text, JsonOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SourceReadException("the JSON document is not an object");
            }

            Visit(document.RootElement, "", 0);
        }
        catch (JsonException e)
        {
            throw new SourceReadException(SourceFiles.Reason(e), e);
        }

        return pairs;

        void Visit(JsonElement element, string path, int depth)
        {
            Bound(pairs, depth);
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        Visit(property.Value, path.Length == 0 ? property.Name : path + ":" + property.Name, depth + 1);
                    }

                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        Visit(item, path + ":" + index.ToString(CultureInfo.InvariantCulture), depth + 1);
                        index++;
                    }

                    break;
                case JsonValueKind.String:
                    pairs.Add(new(path, element.GetString() ?? ""));
                    break;
                case JsonValueKind.Number:
                    pairs.Add(new(path, CanonicalNumber(element.GetRawText())));
                    break;
                case JsonValueKind.True:
                    pairs.Add(new(path, "true"));
                    break;
                case JsonValueKind.False:
                    pairs.Add(new(path, "false"));
                    break;
                default:
                    pairs.Add(new(path, ""));
                    break;
            }
        }
    }

    /// <summary>
    /// Flattens one YAML document's mapping Spring's way. Merge keys (<c>&lt;&lt;</c>) are applied; aliases count towards
    /// <see cref="MaxKeysPerFile"/>.
    /// </summary>
    public static List<KeyValuePair<string, string>> FlattenYamlDocument(YamlNode root)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (root is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return pairs;
        }

        if (root is not YamlMappingNode)
        {
            throw new SourceReadException("the YAML document is not a mapping");
        }

        Visit(root, "", 0);
        return pairs;

        void Visit(YamlNode node, string path, int depth)
        {
            Bound(pairs, depth);
            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in Entries(mapping, depth))
                    {
                        Visit(value, path.Length == 0 ? key : path + "." + key, depth + 1);
                    }

                    break;
                case YamlSequenceNode sequence:
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        Visit(sequence.Children[i], path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", depth + 1);
                    }

                    break;
                case YamlScalarNode scalar:
                    pairs.Add(new(path, ScalarValue(scalar)));
                    break;
                default:
                    break;
            }
        }

        IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping, int depth)
        {
            var own = new List<(string, YamlNode)>();
            var merged = new List<(string, YamlNode)>();
            foreach (var entry in mapping.Children)
            {
                var key = entry.Key is YamlScalarNode k ? k.Value ?? "" : entry.Key.ToString();
                if (key == "<<" && entry.Key is YamlScalarNode { Style: ScalarStyle.Plain })
                {
                    var sources = entry.Value is YamlSequenceNode list ? list.Children : [entry.Value];
                    foreach (var source in sources.OfType<YamlMappingNode>())
                    {
                        Bound(pairs, depth);
                        merged.AddRange(Entries(source, depth + 1));
                    }

                    continue;
                }

                own.Add((key, entry.Value));
            }

            var ownKeys = own.Select(o => o.Item1).ToHashSet(StringComparer.Ordinal);
            return own.Concat(merged.Where(m => !ownKeys.Contains(m.Item1)));
        }
    }

    /// <summary>Parses a YAML stream into its documents.</summary>
    /// <exception cref="SourceReadException">The text is not YAML.</exception>
    public static IReadOnlyList<YamlDocument> ParseYaml(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return [.. stream.Documents];
        }
        catch (YamlException e)
        {
            throw new SourceReadException(SourceFiles.Reason(e), e);
        }
    }

    /// <summary>A YAML scalar's value: quoted as written; plain ones with booleans, nulls and numbers made canonical.</summary>
    public static string ScalarValue(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return value;
        }

        var trimmed = value.Trim();
        switch (trimmed)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return "";
            case "true" or "True" or "TRUE":
                return "true";
            case "false" or "False" or "FALSE":
                return "false";
            default:
                return CanonicalNumber(trimmed);
        }
    }

    /// <summary>A number written the one way (<c>1.50</c> → <c>1.5</c>, <c>1e3</c> → <c>1000</c>); other text unchanged.</summary>
    public static string CanonicalNumber(string text)
    {
        if (text.Length is > 0 and < 40 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.') &&
            !text.EndsWith('.') && !(text.Length > 1 && text[0] == '0' && char.IsAsciiDigit(text[1])) &&
            decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number.ToString("G29", CultureInfo.InvariantCulture);
        }

        return text;
    }

    /// <summary>Reads Java properties: <c>key=value</c>, <c>key: value</c> or <c>key value</c>, continuations, escapes.</summary>
    public static List<KeyValuePair<string, string>> ParseProperties(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            // A line ending in an odd number of backslashes continues on the next one.
            while (EndsWithOddBackslashes(line) && i + 1 < lines.Length)
            {
                line = line[..^1] + lines[++i].TrimStart();
            }

            var split = 0;
            while (split < line.Length && !(line[split] is '=' or ':' or ' ' or '\t' && (split == 0 || line[split - 1] != '\\')))
            {
                split++;
            }

            var key = Unescape(line[..split]).Trim();
            var rest = split < line.Length ? line[split..].TrimStart() : "";
            if (rest.Length > 0 && rest[0] is '=' or ':' && (split >= line.Length || line[split] is ' ' or '\t' || rest[0] == line[split]))
            {
                rest = rest[1..];
            }

            Bound(pairs, 0);
            pairs.Add(new(key, Unescape(rest.Trim())));
        }

        return pairs;

        static bool EndsWithOddBackslashes(string line)
        {
            var count = 0;
            for (var i = line.Length - 1; i >= 0 && line[i] == '\\'; i--)
            {
                count++;
            }

            return count % 2 == 1;
        }

        static string Unescape(string text)
        {
            if (!text.Contains('\\', StringComparison.Ordinal))
            {
                return text;
            }

            var builder = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] != '\\' || i + 1 >= text.Length)
                {
                    builder.Append(text[i]);
                    continue;
                }

                var c = text[++i];
                if (c == 'u' && i + 4 < text.Length && int.TryParse(text.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                {
                    builder.Append((char)code);
                    i += 4;
                    continue;
                }

                builder.Append(c switch { 't' => '\t', 'n' => '\n', 'r' => '\r', 'f' => '\f', _ => c });
            }

            return builder.ToString();
        }
    }

    /// <summary>Reads an ini file: <c>[section]</c> then <c>key = value</c>; keys become <c>section.key</c>; <c>;</c> and <c>#</c> comment.</summary>
    /// <exception cref="SourceReadException">A line is neither a section, a comment nor an assignment.</exception>
    public static List<KeyValuePair<string, string>> ParseIni(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var section = "";
        var number = 0;
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is ';' or '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (!line.EndsWith(']'))
                {
                    throw new SourceReadException(string.Create(CultureInfo.InvariantCulture, $"invalid ini at line {number}: a section header must end with ']'"));
                }

                section = line[1..^1].Trim();
                continue;
            }

            var split = line.IndexOfAny(['=', ':']);
            var key = (split < 0 ? line : line[..split]).Trim();
            var value = split < 0 ? "" : Unquote(line[(split + 1)..].Trim());
            Bound(pairs, 0);
            pairs.Add(new(section.Length == 0 ? key : section + "." + key, value));
        }

        return pairs;
    }

    /// <summary>Reads a .env file: <c>[export] NAME=value</c>, single quotes literal, double quotes with escapes, <c>#</c> comments.</summary>
    /// <exception cref="SourceReadException">A line has no <c>=</c>.</exception>
    public static List<KeyValuePair<string, string>> ParseDotEnv(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var number = 0;
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            var split = line.IndexOf('=', StringComparison.Ordinal);
            if (split <= 0)
            {
                throw new SourceReadException(string.Create(CultureInfo.InvariantCulture, $"invalid .env at line {number}: expected NAME=value"));
            }

            var name = line[..split].Trim();
            var value = line[(split + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '\'' && value.IndexOf('\'', 1) is var endSingle && endSingle > 0)
            {
                value = value[1..endSingle];
            }
            else if (value.Length >= 2 && value[0] == '"' && value.IndexOf('"', 1) is var endDouble && endDouble > 0)
            {
                value = value[1..endDouble].Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal);
            }
            else if (value.IndexOf(" #", StringComparison.Ordinal) is var comment && comment >= 0)
            {
                value = value[..comment].TrimEnd();
            }

            Bound(pairs, 0);
            pairs.Add(new(name, value));
        }

        return pairs;
    }

    /// <summary>Reads TOML (tables, arrays of tables, dotted keys, strings, numbers, booleans, dates, arrays, inline tables).</summary>
    /// <exception cref="SourceReadException">The text is not valid TOML (with the line).</exception>
    public static List<KeyValuePair<string, string>> ParseToml(string text) => new TomlReader(text).Read();

    internal static void Bound(List<KeyValuePair<string, string>> pairs, int depth)
    {
        if (pairs.Count >= MaxKeysPerFile)
        {
            throw new SourceReadException(string.Create(CultureInfo.InvariantCulture, $"more than {MaxKeysPerFile} keys in one file"));
        }

        if (depth > MaxDepth)
        {
            throw new SourceReadException(string.Create(CultureInfo.InvariantCulture, $"nested deeper than {MaxDepth} levels"));
        }
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\'')) ? value[1..^1] : value;
}
