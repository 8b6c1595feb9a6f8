namespace Vigil.Core.PromQl;

/// <summary>The signature of a PromQL function.</summary>
/// <param name="Name">The function name.</param>
/// <param name="ArgTypes">The types of the arguments, in order.</param>
/// <param name="MinArgs">How many leading arguments are required; the rest are optional.</param>
/// <param name="Variadic">Whether the last argument type may repeat without limit.</param>
/// <param name="ReturnType">The type of the result.</param>
internal sealed record PromQlFunction(string Name, PromQlValueType[] ArgTypes, int MinArgs, bool Variadic, PromQlValueType ReturnType);

/// <summary>
/// The functions the parser accepts, with their argument types and counts as in Prometheus 3. Functions Prometheus
/// has but Vigil does not are rejected as unsupported rather than unknown.
/// </summary>
internal static class PromQlFunctions
{
    private const PromQlValueType S = PromQlValueType.Scalar;
    private const PromQlValueType V = PromQlValueType.Vector;
    private const PromQlValueType M = PromQlValueType.Matrix;
    private const PromQlValueType Str = PromQlValueType.String;

    private static readonly Dictionary<string, PromQlFunction> Table = Build();

    private static readonly HashSet<string> NotSupported = new(StringComparer.Ordinal)
    {
        "holt_winters", "double_exponential_smoothing", "histogram_avg", "histogram_count", "histogram_sum",
        "histogram_fraction", "histogram_stddev", "histogram_stdvar", "info", "sort_by_label", "sort_by_label_desc",
        "mad_over_time", "ts_of_max_over_time", "ts_of_min_over_time", "ts_of_last_over_time", "limitk",
        "limit_ratio", "first_over_time",
    };

    /// <summary>The signature of a supported function, or null.</summary>
    internal static PromQlFunction? Get(string name) => Table.GetValueOrDefault(name);

    /// <summary>Whether Prometheus has the function although Vigil does not support it.</summary>
    internal static bool IsUnsupported(string name) => NotSupported.Contains(name);

    private static Dictionary<string, PromQlFunction> Build()
    {
        var t = new Dictionary<string, PromQlFunction>(StringComparer.Ordinal);
        void Add(string name, PromQlValueType ret, PromQlValueType[] args, int? min = null, bool variadic = false) =>
            t[name] = new PromQlFunction(name, args, min ?? args.Length, variadic, ret);

        foreach (var f in new[] { "rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes", "absent_over_time" })
        {
            Add(f, V, [M]);
        }

        foreach (var f in new[] { "avg", "min", "max", "sum", "count", "stddev", "stdvar", "last", "present" })
        {
            Add(f + "_over_time", V, [M]);
        }

        Add("quantile_over_time", V, [S, M]);
        Add("predict_linear", V, [M, S]);
        foreach (var f in new[] { "abs", "ceil", "floor", "ln", "log2", "log10", "exp", "sqrt", "sgn", "timestamp", "absent", "sort", "sort_desc" })
        {
            Add(f, V, [V]);
        }

        foreach (var f in new[] { "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad" })
        {
            Add(f, V, [V]);
        }

        Add("pi", S, []);

        Add("round", V, [V, S], min: 1);
        Add("clamp", V, [V, S, S]);
        Add("clamp_min", V, [V, S]);
        Add("clamp_max", V, [V, S]);
        Add("time", S, []);
        Add("vector", V, [S]);
        Add("scalar", S, [V]);
        Add("label_replace", V, [V, Str, Str, Str, Str]);
        Add("label_join", V, [V, Str, Str, Str], min: 3, variadic: true);
        Add("histogram_quantile", V, [S, V]);
        foreach (var f in new[] { "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year" })
        {
            Add(f, V, [V], min: 0);
        }

        return t;
    }
}
