using System.Globalization;
using Vigil.Core.Time;

namespace Vigil.Core.PromQl;

/// <summary>Kinds of PromQL tokens.</summary>
internal enum TokenKind
{
    Eof,

    /// <summary>A lexical error; the parser reports it only when it reaches it, so earlier errors win.</summary>
    Error,
    Identifier,
    Number,
    Duration,
    String,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Colon,
    At,
    Assign,
    RegexMatch,
    RegexNoMatch,
    NotEqual,
    Equal,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
}

/// <summary>A token: its kind, start offset, source text and decoded value.</summary>
internal readonly record struct Token(TokenKind Kind, int Position, string Text, double Number = 0, TimeSpan Duration = default, string? Value = null)
{
    /// <summary>How error messages name the token, in Prometheus's wording.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of input",
        TokenKind.Identifier => PromQlParser.IsKeyword(Text) ? $"<{Text.ToLowerInvariant()}>" : $"identifier \"{Text}\"",
        TokenKind.Number => $"number \"{Text}\"",
        TokenKind.Duration => $"duration \"{Text}\"",
        TokenKind.String => $"string {Text}",
        TokenKind.Plus or TokenKind.Minus or TokenKind.Star or TokenKind.Slash or TokenKind.Percent or TokenKind.Caret
            or TokenKind.Equal or TokenKind.NotEqual or TokenKind.Greater or TokenKind.Less or TokenKind.GreaterEqual
            or TokenKind.LessEqual or TokenKind.At => $"<op:{Text}>",
        _ => $"\"{Text}\"",
    };
}

/// <summary>
/// Splits PromQL into tokens. Whitespace and <c># comments</c> are skipped; numbers directly followed by a unit
/// become durations; keywords stay identifiers for the parser to recognise.
/// </summary>
internal static class PromQlLexer
{
    /// <summary>
    /// Tokenises the whole query; the last token is <see cref="TokenKind.Eof"/>, or <see cref="TokenKind.Error"/> carrying
    /// the reason and position of the first lexical error.
    /// </summary>
    internal static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        try
        {
            Scan(text, tokens);
        }
        catch (PromQlParseException ex)
        {
            tokens.Add(new Token(TokenKind.Error, ex.Position, string.Empty, Value: ex.Reason));
        }

        return tokens;
    }

    private static void Scan(string text, List<Token> tokens)
    {
        var i = 0;

        // Inside [...] a colon always separates a subquery's range from its step, never starts a metric name.
        var inBrackets = false;
        while (true)
        {
            i = SkipSpaceAndComments(text, i);
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.Eof, text.Length, string.Empty));
                return;
            }

            var c = text[i];
            var start = i;
            if (IsIdentStart(c) && !(inBrackets && c == ':'))
            {
                while (i < text.Length && IsIdentChar(text[i]) && !(inBrackets && text[i] == ':'))
                {
                    i++;
                }

                var word = text[start..i];
                if (word.Equals("inf", StringComparison.OrdinalIgnoreCase))
                {
                    tokens.Add(new Token(TokenKind.Number, start, word, double.PositiveInfinity));
                }
                else if (word.Equals("nan", StringComparison.OrdinalIgnoreCase))
                {
                    tokens.Add(new Token(TokenKind.Number, start, word, double.NaN));
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Identifier, start, word));
                }

                continue;
            }

            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(LexNumber(text, ref i));
                continue;
            }

            if (c is '"' or '\'' or '`')
            {
                var (value, next) = LexString(text, i);
                tokens.Add(new Token(TokenKind.String, start, text[start..next], Value: value));
                i = next;
                continue;
            }

            var two = i + 1 < text.Length ? text.Substring(i, 2) : string.Empty;
            var kind2 = two switch
            {
                "=~" => TokenKind.RegexMatch,
                "!~" => TokenKind.RegexNoMatch,
                "!=" => TokenKind.NotEqual,
                "==" => TokenKind.Equal,
                ">=" => TokenKind.GreaterEqual,
                "<=" => TokenKind.LessEqual,
                _ => TokenKind.Eof,
            };
            if (kind2 != TokenKind.Eof)
            {
                tokens.Add(new Token(kind2, start, two));
                i += 2;
                continue;
            }

            TokenKind kind = c switch
            {
                '(' => TokenKind.LeftParen,
                ')' => TokenKind.RightParen,
                '{' => TokenKind.LeftBrace,
                '}' => TokenKind.RightBrace,
                '[' => TokenKind.LeftBracket,
                ']' => TokenKind.RightBracket,
                ',' => TokenKind.Comma,
                ':' => TokenKind.Colon,
                '@' => TokenKind.At,
                '=' => TokenKind.Assign,
                '>' => TokenKind.Greater,
                '<' => TokenKind.Less,
                '+' => TokenKind.Plus,
                '-' => TokenKind.Minus,
                '*' => TokenKind.Star,
                '/' => TokenKind.Slash,
                '%' => TokenKind.Percent,
                '^' => TokenKind.Caret,
                _ => throw new PromQlParseException($"unexpected character: '{c}'", i),
            };
            inBrackets = kind switch
            {
                TokenKind.LeftBracket => true,
                TokenKind.RightBracket => false,
                _ => inBrackets,
            };
            tokens.Add(new Token(kind, start, c.ToString()));
            i++;
        }
    }

    /// <summary>Identifiers may contain colons, as metric names do; the parser rejects them in label names.</summary>
    internal static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_' || c == ':';

    internal static bool IsIdentChar(char c) => IsIdentStart(c) || char.IsAsciiDigit(c);

    /// <summary>
    /// Reads a string literal as Prometheus does: backquoted strings are raw; in single- and double-quoted strings a
    /// newline is not allowed and backslash escapes follow Go (\a \b \f \n \r \t \v \\ \' \" \NNN \xNN \uNNNN
    /// \UNNNNNNNN).
    /// </summary>
    internal static (string Value, int Next) LexString(string text, int i)
    {
        var quote = text[i];
        var start = i;
        i++;
        var sb = new System.Text.StringBuilder();
        while (true)
        {
            if (i >= text.Length || (quote != '`' && text[i] == '\n'))
            {
                throw new PromQlParseException("unterminated quoted string", start);
            }

            var c = text[i];
            if (c == quote)
            {
                return (sb.ToString(), i + 1);
            }

            if (c != '\\' || quote == '`')
            {
                sb.Append(c);
                i++;
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new PromQlParseException("unterminated quoted string", start);
            }

            var escapeStart = i;
            var e = text[i + 1];
            i += 2;
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\' or '\'' or '"': sb.Append(e); break;
                case >= '0' and <= '7':
                    i--;
                    AppendCodePoint(sb, ReadDigits(text, ref i, 3, 8, escapeStart), 255, escapeStart);
                    break;
                case 'x':
                    AppendCodePoint(sb, ReadDigits(text, ref i, 2, 16, escapeStart), 255, escapeStart);
                    break;
                case 'u':
                    AppendCodePoint(sb, ReadDigits(text, ref i, 4, 16, escapeStart), 0x10FFFF, escapeStart);
                    break;
                case 'U':
                    AppendCodePoint(sb, ReadDigits(text, ref i, 8, 16, escapeStart), 0x10FFFF, escapeStart);
                    break;
                default:
                    throw new PromQlParseException($"unknown escape sequence '\\{e}'", escapeStart);
            }
        }
    }

    private static int ReadDigits(string text, ref int i, int count, int radix, int escapeStart)
    {
        var value = 0;
        for (var k = 0; k < count; k++, i++)
        {
            var digit = i < text.Length ? HexValue(text[i]) : -1;
            if (digit < 0 || digit >= radix)
            {
                throw new PromQlParseException("illegal character in escape sequence", escapeStart);
            }

            value = (value * radix) + digit;
        }

        return value;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static void AppendCodePoint(System.Text.StringBuilder sb, int value, int max, int escapeStart)
    {
        if (value > max || value < 0 || (value >= 0xD800 && value <= 0xDFFF))
        {
            throw new PromQlParseException("escape sequence is invalid Unicode code point", escapeStart);
        }

        sb.Append(char.ConvertFromUtf32(value));
    }

    private static int SkipSpaceAndComments(string text, int i)
    {
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            else if (text[i] == '#')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static Token LexNumber(string text, ref int i)
    {
        var start = i;
        if (text[i] == '0' && i + 1 < text.Length && (text[i + 1] == 'x' || text[i + 1] == 'X'))
        {
            i += 2;
            double hex = 0;
            var digitsStart = i;
            while (i < text.Length && char.IsAsciiHexDigit(text[i]))
            {
                hex = (hex * 16) + int.Parse(text.AsSpan(i, 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                i++;
            }

            if (i == digitsStart)
            {
                throw BadNumber(text, start, i);
            }

            EnsureEnd(text, start, i);
            if (double.IsInfinity(hex))
            {
                throw new PromQlParseException($"error parsing number: value out of range: \"{text[start..i]}\"", start);
            }

            return new Token(TokenKind.Number, start, text[start..i], hex);
        }

        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        // Digits directly followed by a unit letter make a duration such as 1h30m or 250ms.
        if (i < text.Length && IsDurationUnitStart(text[i]) && text[start] != '.')
        {
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || char.IsAsciiLetter(text[i])))
            {
                i++;
            }

            var durationText = text[start..i];
            if (durationText.Any(ch => char.IsAsciiLetter(ch) && !IsDurationUnitStart(ch)))
            {
                throw BadNumber(text, start, i);
            }

            if (!DurationParser.TryParse(durationText, out var duration, out _, allowBareSeconds: false))
            {
                throw new PromQlParseException($"not a valid duration string: \"{durationText}\"", start);
            }

            EnsureEnd(text, start, i);
            return new Token(TokenKind.Duration, start, durationText, Duration: duration);
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            if (i < text.Length && (text[i] == '+' || text[i] == '-'))
            {
                i++;
            }

            var expStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == expStart)
            {
                throw BadNumber(text, start, i);
            }
        }

        EnsureEnd(text, start, i);
        var numberText = text[start..i];
        if (!double.TryParse(numberText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw BadNumber(text, start, i);
        }

        // .NET reads an overflowing literal as infinity; Prometheus rejects it.
        if (double.IsInfinity(value))
        {
            throw new PromQlParseException($"error parsing number: value out of range: \"{numberText}\"", start);
        }

        return new Token(TokenKind.Number, start, numberText, value);
    }

    private static void EnsureEnd(string text, int start, int i)
    {
        if (i < text.Length && ((IsIdentChar(text[i]) && text[i] != ':') || text[i] == '.'))
        {
            var end = i;
            while (end < text.Length && ((IsIdentChar(text[end]) && text[end] != ':') || text[end] == '.'))
            {
                end++;
            }

            throw BadNumber(text, start, end);
        }
    }

    private static PromQlParseException BadNumber(string text, int start, int end) =>
        new($"bad number or duration syntax: \"{text[start..Math.Min(end, text.Length)]}\"", start);

    private static bool IsDurationUnitStart(char c) => c is 'y' or 'w' or 'd' or 'h' or 'm' or 's';
}
