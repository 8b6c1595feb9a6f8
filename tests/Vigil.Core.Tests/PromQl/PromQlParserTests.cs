using System.Globalization;
using Vigil.Core.PromQl;
using Xunit.Abstractions;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Core.Tests.PromQl;

public sealed class PromQlParserTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> ValidQueries => new()
    {
        // Literals
        { "1", "1" },
        { "1.5", "1.5" },
        { ".5", "0.5" },
        { "1e3", "1000" },
        { "1.5E-3", "0.0015" },
        { "0x1f", "31" },
        { "0X1F", "31" },
        { "Inf", "Inf" },
        { "inf", "Inf" },
        { "NaN", "NaN" },
        { "-Inf", "-Inf" },
        { "+5", "5" },
        { "- -1", "1" },
        { "-1^-2", "-1 ^ -2" },
        { "+1 + -2 * 1", "1 + -2 * 1" },
        { "1 < bool 2 - 1 * 2", "1 < bool 2 - 1 * 2" },
        { "5m", "300" },
        { "time() - 1h30m", "time() - 5400" },
        { "up @ 1h", "up @ 3600.000" },
        { "-1", "-1" },
        { "\"hello\"", "\"hello\"" },
        { "'single'", "\"single\"" },
        { "`raw\\n`", "\"raw\\\\n\"" },
        { "\"esc \\\" \\n \\t\"", "\"esc \\\" \\n \\t\"" },
        { "\"\\x41\\u00e9\\101\\a\\U0001F600\"", "\"A\u00e9A\\a\U0001F600\"" },
        { "'it\\'s'", "\"it's\"" },
        { "`a\nb\\d`", "\"a\\nb\\\\d\"" },
        { "\"\u0001\"", "\"\\x01\"" },

        // Selectors
        { "up", "up" },
        { "job:requests:rate5m", "job:requests:rate5m" },
        { "up{}", "up" },
        { "up{job=\"api\"}", "up{job=\"api\"}" },
        { "up{job='api',code!=\"200\",path=~\"/v1/.*\",method!~`GET|HEAD`,}", "up{job=\"api\", code!=\"200\", path=~\"/v1/.*\", method!~\"GET|HEAD\"}" },
        { "{__name__=\"up\"}", "{__name__=\"up\"}" },
        { "{__name__=~\"up|down\", job=\"a\"}", "{__name__=~\"up|down\", job=\"a\"}" },
        { "{job=\"a\"}", "{job=\"a\"}" },
        { "up{by=\"x\", offset=\"y\"}", "up{by=\"x\", offset=\"y\"}" },
        { "rate", "rate" },
        { "foo * sum", "foo * sum" },
        { "sum{job=\"a\"} + count", "sum{job=\"a\"} + count" },
        { "offset{step=\"1s\"}[5m]", "offset{step=\"1s\"}[5m]" },
        { "by", "by" },
        { "up # a comment\n", "up" },
        { "# leading comment\nup", "up" },

        // Modifiers
        { "up offset 5m", "up offset 5m" },
        { "up offset -5m", "up offset -5m" },
        { "up offset 1h30m", "up offset 1h30m" },
        { "up offset 90m", "up offset 1h30m" },
        { "up offset 250ms", "up offset 250ms" },
        { "up offset 1d", "up offset 1d" },
        { "up offset 2w", "up offset 2w" },
        { "up offset 1y", "up offset 1y" },
        { "up offset 30", "up offset 30s" },
        { "up OFFSET 5m", "up offset 5m" },
        { "up @ 1609746000", "up @ 1609746000.000" },
        { "up @ 1609746000.5", "up @ 1609746000.500" },
        { "up @ -100", "up @ -100.000" },
        { "up @ start()", "up @ start()" },
        { "up @ end()", "up @ end()" },
        { "up @ 100 offset 5m", "up @ 100.000 offset 5m" },
        { "up offset 5m @ 100", "up @ 100.000 offset 5m" },
        { "up[5m]", "up[5m]" },
        { "up[5m] offset 1m", "up[5m] offset 1m" },
        { "up[5m] @ end() offset 1m", "up[5m] @ end() offset 1m" },
        { "up{job=\"a\"}[1h30m]", "up{job=\"a\"}[1h30m]" },
        { "up[300]", "up[5m]" },

        // Subqueries
        { "up[30m:1m]", "up[30m:1m]" },
        { "up[30m:]", "up[30m:]" },
        { "up[30m : 1m]", "up[30m:1m]" },
        { "rate(up[5m])[30m:1m]", "rate(up[5m])[30m:1m]" },
        { "rate(up[5m])[30m:1m] offset 5m @ 100", "rate(up[5m])[30m:1m] @ 100.000 offset 5m" },
        { "up offset 5m [10m:1m]", "up offset 5m[10m:1m]" },
        { "(a + b)[5m:]", "(a + b)[5m:]" },
        { "max_over_time(rate(x[1m])[1h:5m])", "max_over_time(rate(x[1m])[1h:5m])" },

        // Functions
        { "rate(http_requests_total[5m])", "rate(http_requests_total[5m])" },
        { "time()", "time()" },
        { "vector(1)", "vector(1)" },
        { "scalar(up)", "scalar(up)" },
        { "round(up)", "round(up)" },
        { "round(up, 0.5)", "round(up, 0.5)" },
        { "clamp(up, 0, 1)", "clamp(up, 0, 1)" },
        { "hour()", "hour()" },
        { "hour(timestamp(up))", "hour(timestamp(up))" },
        { "quantile_over_time(0.9, up[5m])", "quantile_over_time(0.9, up[5m])" },
        { "predict_linear(up[1h], 3600)", "predict_linear(up[1h], 3600)" },
        { "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))", "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))" },
        { "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")", "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")" },
        { "label_join(up, \"dst\", \",\", \"a\", \"b\", \"c\")", "label_join(up, \"dst\", \",\", \"a\", \"b\", \"c\")" },
        { "absent(up{job=\"x\"})", "absent(up{job=\"x\"})" },

        // Aggregations
        { "sum(up)", "sum(up)" },
        { "sum by (job) (up)", "sum by (job) (up)" },
        { "sum(up) by (job)", "sum by (job) (up)" },
        { "sum without (instance) (up)", "sum without (instance) (up)" },
        { "sum(up) without (instance, job,)", "sum without (instance, job) (up)" },
        { "SUM BY (job) (up)", "sum by (job) (up)" },
        { "sum by () (up)", "sum(up)" },
        { "sum by (offset, by) (up)", "sum by (offset, by) (up)" },
        { "topk(5, up)", "topk(5, up)" },
        { "bottomk by (job) (3, up)", "bottomk by (job) (3, up)" },
        { "quantile(0.9, up) by (job)", "quantile by (job) (0.9, up)" },
        { "count_values(\"value\", up)", "count_values(\"value\", up)" },
        { "group(up)", "group(up)" },
        { "stddev(up) + stdvar(up)", "stddev(up) + stdvar(up)" },
        { "avg(min(up)) - max(count(up))", "avg(min(up)) - max(count(up))" },

        // Binary operators and precedence (parentheses in the tree are kept as written)
        { "a + b * c", "a + b * c" },
        { "a * b + c", "a * b + c" },
        { "2 ^ 3 ^ 2", "2 ^ 3 ^ 2" },
        { "-a ^ 2", "-a ^ 2" },
        { "a - b - c", "a - b - c" },
        { "a or b and c", "a or b and c" },
        { "a > bool 1", "a > bool 1" },
        { "1 == bool 1", "1 == bool 1" },
        { "a atan2 b", "a atan2 b" },
        { "a unless b", "a unless b" },
        { "a AND b", "a and b" },
        { "a + on (job) b", "a + on (job) b" },
        { "a + ignoring (job, instance) b", "a + ignoring (job, instance) b" },
        { "a * on (job) group_left (version) b", "a * on (job) group_left (version) b" },
        { "a * on (job) group_left b", "a * on (job) group_left () b" },
        { "a / ignoring (x) group_right (y) b", "a / ignoring (x) group_right (y) b" },
        { "a and on (job) b", "a and on (job) b" },
        { "a == bool on (x) b", "a == bool on (x) b" },
        { "a % 2 != 0", "a % 2 != 0" },
        { "1 + 2", "1 + 2" },
        { "(1 + 2) * 3", "(1 + 2) * 3" },
        { "- - a", "--a" },
        { "a - -1", "a - -1" },
        { "((up))", "((up))" },
        { "a>=b<=c", "a >= b <= c" },
    };

    public static TheoryData<string, int, string> InvalidQueries => new()
    {
        { "", 0, "no expression found" },
        { "   ", 0, "no expression found" },
        { "(up", 0, "unclosed left parenthesis" },
        { "sum(up", 3, "unclosed left parenthesis" },
        { "up{job=\"a\"", 2, "unclosed left brace" },
        { "up[5m", 2, "unclosed left bracket" },
        { "up)", 2, "unexpected \")\"" },
        { "up up", 3, "unexpected identifier \"up\"" },
        { "{}", 0, "vector selector must contain at least one non-empty matcher" },
        { "{job=~\".*\"}", 0, "vector selector must contain at least one non-empty matcher" },
        { "{job=\"\"}", 0, "non-empty matcher" },
        { "(up)[5m]", 4, "ranges only allowed for vector selectors" },
        { "up[5m][5m]", 6, "ranges only allowed for vector selectors" },
        { "up[5m][10m:1m]", 6, "subquery is only allowed on instant vector, got range vector" },
        { "a + bool b", 4, "bool modifier can only be used on comparison operators" },
        { "1 and 2", 2, "set operator and not allowed in binary scalar expression" },
        { "up or 1", 3, "set operator or not allowed in binary scalar expression" },
        { "1 > 2", 2, "comparisons between scalars must use BOOL modifier" },
        { "1 + on (a) up", 4, "vector matching only allowed between instant vectors" },
        { "a and on (x) group_left b", 13, "no grouping allowed for \"and\" operation" },
        { "a + on (x) group_left (x) b", 11, "must not occur in ON and GROUP clause" },
        { "up[5m] + 1", 0, "binary expression must contain only scalar and instant vector types" },
        { "\"a\" + 1", 0, "binary expression must contain only scalar and instant vector types" },
        { "-\"a\"", 0, "unary expression only allowed on expressions of type scalar or instant vector" },
        { "rate(up)", 5, "expected type range vector in call to function rate, got instant vector" },
        { "abs(up[5m])", 4, "expected type instant vector in call to function abs, got range vector" },
        { "vector(\"x\")", 7, "expected type scalar in call to function vector, got string" },
        { "rate()", 0, "expected 1 argument(s) in call to function rate, got 0" },
        { "rate(a[1m], b[1m])", 0, "expected 1 argument(s) in call to function rate, got 2" },
        { "round(a, 1, 2)", 0, "expected at most 2 argument(s) in call to function round, got 3" },
        { "label_join(up, \"a\")", 0, "expected at least 3 argument(s) in call to function label_join, got 2" },
        { "foo(up)", 0, "unknown function foo" },
        { "Rate(up[5m])", 0, "unknown function Rate" },
        { "histogram_count(up)", 0, "unsupported: function histogram_count" },
        { "limitk(2, up)", 0, "unsupported: aggregation limitk" },
        { "sum()", 3, "no arguments for aggregate expression provided" },
        { "sum(a, b)", 0, "wrong number of arguments for aggregate expression provided, expected 1, got 2" },
        { "topk(up)", 0, "expected 2, got 1" },
        { "topk(\"x\", up)", 5, "expected type scalar in aggregation parameter of topk, got string" },
        { "count_values(1, up)", 13, "expected type string in aggregation parameter of count_values, got scalar" },
        { "sum(up[5m])", 4, "expected type instant vector in aggregation expression, got range vector" },
        { "sum by (a) (up) by (b)", 16, "unexpected <by>" },
        { "sum up", 4, "unexpected identifier \"up\"" },
        { "a - on(b) ignoring(c) d", 10, "unexpected <ignoring>" },
        { "@@", 0, "unexpected <op:@>" },
        { "-test[5m]", 0, "unary expression only allowed on expressions of type scalar or instant vector, got range vector" },
        { "*test", 0, "unexpected <op:*>" },
        { "sum by (\"a\") (up)", 8, "unsupported: quoted (UTF-8) label names" },
        { "{\"a\"=\"b\"}", 1, "unsupported: quoted (UTF-8) label names" },
        { "up offset 5m offset 1m", 13, "offset may not be set multiple times" },
        { "up @ 1 @ 2", 7, "@ <timestamp> may not be set multiple times" },
        { "sum(up) offset 5m", 8, "offset modifier must be preceded by an instant vector selector" },
        { "1 @ 5", 2, "@ modifier must be preceded by an instant vector selector" },
        { "up offset 5m[5m]", 12, "no offset modifiers allowed before range" },
        { "up @ 5 [5m]", 7, "no @ modifiers allowed before range" },
        { "up @ Inf", 5, "timestamp out of bounds" },
        { "up offset foo", 10, "unexpected identifier \"foo\" in offset" },
        { "up[1.5h]", 3, "bad number or duration syntax" },
        { "up[5m1h]", 3, "not a valid duration string" },
        { "up[0s]", 3, "range must be positive" },
        { "5x", 0, "bad number or duration syntax" },
        { "0deadbeef", 0, "bad number or duration syntax" },
        { "2.5.", 0, "bad number or duration syntax: \"2.5.\"" },
        { ".", 0, "unexpected character: '.'" },
        { "1e999", 0, "error parsing number: value out of range" },
        { "x + 0x" + new string('f', 300), 4, "error parsing number: value out of range" },
        { "# just a comment\n\n", 0, "no expression found in input" },
        { "-1^-", 4, "unexpected end of input" },
        { "a +* b $", 3, "unexpected <op:*>" },
        { "sum(x) by (\"a\") $", 11, "unsupported: quoted" },
        { "0x", 0, "bad number or duration syntax" },
        { "1e", 0, "bad number or duration syntax" },
        { "up{job=\"a}", 7, "unterminated quoted string" },
        { "'abc", 0, "unterminated quoted string" },
        { "\"\\q\"", 1, "unknown escape sequence" },
        { "up{job~\"a\"}", 6, "unexpected character: '~'" },
        { "up{job=~\"(\"}", 8, "invalid regular expression" },
        { "up{job=5}", 7, "expected string" },
        { "up{__name__=\"x\"}", 3, "metric name must not be set twice" },
        { "up{a:b=\"x\"}", 3, "expected label" },
        { "a +", 3, "unexpected end of input" },
        { "and", 0, "unexpected <and>" },
        { "a + * b", 4, "unexpected <op:*>" },
        { "up = 1", 3, "unexpected \"=\"" },
        { "up ! 1", 3, "unexpected character: '!'" },
        { "up{job=\"a\"} $", 12, "unexpected character: '$'" },
        { "rate(x[5m] y)", 11, "unexpected identifier \"y\" in argument list" },
        { "[5m]", 0, "unexpected \"[\"" },
        { "\"abc\\", 0, "unterminated quoted string" },
        { "\"a\nb\"", 0, "unterminated quoted string" },
        { "x + \"\\xZZ\"", 5, "illegal character in escape sequence" },
        { "\"\\uD800\"", 1, "invalid Unicode code point" },
        { "\"\\400\"", 1, "invalid Unicode code point" },
        { "up{a=\"x\\", 5, "unterminated quoted string" },
        { "a * group_left b", 4, "unexpected <group_left>" },
        { "on", 0, "unexpected <on>" },
        { "up offset 1e12", 10, "duration out of range" },
        { "up[1000000y]", 3, "not a valid duration string" },
        { "up[5m:0s]", 2, "subquery step must be positive" },
        { "up[-5m]", 3, "unexpected <op:-> in range" },
        { "sum by (a) without (b) (up)", 11, "unexpected <without> in aggregation" },
        { "up @ foo()", 5, "unexpected identifier \"foo\" in @" },
        { "rate(x[5m],)", 10, "trailing commas not allowed in function call args" },
        { "sum(up,)", 6, "trailing commas not allowed" },
        { "up[5m:5m:]", 8, "unexpected \":\" in subquery selector" },
    };

    [Theory]
    [MemberData(nameof(ValidQueries))]
    public void Parse_ValidQuery_PrintsCanonicalForm(string query, string expected)
    {
        var expr = PromQlParser.Parse(query);

        Assert.Equal(expected, expr.ToString());
    }

    [Theory]
    [MemberData(nameof(ValidQueries))]
    public void Parse_CanonicalForm_RoundTrips(string query, string expected)
    {
        _ = expected;
        var printed = PromQlParser.Parse(query).ToString();

        var reprinted = PromQlParser.Parse(printed).ToString();

        Assert.Equal(printed, reprinted);
    }

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public void Parse_InvalidQuery_ThrowsWithPositionAndReason(string query, int position, string reason)
    {
        var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse(query));

        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
        Assert.Equal(position, ex.Position);
    }

    [Fact]
    public void Parse_AdditionAndMultiplication_MultiplicationBindsTighter()
    {
        var expr = Assert.IsType<BinaryExpr>(PromQlParser.Parse("a + b * c"));

        Assert.Equal(BinaryOp.Add, expr.Op);
        Assert.Equal(BinaryOp.Mul, Assert.IsType<BinaryExpr>(expr.Rhs).Op);
    }

    [Fact]
    public void Parse_PowerChain_IsRightAssociative()
    {
        var expr = Assert.IsType<BinaryExpr>(PromQlParser.Parse("2 ^ 3 ^ 2"));

        Assert.IsType<NumberLiteral>(expr.Lhs);
        Assert.Equal(BinaryOp.Pow, Assert.IsType<BinaryExpr>(expr.Rhs).Op);
    }

    [Fact]
    public void Parse_SubtractionChain_IsLeftAssociative()
    {
        var expr = Assert.IsType<BinaryExpr>(PromQlParser.Parse("a - b - c"));

        Assert.Equal("a - b", expr.Lhs.ToString());
        Assert.Equal("c", expr.Rhs.ToString());
    }

    [Fact]
    public void Parse_NegatedPower_NegatesThePower()
    {
        var expr = Assert.IsType<UnaryExpr>(PromQlParser.Parse("-a ^ 2"));

        Assert.True(expr.Negate);
        Assert.Equal(BinaryOp.Pow, Assert.IsType<BinaryExpr>(expr.Expr).Op);
    }

    [Fact]
    public void Parse_SignedNumber_FoldsIntoTheLiteral()
    {
        var expr = Assert.IsType<NumberLiteral>(PromQlParser.Parse(" -2.5"));

        Assert.Equal(-2.5, expr.Value);
        Assert.Equal(1, expr.Position);
    }

    [Fact]
    public void Parse_NegatedProduct_NegatesOnlyTheLeftOperand()
    {
        var expr = Assert.IsType<BinaryExpr>(PromQlParser.Parse("-a * b"));

        Assert.Equal(BinaryOp.Mul, expr.Op);
        Assert.IsType<UnaryExpr>(expr.Lhs);
    }

    [Theory]
    [InlineData("a or b and c", BinaryOp.Or)]
    [InlineData("a and b or c", BinaryOp.Or)]
    [InlineData("a > b + c", BinaryOp.Gtr)]
    [InlineData("a and b > c", BinaryOp.And)]
    [InlineData("a unless b == c", BinaryOp.Unless)]
    [InlineData("a * b atan2 c", BinaryOp.Atan2)]
    [InlineData("a atan2 b ^ c", BinaryOp.Atan2)]
    public void Parse_MixedOperators_RootIsLowestPrecedence(string query, BinaryOp root)
    {
        var expr = Assert.IsType<BinaryExpr>(PromQlParser.Parse(query));

        Assert.Equal(root, expr.Op);
    }

    [Theory]
    [InlineData("1", PromQlValueType.Scalar)]
    [InlineData("\"s\"", PromQlValueType.String)]
    [InlineData("up", PromQlValueType.Vector)]
    [InlineData("up[5m]", PromQlValueType.Matrix)]
    [InlineData("up[5m:1m]", PromQlValueType.Matrix)]
    [InlineData("rate(up[5m])", PromQlValueType.Vector)]
    [InlineData("time()", PromQlValueType.Scalar)]
    [InlineData("scalar(up) * 2", PromQlValueType.Scalar)]
    [InlineData("up * 2", PromQlValueType.Vector)]
    [InlineData("-(1)", PromQlValueType.Scalar)]
    [InlineData("sum(up)", PromQlValueType.Vector)]
    [InlineData("(up[5m])", PromQlValueType.Matrix)]
    public void Parse_Expression_HasStaticValueType(string query, PromQlValueType type)
    {
        Assert.Equal(type, PromQlParser.Parse(query).ValueType);
    }

    [Fact]
    public void Parse_SelectorWithModifiers_ExposesMatchersOffsetAndAt()
    {
        var expr = Assert.IsType<VectorSelector>(PromQlParser.Parse("http_requests_total{job=\"api\"} offset -1h @ end()"));

        Assert.Equal("http_requests_total", expr.MetricName);
        Assert.Collection(
            expr.Matchers,
            m => Assert.Equal(("__name__", MatchType.Equal, "http_requests_total"), (m.Name, m.Type, m.Value)),
            m => Assert.Equal(("job", MatchType.Equal, "api"), (m.Name, m.Type, m.Value)));
        Assert.Equal(TimeSpan.FromHours(-1), expr.Offset);
        Assert.Equal(new AtModifier(AtKind.End, 0), expr.At);
    }

    [Fact]
    public void Parse_Subquery_ExposesRangeStepAndOffset()
    {
        var expr = Assert.IsType<SubqueryExpr>(PromQlParser.Parse("rate(x[1m])[30m:] offset 2m"));

        Assert.Equal(TimeSpan.FromMinutes(30), expr.Range);
        Assert.Null(expr.Step);
        Assert.Equal(TimeSpan.FromMinutes(2), expr.Offset);
        Assert.IsType<Call>(expr.Expr);
    }

    [Fact]
    public void Parse_GroupLeft_ExposesVectorMatching()
    {
        var expr = Assert.IsType<BinaryExpr>(PromQlParser.Parse("a * on (job, instance) group_left (version) b"));

        var matching = Assert.IsType<VectorMatching>(expr.Matching);
        Assert.Equal(VectorMatchCardinality.ManyToOne, matching.Card);
        Assert.True(matching.On);
        Assert.Equal(["job", "instance"], matching.MatchingLabels);
        Assert.Equal(["version"], matching.Include);
    }

    [Fact]
    public void Parse_Aggregation_ExposesGroupingAndParameter()
    {
        var expr = Assert.IsType<AggregateExpr>(PromQlParser.Parse("topk(3, up) without (instance)"));

        Assert.Equal(AggregationOp.Topk, expr.Op);
        Assert.True(expr.Without);
        Assert.Equal(["instance"], expr.Grouping);
        Assert.Equal(3, Assert.IsType<NumberLiteral>(expr.Parameter).Value);
    }

    [Fact]
    public void Parse_Nodes_CarryStartPositions()
    {
        var expr = Assert.IsType<BinaryExpr>(PromQlParser.Parse("  sum(rate(x[5m])) / -count(y)"));

        Assert.Equal(2, expr.Position);
        var sum = Assert.IsType<AggregateExpr>(expr.Lhs);
        Assert.Equal(2, sum.Position);
        Assert.Equal(6, sum.Expr.Position);
        var rate = Assert.IsType<Call>(sum.Expr);
        Assert.Equal(11, rate.Args[0].Position);
        var neg = Assert.IsType<UnaryExpr>(expr.Rhs);
        Assert.Equal(21, neg.Position);
        Assert.Equal(22, neg.Expr.Position);
    }

    [Fact]
    public void Parse_DeepNesting_ThrowsUnsupportedInsteadOfOverflowingTheStack()
    {
        var query = new string('(', 100_000) + "1" + new string(')', 100_000);

        var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse(query));

        Assert.Contains("unsupported: expression nested deeper than 256 levels", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("a + ")]
    [InlineData("2 ^ ")]
    public void Parse_LongOperatorChain_ThrowsUnsupportedInsteadOfOverflowingTheStack(string piece)
    {
        var query = string.Concat(Enumerable.Repeat(piece, 50_000)) + "1";

        var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse(query));

        Assert.Contains("unsupported: expression nested deeper", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ModerateChain_IsAccepted()
    {
        var query = string.Join(" + ", Enumerable.Repeat("up", 200));

        Assert.Equal(query, PromQlParser.Parse(query).ToString());
    }

    [Fact]
    public void Parse_RandomMutationsOfValidQueries_ThrowOnlyParseExceptions()
    {
        const int Seed = 20261123;
        const int Iterations = 5_000;
        var random = new Random(Seed);
        var corpus = ValidQueries.Select(row => (string)row[0]).ToArray();
        string[] fragments =
        [
            "(", ")", "{", "}", "[", "]", ",", ":", "@", "=", "=~", "!~", "!=", "==", ">", "<", ">=", "+", "-", "*", "/",
            "%", "^", "\"", "'", "`", "\\", "#", " ", "\n", "5m", "1h30m", "0x", "1e", "Inf", "NaN", ".", "by", "without",
            "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "atan2", "sum", "topk",
            "rate", "start()", "end()", "__name__", "le", "0", "-1", "999999999999999999999", "\u00e9", "\0",
        ];

        for (var n = 0; n < Iterations; n++)
        {
            var query = corpus[random.Next(corpus.Length)];
            var edits = random.Next(1, 4);
            for (var e = 0; e < edits; e++)
            {
                var at = query.Length == 0 ? 0 : random.Next(query.Length + 1);
                switch (random.Next(4))
                {
                    case 0 when query.Length > 0:
                        query = query.Remove(Math.Min(at, query.Length - 1), 1);
                        break;
                    case 1:
                        query = query.Insert(at, fragments[random.Next(fragments.Length)]);
                        break;
                    case 2:
                        query = query.Insert(at, corpus[random.Next(corpus.Length)]);
                        break;
                    default:
                        query = query[..at];
                        break;
                }
            }

            try
            {
                var printed = PromQlParser.Parse(query).ToString();
                Assert.Equal(printed, PromQlParser.Parse(printed).ToString());
            }
            catch (PromQlParseException)
            {
                // Rejected with a position and reason: acceptable.
            }
            catch (Exception ex)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {Seed}, iteration {n}, query {query}"));
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"seed {Seed}, iteration {n}: {ex.GetType().Name} for query \"{query}\": {ex.Message}"));
            }
        }
    }

    [Fact]
    public void Parse_RandomlyGeneratedValidQueries_ParseWithIntendedTypeAndRoundTrip()
    {
        const int Seed = 4242;
        var generator = new QueryGenerator(new Random(Seed));

        for (var n = 0; n < 3_000; n++)
        {
            var type = (PromQlValueType)(n % 3);
            var query = generator.Generate(type, depth: 4);

            Expr expr;
            try
            {
                expr = PromQlParser.Parse(query);
            }
            catch (PromQlParseException ex)
            {
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"seed {Seed}, iteration {n}: \"{query}\" rejected: {ex.Message}"));
                return;
            }

            Assert.Equal(type, expr.ValueType);
            var printed = expr.ToString();
            Assert.Equal(printed, PromQlParser.Parse(printed).ToString());
        }
    }

    /// <summary>Writes random well-typed PromQL, with random spacing and both aggregation syntaxes.</summary>
    private sealed class QueryGenerator(Random random)
    {
        private static readonly string[] Metrics = ["up", "http_requests_total", "job:rate:5m", "node_cpu_seconds_total"];
        private static readonly string[] Labels = ["job", "instance", "le", "code"];
        private static readonly string[] Durations = ["5m", "1h30m", "250ms", "1d", "30s", "2w"];
        private static readonly string[] VectorOps = ["+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"];
        private static readonly string[] ScalarOps = ["+", "-", "*", "/", "%", "^", "atan2", "== bool", "> bool", "<= bool"];

        public string Generate(PromQlValueType type, int depth) => type switch
        {
            PromQlValueType.Scalar => Scalar(depth),
            PromQlValueType.Matrix => Matrix(depth),
            _ => Vector(depth),
        };

        private T Pick<T>(T[] items) => items[random.Next(items.Length)];

        private string Space() => random.Next(4) == 0 ? "  " : " ";

        private string Selector()
        {
            var matchers = Enumerable.Range(0, random.Next(3))
                .Select(_ => $"{Pick(Labels)}{Pick(new[] { "=", "!=", "=~", "!~" })}\"{Pick(new[] { "a", "b.*", "x|y" })}\"");
            var body = string.Join(",", matchers);
            return random.Next(5) == 0 ? $"{{__name__=\"{Pick(Metrics)}\"{(body.Length > 0 ? "," + body : string.Empty)}}}" : $"{Pick(Metrics)}{{{body}}}";
        }

        private string Modifiers()
        {
            var parts = new List<string>();
            if (random.Next(3) == 0)
            {
                parts.Add($"offset {(random.Next(2) == 0 ? "-" : string.Empty)}{Pick(Durations)}");
            }

            if (random.Next(3) == 0)
            {
                parts.Add("@ " + Pick(new[] { "start()", "end()", "1609746000", "1.5" }));
            }

            if (random.Next(2) == 0)
            {
                parts.Reverse();
            }

            return parts.Count == 0 ? string.Empty : " " + string.Join(" ", parts);
        }

        private string Grouping() => $"{Pick(new[] { "by", "without" })} ({string.Join(", ", Labels.Take(random.Next(3)))})";

        private string Scalar(int depth)
        {
            if (depth <= 0)
            {
                return Pick(new[] { "1", "2.5", "0x1f", "1e3", "Inf", "NaN", "time()" });
            }

            return random.Next(5) switch
            {
                0 => $"{Scalar(depth - 1)}{Space()}{Pick(ScalarOps)}{Space()}{Scalar(depth - 1)}",
                1 => $"scalar({Vector(depth - 1)})",
                2 => $"({Scalar(depth - 1)})",
                3 => $"-{Scalar(depth - 1)}",
                _ => Scalar(0),
            };
        }

        private string Matrix(int depth) => random.Next(2) == 0 || depth <= 0
            ? $"{Selector()}[{Pick(Durations)}]{Modifiers()}"
            : $"({Vector(depth - 1)})[{Pick(Durations)}:{(random.Next(2) == 0 ? Pick(Durations) : string.Empty)}]{Modifiers()}";

        private string Vector(int depth)
        {
            if (depth <= 0)
            {
                return Selector() + Modifiers();
            }

            var d = depth - 1;
            return random.Next(10) switch
            {
                0 => $"{Vector(d)}{Space()}{Pick(VectorOps)}{Space()}{Vector(d)}",
                1 => $"{Vector(d)} {Pick(new[] { "+", "*", "==" })} {Pick(new[] { "on", "ignoring" })} (job) {Pick(new[] { "group_left", "group_right" })} (code) {Vector(d)}",
                2 => $"({Vector(d)} > bool {Scalar(d)})",
                3 => $"{Pick(new[] { "rate", "increase", "avg_over_time", "absent_over_time" })}({Matrix(d)})",
                4 => $"{Pick(new[] { "abs", "sort", "timestamp", "hour" })}({Vector(d)})",
                5 => random.Next(2) == 0 ? $"sum {Grouping()} ({Vector(d)})" : $"avg({Vector(d)}) {Grouping()}",
                6 => $"topk({Scalar(d)}, {Vector(d)})",
                7 => $"histogram_quantile({Scalar(d)}, {Vector(d)})",
                8 => $"({Vector(d)})",
                _ => $"-{Vector(d)}",
            };
        }
    }
}
