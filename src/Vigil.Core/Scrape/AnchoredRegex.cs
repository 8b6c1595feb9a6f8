using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Core.Scrape;

/// <summary>
/// A Prometheus relabeling regex: RE2 syntax, fully anchored, evaluated without backtracking (linear time), with
/// groups numbered as Go numbers them (named groups count in order of their opening parenthesis, unlike .NET) and
/// Go's <c>Regexp.Expand</c> template rules for replacements.
/// </summary>
public sealed class AnchoredRegex
{
    private readonly Regex _regex;
    private readonly Dictionary<string, int> _names;

    private AnchoredRegex(string text, Regex regex, Dictionary<string, int> names)
    {
        Text = text;
        _regex = regex;
        _names = names;
    }

    /// <summary>The pattern as written, unanchored.</summary>
    public string Text { get; }

    /// <summary>Compiles a pattern, or returns null with a reason.</summary>
    public static AnchoredRegex? TryCreate(string pattern, out string error)
    {
        error = string.Empty;
        if (!TryTranslate(pattern, out var translated, out var names, out error))
        {
            return null;
        }

        try
        {
            return new AnchoredRegex(pattern, new Regex("^(?:" + translated + ")$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), names);
        }
        catch (ArgumentException ex)
        {
            error = $"invalid regex \"{pattern}\": {ex.Message}";
        }
        catch (NotSupportedException ex)
        {
            error = $"unsupported regex \"{pattern}\": {ex.Message}";
        }

        return null;
    }

    /// <summary>True when the whole of <paramref name="input"/> matches.</summary>
    public bool IsMatch(string input) => _regex.IsMatch(input);

    /// <summary>The match of the whole input, or null.</summary>
    public Match? MatchWhole(string input)
    {
        var match = _regex.Match(input);
        return match.Success ? match : null;
    }

    /// <summary>
    /// Expands a template against a match as Go's <c>Regexp.Expand</c>: <c>$1</c>, <c>${1}</c>, <c>$name</c>,
    /// <c>${name}</c>; <c>$$</c> is a dollar; a name is the longest run of letters, digits and underscores (so
    /// <c>$1x</c> names group <c>1x</c>); unknown groups expand to nothing; a malformed reference is kept as text.
    /// </summary>
    public string Expand(string template, Match match)
    {
        if (!template.Contains('$', StringComparison.Ordinal))
        {
            return template;
        }

        var sb = new StringBuilder(template.Length + 16);
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c != '$' || i + 1 >= template.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }

            if (template[i + 1] == '$')
            {
                sb.Append('$');
                i += 2;
                continue;
            }

            string name;
            int next;
            if (template[i + 1] == '{')
            {
                var close = template.IndexOf('}', i + 2);
                name = close < 0 ? string.Empty : template[(i + 2)..close];
                next = close + 1;
                if (name.Length == 0 || !IsWord(name))
                {
                    sb.Append('$');
                    i++;
                    continue;
                }
            }
            else
            {
                var end = i + 1;
                while (end < template.Length && IsWordChar(template[end]))
                {
                    end++;
                }

                name = template[(i + 1)..end];
                next = end;
                if (name.Length == 0)
                {
                    sb.Append('$');
                    i++;
                    continue;
                }
            }

            sb.Append(Group(match, name));
            i = next;
        }

        return sb.ToString();
    }

    private string Group(Match match, string name)
    {
        if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number < match.Groups.Count ? match.Groups[number].Value : string.Empty;
        }

        return _names.TryGetValue(name, out var index) && index < match.Groups.Count ? match.Groups[index].Value : string.Empty;
    }

    private static bool IsWordChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';

    private static bool IsWord(string s)
    {
        foreach (var c in s)
        {
            if (!IsWordChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Rewrites named groups (<c>(?P&lt;n&gt;</c> or <c>(?&lt;n&gt;</c>) as plain groups, remembering each name's Go
    /// group number, so numbered and named references agree with Prometheus.
    /// </summary>
    private static bool TryTranslate(string pattern, out string translated, out Dictionary<string, int> names, out string error)
    {
        names = new Dictionary<string, int>(StringComparer.Ordinal);
        error = string.Empty;
        var sb = new StringBuilder(pattern.Length);
        var group = 0;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                sb.Append(c);
                if (i + 1 < pattern.Length)
                {
                    sb.Append(pattern[++i]);
                }

                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }

                sb.Append(c);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
                sb.Append(c);

                // A ']' right after '[' or '[^' is a literal member of the class.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append(pattern[++i]);
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append(pattern[++i]);
                }

                continue;
            }

            if (c != '(')
            {
                sb.Append(c);
                continue;
            }

            var rest = pattern.AsSpan(i + 1);
            var prefix = rest.StartsWith("?P<") ? 3 : rest.StartsWith("?<") && !rest.StartsWith("?<=") && !rest.StartsWith("?<!") ? 2 : 0;
            if (prefix > 0)
            {
                var close = pattern.IndexOf('>', i + 1 + prefix);
                var name = close < 0 ? string.Empty : pattern[(i + 1 + prefix)..close];
                if (name.Length == 0 || !IsWord(name))
                {
                    translated = string.Empty;
                    error = $"invalid regex \"{pattern}\": invalid named capture group at offset {i}";
                    return false;
                }

                group++;
                if (!names.TryAdd(name, group))
                {
                    translated = string.Empty;
                    error = $"invalid regex \"{pattern}\": duplicate capture group name \"{name}\"";
                    return false;
                }

                sb.Append('(');
                i = close;
                continue;
            }

            if (!rest.StartsWith("?"))
            {
                group++;
            }

            sb.Append(c);
        }

        translated = sb.ToString();
        return true;
    }
}
