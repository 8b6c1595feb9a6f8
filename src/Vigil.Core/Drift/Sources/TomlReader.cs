using System.Globalization;
using System.Text;

namespace Vigil.Core.Drift.Sources;

/// <summary>
/// A small TOML reader that flattens a document to <c>table.key</c> paths (arrays and arrays of tables by index,
/// <c>servers.0.host</c>): tables, arrays of tables, dotted and quoted keys, basic and literal strings (also multi-line),
/// integers (decimal, hex, octal, binary, with <c>_</c>), floats, booleans, dates and times (kept as written), arrays
/// and inline tables. It reads, it does not validate every rule of the specification (duplicate keys: the last wins).
/// </summary>
internal sealed class TomlReader(string text)
{
    private readonly string _text = text.ReplaceLineEndings("\n");
    private readonly List<KeyValuePair<string, string>> _pairs = [];
    private readonly Dictionary<string, int> _tableArrays = new(StringComparer.Ordinal);
    private int _position;
    private int _line = 1;

    public List<KeyValuePair<string, string>> Read()
    {
        var table = "";
        while (true)
        {
            SkipBlankAndComments();
            if (_position >= _text.Length)
            {
                return _pairs;
            }

            if (Peek() == '[')
            {
                var array = _position + 1 < _text.Length && _text[_position + 1] == '[';
                _position += array ? 2 : 1;
                SkipSpaces();
                var name = string.Join('.', ReadKey());
                SkipSpaces();
                Expect(']');
                if (array)
                {
                    Expect(']');
                    var index = _tableArrays.TryGetValue(name, out var count) ? count : 0;
                    _tableArrays[name] = index + 1;
                    table = name + "." + index.ToString(CultureInfo.InvariantCulture);
                }
                else
                {
                    // A sub-table of the latest element of an array of tables ([[a]] then [a.b]).
                    table = ResolveTable(name);
                }

                EndOfLine();
                continue;
            }

            var key = string.Join('.', ReadKey());
            SkipSpaces();
            Expect('=');
            SkipSpaces();
            ReadValue(table.Length == 0 ? key : table + "." + key, 0);
            EndOfLine();
        }
    }

    private string ResolveTable(string name)
    {
        foreach (var (arrayName, count) in _tableArrays.OrderByDescending(a => a.Key.Length))
        {
            if (name.StartsWith(arrayName + ".", StringComparison.Ordinal))
            {
                return arrayName + "." + (count - 1).ToString(CultureInfo.InvariantCulture) + name[arrayName.Length..];
            }
        }

        return name;
    }

    private void ReadValue(string path, int depth)
    {
        ConfigFormats.Bound(_pairs, depth);
        var c = Peek();
        switch (c)
        {
            case '"' or '\'':
                _pairs.Add(new(path, ReadString()));
                return;
            case '[':
                _position++;
                var index = 0;
                while (true)
                {
                    SkipBlankAndComments();
                    if (Peek() == ']')
                    {
                        _position++;
                        return;
                    }

                    ReadValue(path + "." + index.ToString(CultureInfo.InvariantCulture), depth + 1);
                    index++;
                    SkipBlankAndComments();
                    if (Peek() == ',')
                    {
                        _position++;
                        continue;
                    }

                    Expect(']');
                    return;
                }

            case '{':
                _position++;
                SkipSpaces();
                if (Peek() == '}')
                {
                    _position++;
                    return;
                }

                while (true)
                {
                    SkipSpaces();
                    var key = string.Join('.', ReadKey());
                    SkipSpaces();
                    Expect('=');
                    SkipSpaces();
                    ReadValue(path + "." + key, depth + 1);
                    SkipSpaces();
                    if (Peek() == ',')
                    {
                        _position++;
                        continue;
                    }

                    Expect('}');
                    return;
                }

            default:
                var start = _position;
                while (_position < _text.Length && _text[_position] is not (',' or ']' or '}' or '\n' or '#'))
                {
                    _position++;
                }

                var bare = _text[start.._position].TrimEnd();
                _position = start + bare.Length;
                _pairs.Add(new(path, Scalar(bare)));
                return;
        }
    }

    private string Scalar(string bare)
    {
        if (bare is "true" or "false")
        {
            return bare;
        }

        if (bare.Length == 0)
        {
            throw Error("a value is missing");
        }

        var digits = bare.Replace("_", "", StringComparison.Ordinal);
        if (digits.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(digits.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
        {
            return hex.ToString(CultureInfo.InvariantCulture);
        }

        if (digits.StartsWith("0o", StringComparison.Ordinal) || digits.StartsWith("0b", StringComparison.Ordinal))
        {
            var radix = digits[1] == 'o' ? 8 : 2;
            try
            {
                return Convert.ToInt64(digits[2..], radix).ToString(CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw Error("a value is not a number");
            }
        }

        if (digits is "inf" or "+inf" or "-inf" or "nan" or "+nan" or "-nan")
        {
            return digits.TrimStart('+');
        }

        if (char.IsAsciiDigit(digits[0]) || digits[0] is '+' or '-')
        {
            // Dates and times (1979-05-27T07:32:00Z, 07:32:00) are kept as written.
            if (digits.Length >= 8 && (digits[4] == '-' || digits[2] == ':'))
            {
                return bare;
            }

            if (decimal.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return number.ToString("G29", CultureInfo.InvariantCulture);
            }
        }

        // The text itself is left out of the reason: an unquoted value may be a secret.
        throw Error("a value is not a TOML string, number, boolean, date, array or table");
    }

    private List<string> ReadKey()
    {
        var parts = new List<string>();
        while (true)
        {
            SkipSpaces();
            var c = Peek();
            if (c is '"' or '\'')
            {
                parts.Add(ReadString());
            }
            else
            {
                var start = _position;
                while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] is '_' or '-'))
                {
                    _position++;
                }

                if (_position == start)
                {
                    throw Error("a key is missing");
                }

                parts.Add(_text[start.._position]);
            }

            SkipSpaces();
            if (Peek() != '.')
            {
                return parts;
            }

            _position++;
        }
    }

    private string ReadString()
    {
        var quote = Peek();
        var multi = _position + 2 < _text.Length && _text[_position + 1] == quote && _text[_position + 2] == quote;
        _position += multi ? 3 : 1;
        if (multi && Peek() == '\n')
        {
            _position++;
            _line++;
        }

        var builder = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw Error("a string is not closed");
            }

            var c = _text[_position];
            if (c == quote && (!multi || (_position + 2 < _text.Length && _text[_position + 1] == quote && _text[_position + 2] == quote)))
            {
                _position += multi ? 3 : 1;
                // Up to two more quotes belong to a multi-line string's content ("""a""""" is a"").
                for (var extra = 0; multi && extra < 2 && _position < _text.Length && _text[_position] == quote; extra++)
                {
                    builder.Append(quote);
                    _position++;
                }

                return builder.ToString();
            }

            if (c == '\n')
            {
                if (!multi)
                {
                    throw Error("a string is not closed before the end of the line");
                }

                _line++;
            }

            if (c == '\\' && quote == '"')
            {
                _position++;
                var escaped = Peek();
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'e': builder.Append('\u001b'); break;
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case 'u' or 'U':
                        var length = escaped == 'u' ? 4 : 8;
                        if (_position + length >= _text.Length ||
                            !int.TryParse(_text.AsSpan(_position + 1, length), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code) ||
                            code is < 0 or > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF)
                        {
                            throw Error("a \\u escape is not a Unicode scalar value");
                        }

                        builder.Append(char.ConvertFromUtf32(code));
                        _position += length;
                        break;
                    case '\n' when multi:
                        // A line-ending backslash trims the newline and the whitespace that follows.
                        while (_position + 1 < _text.Length && char.IsWhiteSpace(_text[_position + 1]))
                        {
                            if (_text[_position + 1] == '\n')
                            {
                                _line++;
                            }

                            _position++;
                        }

                        break;
                    default:
                        throw Error($"'\\{escaped}' is not a TOML escape");
                }

                _position++;
                continue;
            }

            builder.Append(c);
            _position++;
        }
    }

    private void SkipSpaces()
    {
        while (_position < _text.Length && _text[_position] is ' ' or '\t')
        {
            _position++;
        }
    }

    private void SkipBlankAndComments()
    {
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c is ' ' or '\t' or '\r')
            {
                _position++;
            }
            else if (c == '\n')
            {
                _position++;
                _line++;
            }
            else if (c == '#')
            {
                while (_position < _text.Length && _text[_position] != '\n')
                {
                    _position++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private void EndOfLine()
    {
        SkipSpaces();
        if (_position < _text.Length && _text[_position] == '#')
        {
            while (_position < _text.Length && _text[_position] != '\n')
            {
                _position++;
            }
        }

        if (_position < _text.Length && _text[_position] != '\n')
        {
            throw Error($"unexpected '{_text[_position]}' after a value");
        }
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error(_position >= _text.Length ? $"expected '{c}' before the end" : $"expected '{c}', found '{_text[_position]}'");
        }

        _position++;
    }

    private SourceReadException Error(string reason) =>
        new(string.Create(CultureInfo.InvariantCulture, $"invalid TOML at line {_line}: {reason}"));
}
