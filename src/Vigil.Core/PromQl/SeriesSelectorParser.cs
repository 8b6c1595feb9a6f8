using System.Text;
using Vigil.Core.Telemetry;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Core.PromQl;

/// <summary>A parse failure with the zero-based character position where it happened.</summary>
public sealed class PromQlParseException(string message, int position) : Exception($"{message} at position {position}")
{
    /// <summary>Zero-based character offset in the input.</summary>
    public int Position { get; } = position;

    /// <summary>The reason, without the position.</summary>
    public string Reason { get; } = message;
}

/// <summary>
/// Parses a PromQL series selector, <c>metric{label="value", other=~"re.*"}</c> or <c>{label="value"}</c>, into
/// label matchers. This is the selector grammar of the PromQL engine, usable on its own for <c>match[]</c>
/// parameters. A selector must have a metric name or at least one matcher that does not match the empty string,
/// as in Prometheus.
/// </summary>
public static class SeriesSelectorParser
{
    /// <summary>Parses a selector; throws <see cref="PromQlParseException"/> with the position of the error.</summary>
    public static IReadOnlyList<LabelMatcher> Parse(string text)
    {
        var matchers = new List<LabelMatcher>();
        var i = SkipSpace(text, 0);
        var nameStart = i;
        if (i < text.Length && IsNameStart(text[i], allowColon: true))
        {
            while (i < text.Length && IsNameChar(text[i], allowColon: true))
            {
                i++;
            }

            matchers.Add(LabelMatcher.MetricName(text[nameStart..i]));
            i = SkipSpace(text, i);
        }

        if (i < text.Length && text[i] == '{')
        {
            i = ParseMatchers(text, i + 1, matchers);
            i = SkipSpace(text, i);
        }

        if (i < text.Length)
        {
            throw new PromQlParseException($"unexpected character '{text[i]}' in series selector", i);
        }

        if (matchers.Count == 0)
        {
            throw new PromQlParseException("empty series selector", 0);
        }

        if (matchers.All(m => m.MatchesEmpty))
        {
            throw new PromQlParseException("vector selector must contain at least one non-empty matcher", 0);
        }

        return matchers;
    }

    private static int ParseMatchers(string text, int i, List<LabelMatcher> matchers)
    {
        while (true)
        {
            i = SkipSpace(text, i);
            if (i >= text.Length)
            {
                throw new PromQlParseException("unclosed '{' in series selector", i);
            }

            if (text[i] == '}')
            {
                return i + 1;
            }

            var nameStart = i;
            string name;
            if (text[i] == '"')
            {
                (name, i) = ParseString(text, i);
            }
            else
            {
                if (!IsNameStart(text[i], allowColon: false))
                {
                    throw new PromQlParseException($"expected a label name, found '{text[i]}'", i);
                }

                while (i < text.Length && IsNameChar(text[i], allowColon: false))
                {
                    i++;
                }

                name = text[nameStart..i];
            }

            i = SkipSpace(text, i);
            MatchType type;
            if (Match(text, i, "=~"))
            {
                type = MatchType.Regex;
                i += 2;
            }
            else if (Match(text, i, "!~"))
            {
                type = MatchType.NotRegex;
                i += 2;
            }
            else if (Match(text, i, "!="))
            {
                type = MatchType.NotEqual;
                i += 2;
            }
            else if (Match(text, i, "="))
            {
                type = MatchType.Equal;
                i += 1;
            }
            else
            {
                throw new PromQlParseException($"expected a matcher operator (=, !=, =~, !~) after label {name}", i);
            }

            i = SkipSpace(text, i);
            if (i >= text.Length || (text[i] != '"' && text[i] != '\'' && text[i] != '`'))
            {
                throw new PromQlParseException($"expected a quoted value for label {name}", i);
            }

            var valueStart = i;
            (var value, i) = ParseString(text, i);
            try
            {
                matchers.Add(new LabelMatcher(name, type, value));
            }
            catch (ArgumentException ex)
            {
                throw new PromQlParseException(ex.Message, valueStart);
            }

            i = SkipSpace(text, i);
            if (i < text.Length && text[i] == ',')
            {
                i++;
            }
            else if (i < text.Length && text[i] != '}')
            {
                throw new PromQlParseException($"expected ',' or '}}', found '{text[i]}'", i);
            }
        }
    }

    /// <summary>Parses a PromQL string literal (double, single or back quotes) starting at <paramref name="i"/>.</summary>
    internal static (string Value, int Next) ParseString(string text, int i)
    {
        var quote = text[i];
        var start = i;
        i++;
        var sb = new StringBuilder();
        while (i < text.Length && text[i] != quote)
        {
            if (text[i] == '\\' && quote != '`')
            {
                if (i + 1 >= text.Length)
                {
                    break;
                }

                var c = text[i + 1];
                sb.Append(c switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '\\' => '\\',
                    '"' => '"',
                    '\'' => '\'',
                    _ => throw new PromQlParseException($"unknown escape sequence '\\{c}'", i),
                });
                i += 2;
                continue;
            }

            sb.Append(text[i]);
            i++;
        }

        if (i >= text.Length)
        {
            throw new PromQlParseException("unterminated quoted string", start);
        }

        return (sb.ToString(), i + 1);
    }

    private static bool Match(string text, int i, string token) =>
        string.CompareOrdinal(text, i, token, 0, token.Length) == 0;

    private static int SkipSpace(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsNameStart(char c, bool allowColon) =>
        char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':');

    private static bool IsNameChar(char c, bool allowColon) =>
        IsNameStart(c, allowColon) || char.IsAsciiDigit(c);
}
