using System.Globalization;
using System.Text;
using Vigil.Core.Telemetry;
using Vigil.Core.Time;

namespace Vigil.Core.PromQl;

/// <summary>The static type of a PromQL expression.</summary>
public enum PromQlValueType
{
    /// <summary>A single number.</summary>
    Scalar,

    /// <summary>An instant vector: one sample per series.</summary>
    Vector,

    /// <summary>A range vector: a window of samples per series.</summary>
    Matrix,

    /// <summary>A string literal.</summary>
    String,
}

/// <summary>
/// A node of a parsed PromQL expression. Nodes are immutable; <see cref="object.ToString"/> prints canonical PromQL
/// that parses back to an equal tree.
/// </summary>
/// <param name="Position">Zero-based character offset where the node starts in the source.</param>
public abstract record Expr(int Position)
{
    /// <summary>The statically computed type of the value this expression yields.</summary>
    public abstract PromQlValueType ValueType { get; }

    /// <summary>Height of the tree below and including this node; the parser bounds it.</summary>
    internal int Height { get; init; } = 1;

    /// <summary>Prints canonical PromQL.</summary>
    public abstract override string ToString();

    internal static string TypeName(PromQlValueType type) => type switch
    {
        PromQlValueType.Scalar => "scalar",
        PromQlValueType.Vector => "instant vector",
        PromQlValueType.Matrix => "range vector",
        _ => "string",
    };

    internal static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\a' => "\\a",
                '\b' => "\\b",
                '\f' => "\\f",
                '\v' => "\\v",
                < ' ' or '\x7f' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }

    internal static string FormatOffsetAndAt(TimeSpan offset, AtModifier? at)
    {
        var s = string.Empty;
        if (at is not null)
        {
            s += " @ " + at;
        }

        if (offset != TimeSpan.Zero)
        {
            s += " offset " + DurationParser.Format(offset);
        }

        return s;
    }
}

/// <summary>A number such as <c>1</c>, <c>0x1f</c>, <c>1.5e3</c>, <c>Inf</c> or <c>NaN</c>.</summary>
/// <param name="Value">The value.</param>
/// <param name="Position">Zero-based start offset.</param>
public sealed record NumberLiteral(double Value, int Position) : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => PromQlValueType.Scalar;

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        double.PositiveInfinity => "Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(Value) => "NaN",
        _ => Value.ToString("R", CultureInfo.InvariantCulture),
    };
}

/// <summary>A string literal, already unescaped.</summary>
/// <param name="Value">The value.</param>
/// <param name="Position">Zero-based start offset.</param>
public sealed record StringLiteral(string Value, int Position) : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => PromQlValueType.String;

    /// <inheritdoc />
    public override string ToString() => Quote(Value);
}

/// <summary>Which instant an <c>@</c> modifier pins evaluation to.</summary>
public enum AtKind
{
    /// <summary><c>@ 1609746000</c>: a fixed Unix timestamp.</summary>
    Timestamp,

    /// <summary><c>@ start()</c>: the start of the range query.</summary>
    Start,

    /// <summary><c>@ end()</c>: the end of the range query.</summary>
    End,
}

/// <summary>An <c>@</c> modifier.</summary>
/// <param name="Kind">Timestamp, start() or end().</param>
/// <param name="TimestampMilliseconds">Unix milliseconds when <see cref="Kind"/> is <see cref="AtKind.Timestamp"/>, else 0.</param>
public sealed record AtModifier(AtKind Kind, long TimestampMilliseconds)
{
    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        AtKind.Start => "start()",
        AtKind.End => "end()",
        _ => (TimestampMilliseconds / 1000m).ToString("0.000", CultureInfo.InvariantCulture),
    };
}

/// <summary>An instant vector selector, <c>name{label="value"} @ t offset d</c>.</summary>
/// <param name="MetricName">The metric name written before the braces, or null.</param>
/// <param name="Matchers">All matchers, including a <c>__name__</c> matcher for <paramref name="MetricName"/>.</param>
/// <param name="Offset">The offset modifier; zero when absent, negative for a look-ahead.</param>
/// <param name="At">The <c>@</c> modifier, or null.</param>
/// <param name="Position">Zero-based start offset.</param>
public sealed record VectorSelector(string? MetricName, IReadOnlyList<LabelMatcher> Matchers, TimeSpan Offset, AtModifier? At, int Position)
    : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => PromQlValueType.Vector;

    /// <summary>The selector without modifiers, <c>name{a="b"}</c>.</summary>
    internal string SelectorText()
    {
        var shown = Matchers.Where(m => !(MetricName is not null && m.Name == LabelSet.MetricNameLabel
            && m.Type == Telemetry.MatchType.Equal && m.Value == MetricName)).ToList();
        var sb = new StringBuilder(MetricName ?? string.Empty);
        if (shown.Count > 0 || MetricName is null)
        {
            sb.Append('{');
            sb.Append(string.Join(", ", shown.Select(FormatMatcher)));
            sb.Append('}');
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => SelectorText() + FormatOffsetAndAt(Offset, At);

    private static string FormatMatcher(LabelMatcher m)
    {
        var op = m.Type switch
        {
            Telemetry.MatchType.Equal => "=",
            Telemetry.MatchType.NotEqual => "!=",
            Telemetry.MatchType.Regex => "=~",
            _ => "!~",
        };
        return m.Name + op + Quote(m.Value);
    }
}

/// <summary>A range vector selector, <c>name{...}[5m] @ t offset d</c>.</summary>
/// <param name="Selector">The vector selector; it holds the offset and <c>@</c> modifiers.</param>
/// <param name="Range">The window length.</param>
/// <param name="Position">Zero-based start offset.</param>
public sealed record MatrixSelector(VectorSelector Selector, TimeSpan Range, int Position) : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => PromQlValueType.Matrix;

    /// <inheritdoc />
    public override string ToString() =>
        Selector.SelectorText() + "[" + DurationParser.Format(Range) + "]" + FormatOffsetAndAt(Selector.Offset, Selector.At);
}

/// <summary>A subquery, <c>expr[30m:1m] @ t offset d</c>.</summary>
/// <param name="Expr">The instant-vector expression evaluated at each step.</param>
/// <param name="Range">The window length.</param>
/// <param name="Step">The resolution, or null for the default evaluation interval.</param>
/// <param name="Offset">The offset modifier; zero when absent.</param>
/// <param name="At">The <c>@</c> modifier, or null.</param>
/// <param name="Position">Zero-based start offset.</param>
public sealed record SubqueryExpr(Expr Expr, TimeSpan Range, TimeSpan? Step, TimeSpan Offset, AtModifier? At, int Position)
    : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => PromQlValueType.Matrix;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Expr}[{DurationParser.Format(Range)}:{(Step is { } s ? DurationParser.Format(s) : string.Empty)}]"
        + FormatOffsetAndAt(Offset, At);
}

/// <summary>A function call such as <c>rate(x[5m])</c>.</summary>
/// <param name="Function">The function name.</param>
/// <param name="Args">The arguments, already checked against the function's signature.</param>
/// <param name="Position">Zero-based start offset.</param>
public sealed record Call(string Function, IReadOnlyList<Expr> Args, int Position) : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => PromQlFunctions.Get(Function)?.ReturnType ?? PromQlValueType.Vector;

    /// <inheritdoc />
    public override string ToString() => $"{Function}({string.Join(", ", Args)})";
}

/// <summary>An aggregation operator.</summary>
public enum AggregationOp
{
    /// <summary><c>sum</c></summary>
    Sum,

    /// <summary><c>avg</c></summary>
    Avg,

    /// <summary><c>min</c></summary>
    Min,

    /// <summary><c>max</c></summary>
    Max,

    /// <summary><c>count</c></summary>
    Count,

    /// <summary><c>group</c></summary>
    Group,

    /// <summary><c>stddev</c></summary>
    Stddev,

    /// <summary><c>stdvar</c></summary>
    Stdvar,

    /// <summary><c>topk</c>, with a scalar parameter.</summary>
    Topk,

    /// <summary><c>bottomk</c>, with a scalar parameter.</summary>
    Bottomk,

    /// <summary><c>quantile</c>, with a scalar parameter.</summary>
    Quantile,

    /// <summary><c>count_values</c>, with a string parameter.</summary>
    CountValues,
}

/// <summary>An aggregation, <c>sum by (job) (x)</c> or <c>topk(5, x)</c>.</summary>
/// <param name="Op">The operator.</param>
/// <param name="Expr">The aggregated instant-vector expression.</param>
/// <param name="Parameter">The parameter of topk, bottomk, quantile and count_values; null otherwise.</param>
/// <param name="Grouping">The labels of the <c>by</c> or <c>without</c> clause; empty when absent.</param>
/// <param name="Without">True for <c>without</c>, false for <c>by</c> or no clause.</param>
/// <param name="Position">Zero-based start offset.</param>
public sealed record AggregateExpr(AggregationOp Op, Expr Expr, Expr? Parameter, IReadOnlyList<string> Grouping, bool Without, int Position)
    : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => PromQlValueType.Vector;

    /// <summary>The PromQL keyword of an operator, such as <c>count_values</c>.</summary>
    public static string OpName(AggregationOp op) => op switch
    {
        AggregationOp.CountValues => "count_values",
        _ => op.ToString().ToLowerInvariant(),
    };

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder(OpName(Op));
        if (Without)
        {
            sb.Append(" without (").Append(string.Join(", ", Grouping)).Append(") ");
        }
        else if (Grouping.Count > 0)
        {
            sb.Append(" by (").Append(string.Join(", ", Grouping)).Append(") ");
        }

        sb.Append('(');
        if (Parameter is not null)
        {
            sb.Append(Parameter).Append(", ");
        }

        return sb.Append(Expr).Append(')').ToString();
    }
}

/// <summary>A binary operator.</summary>
public enum BinaryOp
{
    /// <summary><c>+</c></summary>
    Add,

    /// <summary><c>-</c></summary>
    Sub,

    /// <summary><c>*</c></summary>
    Mul,

    /// <summary><c>/</c></summary>
    Div,

    /// <summary><c>%</c></summary>
    Mod,

    /// <summary><c>^</c></summary>
    Pow,

    /// <summary><c>atan2</c></summary>
    Atan2,

    /// <summary><c>==</c></summary>
    Eql,

    /// <summary><c>!=</c></summary>
    Neq,

    /// <summary><c>&gt;</c></summary>
    Gtr,

    /// <summary><c>&lt;</c></summary>
    Lss,

    /// <summary><c>&gt;=</c></summary>
    Gte,

    /// <summary><c>&lt;=</c></summary>
    Lte,

    /// <summary><c>and</c></summary>
    And,

    /// <summary><c>or</c></summary>
    Or,

    /// <summary><c>unless</c></summary>
    Unless,
}

/// <summary>How a vector-to-vector binary operation pairs series.</summary>
public enum VectorMatchCardinality
{
    /// <summary>Each side has at most one series per match group.</summary>
    OneToOne,

    /// <summary><c>group_left</c>: many left series per right series.</summary>
    ManyToOne,

    /// <summary><c>group_right</c>: many right series per left series.</summary>
    OneToMany,
}

/// <summary>The <c>on</c>/<c>ignoring</c> and <c>group_left</c>/<c>group_right</c> clause of a binary expression.</summary>
/// <param name="Card">The cardinality; one-to-one unless a group modifier was given.</param>
/// <param name="MatchingLabels">The labels inside <c>on(...)</c> or <c>ignoring(...)</c>.</param>
/// <param name="On">True for <c>on</c>, false for <c>ignoring</c>.</param>
/// <param name="Include">The labels inside <c>group_left(...)</c> or <c>group_right(...)</c>.</param>
public sealed record VectorMatching(VectorMatchCardinality Card, IReadOnlyList<string> MatchingLabels, bool On, IReadOnlyList<string> Include)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var s = $"{(On ? "on" : "ignoring")} ({string.Join(", ", MatchingLabels)})";
        return Card switch
        {
            VectorMatchCardinality.ManyToOne => s + $" group_left ({string.Join(", ", Include)})",
            VectorMatchCardinality.OneToMany => s + $" group_right ({string.Join(", ", Include)})",
            _ => s,
        };
    }
}

/// <summary>A binary operation, <c>a + on (job) group_left (x) b</c> or <c>a &gt; bool 1</c>.</summary>
/// <param name="Op">The operator.</param>
/// <param name="Lhs">The left operand.</param>
/// <param name="Rhs">The right operand.</param>
/// <param name="ReturnBool">True when the <c>bool</c> modifier was given (comparisons only).</param>
/// <param name="Matching">The explicit vector matching clause, or null when none was written.</param>
/// <param name="Position">Zero-based start offset (that of the left operand).</param>
public sealed record BinaryExpr(BinaryOp Op, Expr Lhs, Expr Rhs, bool ReturnBool, VectorMatching? Matching, int Position)
    : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType =>
        Lhs.ValueType == PromQlValueType.Scalar && Rhs.ValueType == PromQlValueType.Scalar
            ? PromQlValueType.Scalar
            : PromQlValueType.Vector;

    /// <summary>The PromQL spelling of an operator.</summary>
    public static string OpText(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.Mod => "%",
        BinaryOp.Pow => "^",
        BinaryOp.Atan2 => "atan2",
        BinaryOp.Eql => "==",
        BinaryOp.Neq => "!=",
        BinaryOp.Gtr => ">",
        BinaryOp.Lss => "<",
        BinaryOp.Gte => ">=",
        BinaryOp.Lte => "<=",
        BinaryOp.And => "and",
        BinaryOp.Or => "or",
        _ => "unless",
    };

    /// <summary>Whether the operator is a comparison (and so accepts <c>bool</c>).</summary>
    public static bool IsComparison(BinaryOp op) => op is BinaryOp.Eql or BinaryOp.Neq or BinaryOp.Gtr or BinaryOp.Lss or BinaryOp.Gte or BinaryOp.Lte;

    /// <summary>Whether the operator is a set operator (and, or, unless).</summary>
    public static bool IsSetOperator(BinaryOp op) => op is BinaryOp.And or BinaryOp.Or or BinaryOp.Unless;

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Lhs).Append(' ').Append(OpText(Op));
        if (ReturnBool)
        {
            sb.Append(" bool");
        }

        if (Matching is not null)
        {
            sb.Append(' ').Append(Matching);
        }

        return sb.Append(' ').Append(Rhs).ToString();
    }
}

/// <summary>A unary sign, <c>-x</c> or <c>+x</c>.</summary>
/// <param name="Negate">True for <c>-</c>, false for <c>+</c>.</param>
/// <param name="Expr">The operand.</param>
/// <param name="Position">Zero-based start offset (that of the sign).</param>
public sealed record UnaryExpr(bool Negate, Expr Expr, int Position) : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => Expr.ValueType;

    /// <inheritdoc />
    public override string ToString() => (Negate ? "-" : "+") + Expr;
}

/// <summary>A parenthesised expression, kept so printing reproduces the grouping.</summary>
/// <param name="Expr">The inner expression.</param>
/// <param name="Position">Zero-based offset of the left parenthesis.</param>
public sealed record ParenExpr(Expr Expr, int Position) : Expr(Position)
{
    /// <inheritdoc />
    public override PromQlValueType ValueType => Expr.ValueType;

    /// <inheritdoc />
    public override string ToString() => $"({Expr})";
}
