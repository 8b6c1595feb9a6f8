using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Core.Telemetry;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Core.PromQl;

/// <summary>
/// Parses PromQL (Prometheus 3 grammar) into an immutable <see cref="Expr"/> tree, checking types statically as
/// Prometheus does. Every failure is a <see cref="PromQlParseException"/> with the zero-based position of the offending
/// token.
/// </summary>
public static class PromQlParser
{
    /// <summary>The deepest expression tree accepted; deeper input is rejected rather than risking the stack.</summary>
    public const int MaxDepth = 256;

    private static readonly string[] Keywords =
    [
        "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
        "limitk", "limit_ratio", "and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left",
        "group_right", "bool", "offset",
    ];

    /// <summary>
    /// Parses a query; throws <see cref="PromQlParseException"/> with the position of the first error, and nothing
    /// else for any non-null input.
    /// </summary>
    public static Expr Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parser = new Parser(PromQlLexer.Tokenize(query));
        return parser.ParseQuery();
    }

    internal static bool IsKeyword(string word) => Keywords.Contains(word, StringComparer.OrdinalIgnoreCase);

    private sealed class Parser(List<Token> tokens)
    {
        private int _pos;
        private int _depth;

        private Token Peek => tokens[_pos].Kind == TokenKind.Error
            ? throw new PromQlParseException(tokens[_pos].Value!, tokens[_pos].Position)
            : tokens[_pos];

        internal Expr ParseQuery()
        {
            if (Peek.Kind == TokenKind.Eof)
            {
                throw new PromQlParseException("no expression found in input", 0);
            }

            var expr = ParseExpr(0);
            if (Peek.Kind != TokenKind.Eof)
            {
                throw Unexpected(Peek);
            }

            return expr;
        }

        private Token Next()
        {
            var t = Peek;
            if (_pos < tokens.Count - 1)
            {
                _pos++;
            }

            return t;
        }

        private bool PeekKeyword(string keyword) =>
            Peek.Kind == TokenKind.Identifier && Peek.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

        private static PromQlParseException Unexpected(Token t, string? context = null) =>
            new($"unexpected {t.Describe()}{(context is null ? string.Empty : " " + context)}", t.Position);

        private Token Expect(TokenKind kind, string context, Token? opener = null)
        {
            var t = Peek;
            if (t.Kind == kind)
            {
                return Next();
            }

            if (t.Kind == TokenKind.Eof && opener is { } o)
            {
                var what = o.Kind switch
                {
                    TokenKind.LeftParen => "parenthesis",
                    TokenKind.LeftBrace => "brace",
                    _ => "bracket",
                };
                throw new PromQlParseException($"unclosed left {what}", o.Position);
            }

            throw Unexpected(t, context);
        }

        private static T Track<T>(T node, params Expr?[] children)
            where T : Expr
        {
            var height = 1 + children.Select(c => c?.Height ?? 0).DefaultIfEmpty(0).Max();
            if (height > MaxDepth)
            {
                throw new PromQlParseException($"unsupported: expression nested deeper than {MaxDepth} levels", node.Position);
            }

            return (T)(node with { Height = height });
        }

        private void Enter(int position)
        {
            if (++_depth > MaxDepth)
            {
                throw new PromQlParseException($"unsupported: expression nested deeper than {MaxDepth} levels", position);
            }
        }

        private static int Precedence(BinaryOp op) => op switch
        {
            BinaryOp.Or => 1,
            BinaryOp.And or BinaryOp.Unless => 2,
            BinaryOp.Eql or BinaryOp.Neq or BinaryOp.Gtr or BinaryOp.Lss or BinaryOp.Gte or BinaryOp.Lte => 3,
            BinaryOp.Add or BinaryOp.Sub => 4,
            BinaryOp.Mul or BinaryOp.Div or BinaryOp.Mod or BinaryOp.Atan2 => 5,
            _ => 6,
        };

        private BinaryOp? PeekBinaryOp()
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Plus: return BinaryOp.Add;
                case TokenKind.Minus: return BinaryOp.Sub;
                case TokenKind.Star: return BinaryOp.Mul;
                case TokenKind.Slash: return BinaryOp.Div;
                case TokenKind.Percent: return BinaryOp.Mod;
                case TokenKind.Caret: return BinaryOp.Pow;
                case TokenKind.Equal: return BinaryOp.Eql;
                case TokenKind.NotEqual: return BinaryOp.Neq;
                case TokenKind.Greater: return BinaryOp.Gtr;
                case TokenKind.Less: return BinaryOp.Lss;
                case TokenKind.GreaterEqual: return BinaryOp.Gte;
                case TokenKind.LessEqual: return BinaryOp.Lte;
                case TokenKind.Identifier:
                    return t.Text.ToLowerInvariant() switch
                    {
                        "and" => BinaryOp.And,
                        "or" => BinaryOp.Or,
                        "unless" => BinaryOp.Unless,
                        "atan2" => BinaryOp.Atan2,
                        _ => null,
                    };
                default: return null;
            }
        }

        private Expr ParseExpr(int minPrecedence)
        {
            Enter(Peek.Position);
            var lhs = ParseUnary();
            while (PeekBinaryOp() is { } op && Precedence(op) >= minPrecedence)
            {
                var opToken = Next();
                var prec = Precedence(op);
                var returnBool = false;
                Token? boolToken = null;
                if (PeekKeyword("bool"))
                {
                    boolToken = Next();
                    returnBool = true;
                }

                VectorMatching? matching = null;
                Token? matchingToken = null;
                Token? groupToken = null;
                if (PeekKeyword("on") || PeekKeyword("ignoring"))
                {
                    matchingToken = Next();
                    var on = matchingToken.Value.Text.Equals("on", StringComparison.OrdinalIgnoreCase);
                    var labels = ParseLabelList();
                    var card = VectorMatchCardinality.OneToOne;
                    IReadOnlyList<string> include = [];
                    if (PeekKeyword("group_left") || PeekKeyword("group_right"))
                    {
                        groupToken = Next();
                        card = groupToken.Value.Text.Equals("group_left", StringComparison.OrdinalIgnoreCase)
                            ? VectorMatchCardinality.ManyToOne
                            : VectorMatchCardinality.OneToMany;
                        if (Peek.Kind == TokenKind.LeftParen)
                        {
                            include = ParseLabelList();
                        }
                    }

                    matching = new VectorMatching(card, labels, on, include);
                }

                // ^ is right-associative; all other operators are left-associative.
                var rhs = ParseExpr(op == BinaryOp.Pow ? prec : prec + 1);
                CheckBinary(op, opToken, lhs, rhs, boolToken, matching, matchingToken, groupToken);
                lhs = Track(new BinaryExpr(op, lhs, rhs, returnBool, matching, lhs.Position), lhs, rhs);
            }

            _depth--;
            return lhs;
        }

        private static void CheckBinary(
            BinaryOp op, Token opToken, Expr lhs, Expr rhs, Token? boolToken, VectorMatching? matching, Token? matchingToken, Token? groupToken)
        {
            if (boolToken is { } b && !BinaryExpr.IsComparison(op))
            {
                throw new PromQlParseException("bool modifier can only be used on comparison operators", b.Position);
            }

            foreach (var side in new[] { lhs, rhs })
            {
                if (side.ValueType is not (PromQlValueType.Scalar or PromQlValueType.Vector))
                {
                    throw new PromQlParseException(
                        $"binary expression must contain only scalar and instant vector types, got {Expr.TypeName(side.ValueType)}", side.Position);
                }
            }

            var bothScalar = lhs.ValueType == PromQlValueType.Scalar && rhs.ValueType == PromQlValueType.Scalar;
            var anyScalar = lhs.ValueType == PromQlValueType.Scalar || rhs.ValueType == PromQlValueType.Scalar;
            var opText = BinaryExpr.OpText(op);
            if (BinaryExpr.IsSetOperator(op) && anyScalar)
            {
                throw new PromQlParseException($"set operator {opText} not allowed in binary scalar expression", opToken.Position);
            }

            if (bothScalar && BinaryExpr.IsComparison(op) && boolToken is null)
            {
                throw new PromQlParseException("comparisons between scalars must use BOOL modifier", opToken.Position);
            }

            if (matching is not null && anyScalar)
            {
                throw new PromQlParseException("vector matching only allowed between instant vectors", matchingToken!.Value.Position);
            }

            if (matching is not null && groupToken is { } g && BinaryExpr.IsSetOperator(op))
            {
                throw new PromQlParseException($"no grouping allowed for \"{opText}\" operation", g.Position);
            }

            if (matching is { On: true })
            {
                foreach (var label in matching.Include)
                {
                    if (matching.MatchingLabels.Contains(label, StringComparer.Ordinal))
                    {
                        throw new PromQlParseException($"label \"{label}\" must not occur in ON and GROUP clause at once", groupToken!.Value.Position);
                    }
                }
            }
        }

        private Expr ParseUnary()
        {
            var t = Peek;
            if (t.Kind is TokenKind.Minus or TokenKind.Plus)
            {
                Next();
                Enter(t.Position);

                // A sign binds tighter than * but looser than ^, so -a ^ 2 is -(a ^ 2).
                var operand = ParseExpr(6);
                _depth--;
                if (operand.ValueType is not (PromQlValueType.Scalar or PromQlValueType.Vector))
                {
                    throw new PromQlParseException(
                        $"unary expression only allowed on expressions of type scalar or instant vector, got {Expr.TypeName(operand.ValueType)}", t.Position);
                }

                // As in Prometheus, a sign directly on a number folds into the literal: -1 is a NumberLiteral.
                if (operand is NumberLiteral number)
                {
                    return new NumberLiteral(t.Kind == TokenKind.Minus ? -number.Value : number.Value, t.Position);
                }

                return Track(new UnaryExpr(t.Kind == TokenKind.Minus, operand, t.Position), operand);
            }

            return ParsePostfix(ParsePrimary());
        }

        private Expr ParsePrimary()
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Number:
                    Next();
                    return new NumberLiteral(t.Number, t.Position);
                case TokenKind.Duration:
                    // Prometheus 3 reads a duration where a number is expected as its length in seconds.
                    Next();
                    return new NumberLiteral(t.Duration.TotalSeconds, t.Position);
                case TokenKind.String:
                    Next();
                    return new StringLiteral(t.Value!, t.Position);
                case TokenKind.LeftParen:
                {
                    Next();
                    Enter(t.Position);
                    var inner = ParseExpr(0);
                    _depth--;
                    Expect(TokenKind.RightParen, "in parenthesized expression", t);
                    return Track(new ParenExpr(inner, t.Position), inner);
                }

                case TokenKind.LeftBrace:
                    return ParseSelector(null, t.Position);
                case TokenKind.Identifier:
                    return ParseIdentifier();
                case TokenKind.Eof:
                    throw new PromQlParseException("unexpected end of input", t.Position);
                default:
                    throw Unexpected(t);
            }
        }

        private Expr ParseIdentifier()
        {
            var t = Next();
            var lower = t.Text.ToLowerInvariant();
            if (lower is "limitk" or "limit_ratio" && Peek.Kind == TokenKind.LeftParen)
            {
                throw new PromQlParseException($"unsupported: aggregation {lower}", t.Position);
            }

            // As in Prometheus, an aggregation keyword not followed by "(", "by" or "without" is a metric name: foo * sum.
            if (TryAggregationOp(lower) is { } aggOp
                && (Peek.Kind == TokenKind.LeftParen || PeekKeyword("by") || PeekKeyword("without")))
            {
                return ParseAggregation(aggOp, t);
            }

            // As in Prometheus, these keywords can never be metric names (by, without and offset can).
            if (lower is "and" or "or" or "unless" or "atan2" or "on" or "ignoring" or "group_left" or "group_right" or "bool")
            {
                throw Unexpected(t);
            }

            if (Peek.Kind == TokenKind.LeftParen)
            {
                return ParseCall(t);
            }

            return ParseSelector(t.Text, t.Position);
        }

        private static AggregationOp? TryAggregationOp(string lower) => lower switch
        {
            "sum" => AggregationOp.Sum,
            "avg" => AggregationOp.Avg,
            "min" => AggregationOp.Min,
            "max" => AggregationOp.Max,
            "count" => AggregationOp.Count,
            "group" => AggregationOp.Group,
            "stddev" => AggregationOp.Stddev,
            "stdvar" => AggregationOp.Stdvar,
            "topk" => AggregationOp.Topk,
            "bottomk" => AggregationOp.Bottomk,
            "quantile" => AggregationOp.Quantile,
            "count_values" => AggregationOp.CountValues,
            _ => null,
        };

        private Expr ParseAggregation(AggregationOp op, Token opToken)
        {
            IReadOnlyList<string>? grouping = null;
            var without = false;
            if (PeekKeyword("by") || PeekKeyword("without"))
            {
                without = Next().Text.Equals("without", StringComparison.OrdinalIgnoreCase);
                grouping = ParseLabelList();
            }

            var open = Peek;
            if (open.Kind != TokenKind.LeftParen)
            {
                throw Unexpected(open, "in aggregation");
            }

            var args = ParseArgs();
            if (grouping is null && (PeekKeyword("by") || PeekKeyword("without")))
            {
                without = Next().Text.Equals("without", StringComparison.OrdinalIgnoreCase);
                grouping = ParseLabelList();
            }

            var name = AggregateExpr.OpName(op);
            var hasParam = op is AggregationOp.Topk or AggregationOp.Bottomk or AggregationOp.Quantile or AggregationOp.CountValues;
            var want = hasParam ? 2 : 1;
            if (args.Count == 0)
            {
                throw new PromQlParseException("no arguments for aggregate expression provided", open.Position);
            }

            if (args.Count != want)
            {
                throw new PromQlParseException(
                    $"wrong number of arguments for aggregate expression provided, expected {want}, got {args.Count}", opToken.Position);
            }

            var body = args[^1];
            if (body.ValueType != PromQlValueType.Vector)
            {
                throw new PromQlParseException(
                    $"expected type instant vector in aggregation expression, got {Expr.TypeName(body.ValueType)}", body.Position);
            }

            Expr? param = hasParam ? args[0] : null;
            if (param is not null)
            {
                var wantType = op == AggregationOp.CountValues ? PromQlValueType.String : PromQlValueType.Scalar;
                if (param.ValueType != wantType)
                {
                    throw new PromQlParseException(
                        $"expected type {Expr.TypeName(wantType)} in aggregation parameter of {name}, got {Expr.TypeName(param.ValueType)}", param.Position);
                }
            }

            return Track(new AggregateExpr(op, body, param, grouping ?? [], without, opToken.Position), body, param);
        }

        private List<Expr> ParseArgs()
        {
            var open = Expect(TokenKind.LeftParen, "in argument list");
            var args = new List<Expr>();
            while (Peek.Kind != TokenKind.RightParen)
            {
                if (Peek.Kind == TokenKind.Eof)
                {
                    throw new PromQlParseException("unclosed left parenthesis", open.Position);
                }

                args.Add(ParseExpr(0));
                if (Peek.Kind == TokenKind.Comma)
                {
                    var comma = Next();
                    if (Peek.Kind == TokenKind.RightParen)
                    {
                        throw new PromQlParseException("trailing commas not allowed in function call args", comma.Position);
                    }
                }
                else if (Peek.Kind != TokenKind.RightParen)
                {
                    if (Peek.Kind == TokenKind.Eof)
                    {
                        throw new PromQlParseException("unclosed left parenthesis", open.Position);
                    }

                    throw Unexpected(Peek, "in argument list, expected \",\" or \")\"");
                }
            }

            Next();
            return args;
        }

        private Expr ParseCall(Token name)
        {
            var fn = PromQlFunctions.Get(name.Text);
            if (fn is null)
            {
                throw new PromQlParseException(
                    PromQlFunctions.IsUnsupported(name.Text) ? $"unsupported: function {name.Text}" : $"unknown function {name.Text}",
                    name.Position);
            }

            var args = ParseArgs();
            var max = fn.Variadic ? int.MaxValue : fn.ArgTypes.Length;
            if (args.Count < fn.MinArgs || args.Count > max)
            {
                var expected = fn.Variadic ? $"at least {fn.MinArgs}"
                    : fn.MinArgs == fn.ArgTypes.Length ? fn.MinArgs.ToString(CultureInfo.InvariantCulture)
                    : args.Count < fn.MinArgs ? $"at least {fn.MinArgs}" : $"at most {fn.ArgTypes.Length}";
                throw new PromQlParseException(
                    $"expected {expected} argument(s) in call to function {fn.Name}, got {args.Count}", name.Position);
            }

            for (var i = 0; i < args.Count; i++)
            {
                var want = fn.ArgTypes[Math.Min(i, fn.ArgTypes.Length - 1)];
                if (args[i].ValueType != want)
                {
                    throw new PromQlParseException(
                        $"expected type {Expr.TypeName(want)} in call to function {fn.Name}, got {Expr.TypeName(args[i].ValueType)}",
                        args[i].Position);
                }
            }

            return Track(new Call(fn.Name, args, name.Position), [.. args]);
        }

        private List<string> ParseLabelList()
        {
            var open = Expect(TokenKind.LeftParen, "in grouping opts");
            var labels = new List<string>();
            while (true)
            {
                var t = Next();
                switch (t.Kind)
                {
                    case TokenKind.RightParen:
                        return labels;
                    case TokenKind.Identifier when !t.Text.Contains(':', StringComparison.Ordinal):
                        labels.Add(t.Text);
                        break;
                    case TokenKind.String:
                        throw new PromQlParseException("unsupported: quoted (UTF-8) label names", t.Position);
                    case TokenKind.Eof:
                        throw new PromQlParseException("unclosed left parenthesis", open.Position);
                    default:
                        throw Unexpected(t, "in grouping opts, expected label");
                }

                if (Peek.Kind == TokenKind.Comma)
                {
                    Next();
                }
                else if (Peek.Kind != TokenKind.RightParen)
                {
                    if (Peek.Kind == TokenKind.Eof)
                    {
                        throw new PromQlParseException("unclosed left parenthesis", open.Position);
                    }

                    throw Unexpected(Peek, "in grouping opts, expected \",\" or \")\"");
                }
            }
        }

        private VectorSelector ParseSelector(string? metricName, int position)
        {
            var matchers = new List<LabelMatcher>();
            if (metricName is not null)
            {
                matchers.Add(LabelMatcher.MetricName(metricName));
            }

            if (Peek.Kind == TokenKind.LeftBrace)
            {
                var open = Next();
                while (true)
                {
                    var t = Next();
                    if (t.Kind == TokenKind.RightBrace)
                    {
                        break;
                    }

                    if (t.Kind == TokenKind.Eof)
                    {
                        throw new PromQlParseException("unclosed left brace", open.Position);
                    }

                    if (t.Kind == TokenKind.String)
                    {
                        throw new PromQlParseException("unsupported: quoted (UTF-8) label names", t.Position);
                    }

                    if (t.Kind != TokenKind.Identifier || t.Text.Contains(':', StringComparison.Ordinal))
                    {
                        throw Unexpected(t, "in label matching, expected label");
                    }

                    var opToken = Next();
                    var type = opToken.Kind switch
                    {
                        TokenKind.Assign => MatchType.Equal,
                        TokenKind.NotEqual => MatchType.NotEqual,
                        TokenKind.RegexMatch => MatchType.Regex,
                        TokenKind.RegexNoMatch => MatchType.NotRegex,
                        TokenKind.Eof => throw new PromQlParseException("unclosed left brace", open.Position),
                        _ => throw Unexpected(opToken, "in label matching, expected one of \"=\", \"!=\", \"=~\", \"!~\""),
                    };
                    var valueToken = Next();
                    if (valueToken.Kind != TokenKind.String)
                    {
                        if (valueToken.Kind == TokenKind.Eof)
                        {
                            throw new PromQlParseException("unclosed left brace", open.Position);
                        }

                        throw Unexpected(valueToken, "in label matching, expected string");
                    }

                    if (metricName is not null && t.Text == LabelSet.MetricNameLabel)
                    {
                        throw new PromQlParseException($"metric name must not be set twice: \"{metricName}\" or \"{valueToken.Value}\"", t.Position);
                    }

                    try
                    {
                        matchers.Add(new LabelMatcher(t.Text, type, valueToken.Value!));
                    }
                    catch (ArgumentException ex)
                    {
                        throw new PromQlParseException(ex.Message, valueToken.Position);
                    }

                    if (Peek.Kind == TokenKind.Comma)
                    {
                        Next();
                    }
                    else if (Peek.Kind != TokenKind.RightBrace)
                    {
                        if (Peek.Kind == TokenKind.Eof)
                        {
                            throw new PromQlParseException("unclosed left brace", open.Position);
                        }

                        throw Unexpected(Peek, "in label matching, expected \",\" or \"}\"");
                    }
                }
            }

            if (metricName is null && matchers.TrueForAll(MatchesEmptySafely))
            {
                throw new PromQlParseException("vector selector must contain at least one non-empty matcher", position);
            }

            return new VectorSelector(metricName, matchers, TimeSpan.Zero, null, position);
        }

        private static bool MatchesEmptySafely(LabelMatcher m)
        {
            try
            {
                return m.MatchesEmpty;
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }

        private Expr ParsePostfix(Expr expr)
        {
            while (true)
            {
                var t = Peek;
                if (t.Kind == TokenKind.LeftBracket)
                {
                    expr = ParseRangeOrSubquery(expr);
                }
                else if (PeekKeyword("offset"))
                {
                    Next();
                    var negative = false;
                    if (Peek.Kind is TokenKind.Minus or TokenKind.Plus)
                    {
                        negative = Next().Kind == TokenKind.Minus;
                    }

                    var offset = ParseDuration("in offset");
                    expr = WithOffset(expr, negative ? -offset : offset, t);
                }
                else if (t.Kind == TokenKind.At)
                {
                    Next();
                    expr = WithAt(expr, ParseAt(), t);
                }
                else
                {
                    return expr;
                }
            }
        }

        private TimeSpan ParseDuration(string context)
        {
            var t = Next();
            if (t.Kind == TokenKind.Duration)
            {
                return t.Duration;
            }

            // A plain number is seconds, as in Prometheus 3.
            if (t.Kind == TokenKind.Number && double.IsFinite(t.Number) && Math.Abs(t.Number) < 9e11)
            {
                return TimeSpan.FromMilliseconds(Math.Round(t.Number * 1000));
            }

            throw t.Kind == TokenKind.Number
                ? new PromQlParseException($"duration out of range: {t.Text}", t.Position)
                : Unexpected(t, context);
        }

        private AtModifier ParseAt()
        {
            var t = Next();
            if (t.Kind == TokenKind.Identifier && (t.Text == "start" || t.Text == "end"))
            {
                var open = Expect(TokenKind.LeftParen, "in @");
                Expect(TokenKind.RightParen, "in @", open);
                return new AtModifier(t.Text == "start" ? AtKind.Start : AtKind.End, 0);
            }

            var negative = false;
            if (t.Kind is TokenKind.Minus or TokenKind.Plus)
            {
                negative = t.Kind == TokenKind.Minus;
                t = Next();
            }

            if (t.Kind is not (TokenKind.Number or TokenKind.Duration))
            {
                throw Unexpected(t, "in @, expected timestamp, start() or end()");
            }

            var value = t.Kind == TokenKind.Duration ? t.Duration.TotalSeconds : t.Number;
            var seconds = negative ? -value : value;
            if (!double.IsFinite(seconds) || Math.Abs(seconds) > 9.2e15)
            {
                throw new PromQlParseException("timestamp out of bounds for @ modifier", t.Position);
            }

            return new AtModifier(AtKind.Timestamp, (long)Math.Round(seconds * 1000));
        }

        private static Expr WithOffset(Expr expr, TimeSpan offset, Token at)
        {
            switch (expr)
            {
                case VectorSelector { Offset.Ticks: not 0 }:
                case MatrixSelector { Selector.Offset.Ticks: not 0 }:
                case SubqueryExpr { Offset.Ticks: not 0 }:
                    throw new PromQlParseException("offset may not be set multiple times", at.Position);
                case VectorSelector vs:
                    return vs with { Offset = offset };
                case MatrixSelector ms:
                    return ms with { Selector = ms.Selector with { Offset = offset } };
                case SubqueryExpr sq:
                    return sq with { Offset = offset };
                default:
                    throw new PromQlParseException(
                        "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery", at.Position);
            }
        }

        private static Expr WithAt(Expr expr, AtModifier modifier, Token at)
        {
            switch (expr)
            {
                case VectorSelector { At: not null }:
                case MatrixSelector { Selector.At: not null }:
                case SubqueryExpr { At: not null }:
                    throw new PromQlParseException("@ <timestamp> may not be set multiple times", at.Position);
                case VectorSelector vs:
                    return vs with { At = modifier };
                case MatrixSelector ms:
                    return ms with { Selector = ms.Selector with { At = modifier } };
                case SubqueryExpr sq:
                    return sq with { At = modifier };
                default:
                    throw new PromQlParseException(
                        "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery", at.Position);
            }
        }

        private Expr ParseRangeOrSubquery(Expr expr)
        {
            var open = Next();
            var range = ParseDuration("in range");
            if (range <= TimeSpan.Zero)
            {
                throw new PromQlParseException("range must be positive", open.Position + 1);
            }

            if (Peek.Kind == TokenKind.Colon)
            {
                Next();
                TimeSpan? step = null;
                if (Peek.Kind != TokenKind.RightBracket)
                {
                    step = ParseDuration("in subquery step");
                    if (step <= TimeSpan.Zero)
                    {
                        throw new PromQlParseException("subquery step must be positive", open.Position);
                    }
                }

                Expect(TokenKind.RightBracket, "in subquery selector", open);
                if (expr.ValueType != PromQlValueType.Vector)
                {
                    throw new PromQlParseException(
                        $"subquery is only allowed on instant vector, got {Expr.TypeName(expr.ValueType)}", open.Position);
                }

                return Track(new SubqueryExpr(expr, range, step, TimeSpan.Zero, null, expr.Position), expr);
            }

            Expect(TokenKind.RightBracket, "in range selector", open);
            if (expr is not VectorSelector vs)
            {
                throw new PromQlParseException("ranges only allowed for vector selectors", open.Position);
            }

            if (vs.Offset != TimeSpan.Zero)
            {
                throw new PromQlParseException("no offset modifiers allowed before range", open.Position);
            }

            if (vs.At is not null)
            {
                throw new PromQlParseException("no @ modifiers allowed before range", open.Position);
            }

            return new MatrixSelector(vs, range, vs.Position);
        }
    }
}
