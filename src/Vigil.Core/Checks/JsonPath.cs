using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vigil.Core.Checks;

/// <summary>
/// A small JSONPath over <see cref="JsonElement"/>: the root <c>$</c>, members <c>.name</c> and <c>['name']</c>,
/// indexes <c>[0]</c> and <c>[-1]</c> (from the end), wildcards <c>.*</c> and <c>[*]</c>, and recursive descent
/// <c>..name</c> / <c>..*</c>. No filters or slices.
/// </summary>
public sealed class JsonPath
{
    /// <summary>The longest path text accepted.</summary>
    public const int MaxLength = 1000;

    /// <summary>The most values one evaluation returns (wildcards over a large document stop there).</summary>
    public const int MaxResults = 10_000;

    private readonly Segment[] _segments;

    private JsonPath(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The path as written.</summary>
    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong and at which character.</summary>
    public static bool TryParse(string text, out JsonPath? path, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        path = null;
        error = string.Empty;
        if (text.Length > MaxLength)
        {
            error = $"a JSON path is at most {MaxLength} characters";
            return false;
        }

        if (text.Length == 0 || text[0] != '$')
        {
            error = "a JSON path starts with '$'";
            return false;
        }

        var segments = new List<Segment>();
        var i = 1;
        while (i < text.Length)
        {
            var recursive = false;
            if (text[i] == '.')
            {
                if (i + 1 < text.Length && text[i + 1] == '.')
                {
                    recursive = true;
                    i += 2;
                    if (i < text.Length && text[i] == '[')
                    {
                        if (!Bracket(text, ref i, recursive, segments, out error))
                        {
                            return false;
                        }

                        continue;
                    }
                }
                else
                {
                    i++;
                }

                if (i < text.Length && text[i] == '*')
                {
                    segments.Add(new Segment(SegmentKind.Wildcard, null, 0, recursive));
                    i++;
                    continue;
                }

                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-' or '$' or '@'))
                {
                    i++;
                }

                if (i == start)
                {
                    error = $"expected a member name at character {start + 1}";
                    return false;
                }

                segments.Add(new Segment(SegmentKind.Member, text[start..i], 0, recursive));
            }
            else if (text[i] == '[')
            {
                if (!Bracket(text, ref i, false, segments, out error))
                {
                    return false;
                }
            }
            else
            {
                error = $"unexpected '{text[i]}' at character {i + 1} (expected '.' or '[')";
                return false;
            }
        }

        path = new JsonPath(text, [.. segments]);
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/>.</summary>
    public static JsonPath Parse(string text) =>
        TryParse(text, out var path, out var error) ? path! : throw new FormatException($"{text}: {error}");

    /// <summary>The values the path selects in <paramref name="root"/>, in document order (at most <see cref="MaxResults"/>).</summary>
    public IReadOnlyList<JsonElement> Evaluate(JsonElement root)
    {
        var current = new List<JsonElement> { root };
        var next = new List<JsonElement>();
        foreach (var segment in _segments)
        {
            next.Clear();
            foreach (var element in current)
            {
                if (segment.Recursive)
                {
                    Descend(element, segment, next);
                }
                else
                {
                    Apply(element, segment, next);
                }

                if (next.Count >= MaxResults)
                {
                    break;
                }
            }

            (current, next) = (next, current);
            if (current.Count == 0)
            {
                break;
            }
        }

        return current;
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    /// <summary>A JSON value as text for messages and comparisons: strings unquoted, other values as JSON.</summary>
    public static string Format(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString() ?? string.Empty,
        _ => element.GetRawText(),
    };

    private static bool Bracket(string text, ref int i, bool recursive, List<Segment> segments, out string error)
    {
        error = string.Empty;
        var open = i;
        i++;
        if (i < text.Length && text[i] == '*')
        {
            i++;
            if (i >= text.Length || text[i] != ']')
            {
                error = $"expected ']' at character {i + 1}";
                return false;
            }

            i++;
            segments.Add(new Segment(SegmentKind.Wildcard, null, 0, recursive));
            return true;
        }

        if (i < text.Length && text[i] is '\'' or '"')
        {
            var quote = text[i];
            var name = new StringBuilder();
            i++;
            while (i < text.Length && text[i] != quote)
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                }

                name.Append(text[i]);
                i++;
            }

            if (i >= text.Length)
            {
                error = $"unclosed quote opened at character {open + 2}";
                return false;
            }

            i++;
            if (i >= text.Length || text[i] != ']')
            {
                error = $"expected ']' at character {i + 1}";
                return false;
            }

            i++;
            segments.Add(new Segment(SegmentKind.Member, name.ToString(), 0, recursive));
            return true;
        }

        var start = i;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i >= text.Length || text[i] != ']' || !int.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
        {
            error = i >= text.Length ? $"expected ']' to close '[' at character {open + 1}" : $"expected an index, '*' or a quoted name inside '[' at character {open + 1}";
            return false;
        }

        i++;
        segments.Add(new Segment(SegmentKind.Index, null, index, recursive));
        return true;
    }

    private static void Apply(JsonElement element, Segment segment, List<JsonElement> output)
    {
        switch (segment.Kind)
        {
            case SegmentKind.Member when element.ValueKind == JsonValueKind.Object:
                if (element.TryGetProperty(segment.Name!, out var value))
                {
                    output.Add(value);
                }

                break;
            case SegmentKind.Index when element.ValueKind == JsonValueKind.Array:
                var length = element.GetArrayLength();
                var index = segment.Index < 0 ? length + segment.Index : segment.Index;
                if (index >= 0 && index < length)
                {
                    output.Add(element[index]);
                }

                break;
            case SegmentKind.Wildcard when element.ValueKind == JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (output.Count >= MaxResults)
                    {
                        return;
                    }

                    output.Add(property.Value);
                }

                break;
            case SegmentKind.Wildcard when element.ValueKind == JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (output.Count >= MaxResults)
                    {
                        return;
                    }

                    output.Add(item);
                }

                break;
        }
    }

    // Recursive descent: the segment applied to the element and every element below it, in document order. The
    // document's depth is bounded by the JSON reader (64 by default), so the recursion is too.
    private static void Descend(JsonElement element, Segment segment, List<JsonElement> output)
    {
        if (output.Count >= MaxResults)
        {
            return;
        }

        Apply(element, segment, output);
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                Descend(property.Value, segment, output);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Descend(item, segment, output);
            }
        }
    }

    private enum SegmentKind
    {
        Member,
        Index,
        Wildcard,
    }

    private sealed record Segment(SegmentKind Kind, string? Name, int Index, bool Recursive);
}
