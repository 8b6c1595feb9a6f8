using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Core.PromQl;

/// <summary>
/// Regular expressions as PromQL writes them (Go's RE2 syntax), run on .NET's engine. Prometheus anchors a pattern
/// as <c>^(?s:…)$</c>: the whole value must match and <c>.</c> matches a newline (Prometheus 3). The translation
/// rewrites what RE2 writes differently, so a pattern never silently means something else here:
/// named groups <c>(?P&lt;name&gt;…)</c> and <c>(?&lt;name&gt;…)</c> become plain groups whose names are returned
/// (.NET numbers named groups after the unnamed ones, Go left to right, so <c>$1</c> would change meaning); POSIX classes (<c>[[:alpha:]]</c>) are expanded;
/// <c>\pL</c> becomes <c>\p{L}</c>; <c>\d</c>, <c>\w</c>, <c>\s</c> are ASCII as in RE2; <c>\Q…\E</c> is quoted;
/// a <c>[</c> inside a class is literal (not .NET class subtraction); the end anchor is the end of the text; lookaround,
/// atomic groups and backreferences, which RE2 refuses, are refused.
/// Anything .NET cannot take fails with <see cref="ArgumentException"/>, never a different meaning.
/// </summary>
internal static class GoRegex
{
    // RE2's ASCII classes as inclusive character ranges.
    private static readonly Dictionary<string, (char Lo, char Hi)[]> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = [('0', '9'), ('A', 'Z'), ('a', 'z')],
        ["alpha"] = [('A', 'Z'), ('a', 'z')],
        ["ascii"] = [('\x00', '\x7F')],
        ["blank"] = [('\t', '\t'), (' ', ' ')],
        ["cntrl"] = [('\x00', '\x1F'), ('\x7F', '\x7F')],
        ["digit"] = [('0', '9')],
        ["graph"] = [('!', '~')],
        ["lower"] = [('a', 'z')],
        ["print"] = [(' ', '~')],
        ["punct"] = [('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        ["space"] = [('\t', '\r'), (' ', ' ')],
        ["upper"] = [('A', 'Z')],
        ["word"] = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')],
        ["xdigit"] = [('0', '9'), ('A', 'F'), ('a', 'f')],
    };

    /// <summary>The pattern anchored to the whole value, compiled with a match timeout.</summary>
    /// <exception cref="ArgumentException">The pattern is invalid or uses RE2 syntax .NET cannot express.</exception>
    public static Regex CompileAnchored(string pattern, TimeSpan timeout) => CompileAnchored(pattern, timeout, out _);

    /// <summary>
    /// The pattern anchored to the whole value, compiled with a match timeout; <paramref name="groupNames"/> holds the
    /// name of each capture group (index 0 for group 1), null where unnamed. Groups are numbered left to right, as in Go.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is invalid or uses RE2 syntax .NET cannot express.</exception>
    public static Regex CompileAnchored(string pattern, TimeSpan timeout, out IReadOnlyList<string?> groupNames) =>
        new("^(?:" + Translate(pattern, out groupNames) + @")\z", RegexOptions.CultureInvariant | RegexOptions.Singleline, timeout);

    /// <summary>Rewrites an RE2 pattern into the .NET pattern with the same meaning; see the class summary.</summary>
    /// <exception cref="ArgumentException">The pattern uses RE2 syntax with no .NET counterpart here.</exception>
    public static string Translate(string pattern, out IReadOnlyList<string?> groupNames)
    {
        var names = new List<string?>();
        groupNames = names;
        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                i = Escape(pattern, i, inClass, sb);
                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                    sb.Append(c);
                }
                else if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
                {
                    var close = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                    var name = close < 0 ? null : pattern[(i + 2)..close];
                    var negated = name is not null && name.StartsWith('^');
                    if (name is null || !PosixClasses.TryGetValue(negated ? name[1..] : name, out var ranges))
                    {
                        throw new ArgumentException($"invalid character class {(name is null ? "[:" : "[:" + name + ":]")} in regular expression");
                    }

                    AppendRanges(sb, negated ? Complement(ranges) : ranges);
                    i = close + 1;
                }
                else if (c == '[')
                {
                    sb.Append(@"\[");
                }
                else
                {
                    sb.Append(c);
                }

                continue;
            }

            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append('^');
                    i++;
                }

                // A ']' first in a class is a literal in both syntaxes.
                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append(@"\]");
                    i++;
                }
            }
            else if (c == '(')
            {
                // RE2 has no lookaround or atomic groups; .NET would take them and answer where Prometheus refuses.
                foreach (var perl in (ReadOnlySpan<string>)["(?=", "(?!", "(?<=", "(?<!", "(?>"])
                {
                    if (string.CompareOrdinal(pattern, i, perl, 0, perl.Length) == 0)
                    {
                        throw new ArgumentException($"invalid or unsupported Perl syntax: `{perl}` in regular expression");
                    }
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == '?')
                {
                    // Flags, (?flags) or (?flags:...): RE2's U (ungreedy) has no .NET counterpart.
                    var f = i + 2;
                    while (f < pattern.Length && (char.IsAsciiLetter(pattern[f]) || pattern[f] == '-'))
                    {
                        if (pattern[f] == 'U')
                        {
                            throw new ArgumentException("unsupported: the U (ungreedy) flag in regular expressions");
                        }

                        f++;
                    }
                }

                sb.Append('(');
                var nameAt = string.CompareOrdinal(pattern, i, "(?P<", 0, 4) == 0 ? i + 4
                    : string.CompareOrdinal(pattern, i, "(?<", 0, 3) == 0 && i + 3 < pattern.Length && pattern[i + 3] is not ('=' or '!') ? i + 3
                    : -1;
                if (nameAt >= 0)
                {
                    var close = pattern.IndexOf('>', nameAt);
                    if (close < 0)
                    {
                        throw new ArgumentException("unterminated group name in regular expression");
                    }

                    names.Add(pattern[nameAt..close]);
                    i = close;
                }
                else if (i + 1 >= pattern.Length || pattern[i + 1] != '?')
                {
                    names.Add(null);
                }
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>Appends the escape at <paramref name="i"/> and returns the index of its last character.</summary>
    private static int Escape(string pattern, int i, bool inClass, StringBuilder sb)
    {
        var e = pattern[i + 1];
        switch (e)
        {
            case 'd':
                sb.Append(inClass ? "0-9" : "[0-9]");
                return i + 1;
            case 'w':
                sb.Append(inClass ? "0-9A-Za-z_" : "[0-9A-Za-z_]");
                return i + 1;
            case 's':
                sb.Append(inClass ? @"\t\n\f\r " : @"[\t\n\f\r ]");
                return i + 1;
            case 'D' when !inClass:
                sb.Append("[^0-9]");
                return i + 1;
            case 'W' when !inClass:
                sb.Append("[^0-9A-Za-z_]");
                return i + 1;
            case 'S' when !inClass:
                sb.Append(@"[^\t\n\f\r ]");
                return i + 1;
            case 'p' or 'P' when i + 2 < pattern.Length && pattern[i + 2] != '{':
                sb.Append('\\').Append(e).Append('{').Append(pattern[i + 2]).Append('}');
                return i + 2;
            case 'Q' when !inClass:
                {
                    var end = pattern.IndexOf(@"\E", i + 2, StringComparison.Ordinal);
                    var literal = end < 0 ? pattern[(i + 2)..] : pattern[(i + 2)..end];
                    sb.Append(Regex.Escape(literal));
                    return end < 0 ? pattern.Length - 1 : end + 1;
                }

            case >= '1' and <= '9' when !inClass:
                // RE2 has no backreferences.
                throw new ArgumentException($"invalid escape sequence: `\\{e}` in regular expression");
            default:
                sb.Append('\\').Append(e);
                return i + 1;
        }
    }

    private static void AppendRanges(StringBuilder sb, IEnumerable<(char Lo, char Hi)> ranges)
    {
        foreach (var (lo, hi) in ranges)
        {
            sb.Append(@"\u").Append(((int)lo).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            if (hi != lo)
            {
                sb.Append(@"-\u").Append(((int)hi).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The ranges of every UTF-16 unit not in <paramref name="ranges"/> (sorted, disjoint).</summary>
    private static List<(char Lo, char Hi)> Complement((char Lo, char Hi)[] ranges)
    {
        var result = new List<(char, char)>();
        var next = 0;
        foreach (var (lo, hi) in ranges)
        {
            if (lo > next)
            {
                result.Add(((char)next, (char)(lo - 1)));
            }

            next = hi + 1;
        }

        if (next <= char.MaxValue)
        {
            result.Add(((char)next, char.MaxValue));
        }

        return result;
    }
}
