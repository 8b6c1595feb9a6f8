namespace Vigil.Core.LogPatterns;

/// <summary>
/// Splits a log body into whitespace-separated tokens and masks their variable parts with <c>&lt;*&gt;</c> before any
/// template matching (the display rule is in README.md in this folder). A token is cut into segments at the
/// delimiters <c>: = , ( ) [ ] { } ; " ' | #</c>; a segment is variable when it holds a digit (numbers, ids, hex,
/// IPs, UUIDs, durations such as <c>250ms</c>, block ids such as <c>blk_-123</c>), except a word ending in one
/// digit (<c>ssh2</c>, <c>tty2</c>), or when it is a path (<c>/a/b</c>). Dots around a variable stay
/// (<c>......0</c> becomes <c>......&lt;*&gt;</c>; <c>port 80.</c> at the end of a line or before a capital becomes
/// <c>port &lt;*&gt;.</c>), and so does a
/// word joined to a number by dots or dashes (<c>core.12</c> becomes <c>core.&lt;*&gt;</c>). A URL keeps its scheme
/// and the rest is one variable (<c>hdfs://h1:9000/x</c> becomes <c>hdfs://&lt;*&gt;</c>); <c>host/10.0.0.1</c> is two
/// variables; an abbreviated size unit joins its number (<c>4.0 KB,</c> becomes <c>&lt;*&gt;,</c>).
/// </summary>
internal static class LogMasker
{
    /// <summary>The text of a variable part.</summary>
    public const string Variable = "<*>";

    /// <summary>Largest output for <paramref name="maxBodyLength"/> input characters: a one-character variable becomes three.</summary>
    public static int OutputCapacity(int maxBodyLength) => (maxBodyLength * 3) + 8;

    /// <summary>
    /// Masks <paramref name="body"/> into <paramref name="output"/>, recording each token's start and length there.
    /// Returns the token count (at most <paramref name="maxTokens"/>; the rest of the line joins the last token).
    /// </summary>
    public static int Mask(ReadOnlySpan<char> body, Span<char> output, Span<int> starts, Span<int> lengths, int maxTokens, bool mask = true)
    {
        var count = 0;
        var written = 0;
        var i = 0;
        var contentEnd = body.TrimEnd().Length;
        while (i < body.Length)
        {
            while (i < body.Length && char.IsWhiteSpace(body[i]))
            {
                i++;
            }

            if (i >= body.Length)
            {
                break;
            }

            var end = i;
            if (count == maxTokens - 1)
            {
                // The last allowed token takes the rest of the line (its inner whitespace becomes single spaces).
                end = body.Length;
                while (end > i && char.IsWhiteSpace(body[end - 1]))
                {
                    end--;
                }
            }
            else
            {
                while (end < body.Length && !char.IsWhiteSpace(body[end]))
                {
                    end++;
                }
            }

            starts[count] = written;
            if (mask)
            {
                written = MaskToken(body[i..end], output, written, atSentenceEnd: end >= contentEnd || NextStartsUpper(body, end));
            }
            else
            {
                body[i..end].CopyTo(output[written..]);
                written += end - i;
            }

            lengths[count] = written - starts[count];
            count++;
            i = end;
            if (mask && lengths[count - 1] == 3 && UnitAfter(body, i) is var (unitEnd, punctuation) && unitEnd > 0)
            {
                // A size unit after a number is part of the value: "4.0 KB," is one variable, "<*>,".
                body.Slice(unitEnd - punctuation, punctuation).CopyTo(output[written..]);
                written += punctuation;
                lengths[count - 1] += punctuation;
                i = unitEnd;
            }
        }

        return count;
    }

    // Abbreviated size units, printed apart from their number ("4.0 KB"). Spelled-out units ("12 bytes", "took 5 ms")
    // stay words: the Loghub conventions keep them, and they read as part of the message.
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>If a unit token follows at <paramref name="i"/>, where it ends and how many punctuation characters close it.</summary>
    private static (int End, int Punctuation) UnitAfter(ReadOnlySpan<char> body, int i)
    {
        var start = i;
        while (start < body.Length && body[start] == ' ')
        {
            start++;
        }

        var end = start;
        while (end < body.Length && !char.IsWhiteSpace(body[end]))
        {
            end++;
        }

        var word = body[start..end];
        var punctuation = 0;
        while (punctuation < word.Length && word[word.Length - 1 - punctuation] is ',' or ')' or ';' or ']' or '.')
        {
            punctuation++;
        }

        var unit = word[..^punctuation];
        foreach (var candidate in Units)
        {
            if (unit.SequenceEqual(candidate))
            {
                return (end, punctuation);
            }
        }

        return (0, 0);
    }

    private static bool NextStartsUpper(ReadOnlySpan<char> body, int i)
    {
        while (i < body.Length && char.IsWhiteSpace(body[i]))
        {
            i++;
        }

        return i < body.Length && char.IsUpper(body[i]);
    }

    private static int MaskToken(ReadOnlySpan<char> token, Span<char> output, int written, bool atSentenceEnd = false)
    {
        if (token.Length == 3 && token.SequenceEqual(Variable))
        {
            Variable.CopyTo(output[written..]);
            return written + 3;
        }

        var scheme = token.IndexOf("://");
        if (scheme > 0)
        {
            // A URL: the scheme stays, everything after "://" up to closing punctuation is one variable.
            written = MaskToken(token[..scheme], output, written);
            "://".CopyTo(output[written..]);
            written += 3;
            var rest = token[(scheme + 3)..];
            var close = rest.Length;
            while (close > 0 && rest[close - 1] is ']' or ')' or '}' or ',' or ';' or '\'' or '"' or '.')
            {
                close--;
            }

            if (close > 0)
            {
                Variable.CopyTo(output[written..]);
                written += 3;
            }

            rest[close..].CopyTo(output[written..]);
            return written + (rest.Length - close);
        }

        var segmentStart = 0;
        for (var i = 0; i <= token.Length; i++)
        {
            if (i < token.Length && !IsDelimiter(token[i]))
            {
                continue;
            }

            written = MaskSegment(token[segmentStart..i], output, written, keepTrailingDots: atSentenceEnd && i == token.Length);
            if (i < token.Length)
            {
                var c = token[i];
                output[written++] = char.IsWhiteSpace(c) ? ' ' : c;
            }

            segmentStart = i + 1;
        }

        return written;
    }

    private static int MaskSegment(ReadOnlySpan<char> segment, Span<char> output, int written, bool keepTrailingDots = false)
    {
        if (segment.IsEmpty)
        {
            return written;
        }

        if (segment.StartsWith("//") && segment.Length > 2)
        {
            // The rest of a URL after its scheme: keep the slashes, judge the rest.
            output[written++] = '/';
            output[written++] = '/';
            return MaskSegment(segment[2..], output, written, keepTrailingDots);
        }

        var slash = segment.IndexOf('/');
        if (slash > 0 && slash < segment.Length - 1 && segment[(slash + 1)..].IndexOf('/') < 0 && IsVariable(segment))
        {
            // host/address, as Java prints a socket address: two values.
            written = MaskSegment(segment[..slash], output, written);
            output[written++] = '/';
            return MaskSegment(segment[(slash + 1)..], output, written, keepTrailingDots);
        }

        if (!IsVariable(segment))
        {
            segment.CopyTo(output[written..]);
            return written + segment.Length;
        }

        // A word joined to a number by dots or dashes keeps the word: core.1234, node-17, instruction......0.
        var word = 0;
        while (word < segment.Length && char.IsAsciiLetter(segment[word]))
        {
            word++;
        }

        var joint = word;
        while (joint < segment.Length && segment[joint] is '.' or '-')
        {
            joint++;
        }

        if (word > 0 && joint > word && joint < segment.Length && char.IsAsciiDigit(segment[joint]))
        {
            segment[..joint].CopyTo(output[written..]);
            written += joint;
            segment = segment[joint..];
        }

        var lead = 0;
        while (lead < segment.Length && segment[lead] == '.')
        {
            output[written++] = '.';
            lead++;
        }

        // Dots after a value end a sentence at the end of the line ("port 80.") or before a capital ("host:80. Already
        // tried"); elsewhere they belong to the value (a path "part-0001." before another field).
        var trail = segment.Length;
        while (keepTrailingDots && trail > lead && segment[trail - 1] == '.')
        {
            trail--;
        }

        Variable.CopyTo(output[written..]);
        written += 3;
        for (var k = trail; k < segment.Length; k++)
        {
            output[written++] = '.';
        }

        return written;
    }

    /// <summary>Whether a segment (a token part between delimiters) is a variable part.</summary>
    internal static bool IsVariable(ReadOnlySpan<char> segment)
    {
        var digits = 0;
        var letters = 0;
        var slashes = 0;
        var lastDigit = -1;
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (char.IsAsciiDigit(c))
            {
                digits++;
                lastDigit = i;
            }
            else if (char.IsAsciiLetter(c))
            {
                letters++;
            }
            else if (c == '/')
            {
                slashes++;
            }
        }

        if (digits == 0)
        {
            // A path: /a/b, or a/b/c with at least two slashes.
            return (slashes >= 1 && segment[0] == '/' && segment.Length > 1) || slashes >= 2;
        }

        // A word ending in one digit is a name (ssh2, tty2, HttpServer2), not a value.
        return !(digits == 1 && lastDigit == segment.Length - 1 && letters == segment.Length - 1 && letters >= 2);
    }

    private static bool IsDelimiter(char c) => c switch
    {
        ':' or '=' or ',' or '(' or ')' or '[' or ']' or '{' or '}' or ';' or '"' or '\'' or '|' or '#' => true,
        _ => false,
    };
}
