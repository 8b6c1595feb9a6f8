using System.Text;

namespace Vigil.Storage.Drift;

/// <summary>
/// Normalises SQL text (definitions of indexes, views, constraints, triggers, defaults) so that only meaning creates
/// drift: it is split into tokens (words, quoted identifiers, string literals, numbers, operators, punctuation) and
/// joined again with one fixed spacing rule, unquoted words lower-cased (SQL keywords and unquoted identifiers are
/// case-insensitive), quoted text kept as it is. <c>orders(customer_id)</c>, <c>ORDERS ( customer_id )</c> and the
/// same across three lines all become <c>orders(customer_id)</c>.
/// </summary>
internal static class SchemaSql
{
    /// <summary>Definitions longer than this are cut (with a marker): 16 KiB is far above any real index or view.</summary>
    public const int MaxDefinitionChars = 16 * 1024;

    // Words after which "(" keeps a space, the way PostgreSQL prints them ("primary key (id)", "x in (1, 2)"); after any
    // other word "(" follows directly, as a call or a column list does. Only stability matters; this keeps it readable.
    private static readonly HashSet<string> SpacedBeforeParenthesis = new(StringComparer.Ordinal)
    {
        "key", "check", "unique", "in", "exists", "and", "or", "not", "as", "on", "where", "when", "then", "else",
        "over", "filter", "values", "from", "select", "exclude", "returns", "table", "references", "using", "include",
        "with", "join", "any", "all", "some", "array", "row", "by", "is", "between", "like", "case", "distinct",
    };

    /// <summary>The normalised text of <paramref name="sql"/> (empty for null or blank).</summary>
    public static string Normalise(string? sql) => Join(Tokenize(sql));

    /// <summary>Splits SQL into tokens; whitespace and comments are dropped, unquoted words lower-cased.</summary>
    public static List<string> Tokenize(string? sql)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(sql))
        {
            return tokens;
        }

        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                // A line comment: up to the end of the line.
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c is '\'' or '"' or '`' or '[')
            {
                var close = c == '[' ? ']' : c;
                var start = i++;
                while (i < sql.Length)
                {
                    if (sql[i] == close)
                    {
                        // A doubled quote is an escaped quote inside the token.
                        if (close != ']' && i + 1 < sql.Length && sql[i + 1] == close)
                        {
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    i++;
                }

                tokens.Add(sql[start..i]);
            }
            else if (char.IsLetterOrDigit(c) || c is '_' or '$')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                {
                    i++;
                }

                // A number with a fraction stays one token ("1.5"); "t.col" does not (the dot is its own token).
                if (char.IsDigit(c) && i + 1 < sql.Length && sql[i] == '.' && char.IsDigit(sql[i + 1]))
                {
                    i++;
                    while (i < sql.Length && char.IsLetterOrDigit(sql[i]))
                    {
                        i++;
                    }
                }

                tokens.Add(sql[start..i].ToLowerInvariant());
            }
            else if (c is '(' or ')' or ',' or '.' or ';')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == ':' && i + 1 < sql.Length && sql[i + 1] == ':')
            {
                tokens.Add("::");
                i += 2;
            }
            else
            {
                var start = i;
                while (i < sql.Length && IsOperatorChar(sql[i]) && !(sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-'))
                {
                    i++;
                }

                if (i == start)
                {
                    i++;
                }

                tokens.Add(sql[start..i]);
            }
        }

        // A trailing statement terminator is not part of the definition.
        while (tokens.Count > 0 && tokens[^1] == ";")
        {
            tokens.RemoveAt(tokens.Count - 1);
        }

        return tokens;
    }

    /// <summary>Joins tokens with the one spacing rule (see the type's summary).</summary>
    public static string Join(IReadOnlyList<string> tokens, int start = 0)
    {
        var text = new StringBuilder();
        string? previous = null;
        for (var i = start; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (previous is not null && NeedsSpace(previous, token))
            {
                text.Append(' ');
            }

            text.Append(token);
            previous = token;
            if (text.Length > MaxDefinitionChars)
            {
                text.Length = MaxDefinitionChars;
                text.Append(" …(cut)");
                break;
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The tokens of a <c>CREATE [UNIQUE] INDEX|VIEW|TRIGGER [IF NOT EXISTS] [schema.]name</c> statement after the
    /// name, so the value does not repeat the key; returns the index of the first token after the name (or 0 when the
    /// statement does not have that shape, so nothing is lost).
    /// </summary>
    /// <param name="tokens">The statement's tokens.</param>
    /// <param name="objectWord"><c>index</c>, <c>view</c> or <c>trigger</c>.</param>
    public static int SkipCreatePrefix(IReadOnlyList<string> tokens, string objectWord)
    {
        if (tokens.Count == 0 || tokens[0] != "create")
        {
            return 0;
        }

        var i = tokens.IndexOfFrom(objectWord, 1);
        if (i < 0 || i > 6)
        {
            return 0;
        }

        i++;
        if (i + 2 < tokens.Count && tokens[i] == "if" && tokens[i + 1] == "not" && tokens[i + 2] == "exists")
        {
            i += 3;
        }

        // [concurrently] name or schema.name
        if (i < tokens.Count && tokens[i] == "concurrently")
        {
            i++;
        }

        i++;
        while (i + 1 < tokens.Count && tokens[i] == ".")
        {
            i += 2;
        }

        return Math.Min(i, tokens.Count);
    }

    /// <summary>Removes one level of identifier quoting (<c>"Orders"</c> to <c>Orders</c>); other text is returned as is.</summary>
    public static string Unquote(string identifier)
    {
        if (identifier.Length >= 2 && ((identifier[0] == '"' && identifier[^1] == '"') || (identifier[0] == '`' && identifier[^1] == '`')))
        {
            var quote = identifier[0].ToString();
            return identifier[1..^1].Replace(quote + quote, quote, StringComparison.Ordinal);
        }

        if (identifier.Length >= 2 && identifier[0] == '[' && identifier[^1] == ']')
        {
            return identifier[1..^1];
        }

        return identifier;
    }

    private static int IndexOfFrom(this IReadOnlyList<string> tokens, string token, int start)
    {
        for (var i = start; i < tokens.Count; i++)
        {
            if (tokens[i] == token)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool NeedsSpace(string previous, string token)
    {
        if (previous is "(" or "." or "::" || token is ")" or "," or "." or "::" or ";")
        {
            return false;
        }

        if (token == "(")
        {
            return !IsWord(previous) || SpacedBeforeParenthesis.Contains(previous);
        }

        return true;
    }

    private static bool IsWord(string token) =>
        token.Length > 0 && (char.IsLetterOrDigit(token[0]) || token[0] is '_' or '"' or '`' or '[' or '$');

    private static bool IsOperatorChar(char c) => c is '+' or '-' or '*' or '/' or '<' or '>' or '=' or '~' or '!' or '@' or '#' or '%' or '^' or '&' or '|' or '?' or ':';
}
