using System.Globalization;
using System.Text;

namespace Vigil.Core.Telemetry.Intake;

/// <summary>What an OTLP metric becomes in Prometheus, which decides its name suffixes.</summary>
public enum PrometheusMetricKind
{
    /// <summary>A gauge, or a non-monotonic sum (an up-down counter): no <c>_total</c>; unit <c>1</c> becomes <c>_ratio</c>.</summary>
    Gauge,

    /// <summary>A monotonic sum: <c>_total</c> is appended.</summary>
    Counter,

    /// <summary>A histogram (explicit or exponential): the base name of <c>_bucket</c>, <c>_sum</c>, <c>_count</c>.</summary>
    Histogram,

    /// <summary>A summary: the base name of the quantile series, <c>_sum</c> and <c>_count</c>.</summary>
    Summary,
}

/// <summary>
/// The OpenTelemetry-to-Prometheus naming rules Vigil follows (ARCHITECTURE.md, naming contract), as the Prometheus
/// OTLP receiver applies them: characters outside <c>[a-zA-Z0-9_]</c> become word breaks joined by one underscore,
/// the unit is appended as a word (UCUM abbreviations spelled out: <c>s</c> is <c>seconds</c>, <c>ms</c> is
/// <c>milliseconds</c>, <c>By</c> is <c>bytes</c>; <c>X/Y</c> is <c>X_per_Y</c>; <c>{annotations}</c> are dropped),
/// unless the name already has that word; <c>_total</c> ends monotonic counters; unit <c>1</c> on a gauge gives
/// <c>_ratio</c>. Values are never scaled: a histogram in <c>ms</c> stays in milliseconds.
/// </summary>
public static class PrometheusNaming
{
    /// <summary>UCUM units spelled out as Prometheus base words (the table of the Prometheus OTLP translator).</summary>
    private static readonly Dictionary<string, string> UnitWords = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["TiBy"] = "tebibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes",
        ["m"] = "meters",
        ["V"] = "volts",
        ["A"] = "amperes",
        ["J"] = "joules",
        ["W"] = "watts",
        ["g"] = "grams",
        ["Cel"] = "celsius",
        ["Hz"] = "hertz",
        ["1"] = string.Empty,
        ["%"] = "percent",
    };

    /// <summary>Units after a slash, in the singular (<c>By/s</c> is <c>bytes_per_second</c>).</summary>
    private static readonly Dictionary<string, string> PerUnitWords = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["m"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["w"] = "week",
        ["mo"] = "month",
        ["y"] = "year",
    };

    /// <summary>
    /// The Prometheus metric name of an OTLP metric; empty when the name has no valid character at all (the caller
    /// rejects such a metric).
    /// </summary>
    public static string MetricName(string otelName, string unit, PrometheusMetricKind kind)
    {
        var words = new List<string>(8);
        SplitWords(otelName, words);
        if (words.Count == 0)
        {
            return string.Empty;
        }

        var (main, per) = UnitWordsOf(unit);
        if (main.Length > 0 && !words.Contains(main, StringComparer.Ordinal))
        {
            words.Add(main);
        }

        if (per.Length > 0 && !words.Contains(per, StringComparer.Ordinal))
        {
            words.Add("per");
            words.Add(per);
        }

        if (kind == PrometheusMetricKind.Counter)
        {
            words.RemoveAll(w => w == "total");
            words.Add("total");
        }

        if (kind == PrometheusMetricKind.Gauge && unit == "1" && !words.Contains("ratio", StringComparer.Ordinal))
        {
            words.Add("ratio");
        }

        var name = string.Join('_', words);
        return char.IsAsciiDigit(name[0]) ? "_" + name : name;
    }

    /// <summary>
    /// The unit of a metric as name words: main unit (plural) and per-unit (singular), each possibly empty.
    /// Annotations in braces are dropped; unknown units are kept, sanitised.
    /// </summary>
    public static (string Main, string Per) UnitWordsOf(string unit)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return (string.Empty, string.Empty);
        }

        var stripped = StripAnnotations(unit).Trim();
        if (stripped.Length == 0)
        {
            return (string.Empty, string.Empty);
        }

        var slash = stripped.IndexOf('/', StringComparison.Ordinal);
        var mainUnit = slash < 0 ? stripped : stripped[..slash].Trim();
        var perUnit = slash < 0 ? string.Empty : stripped[(slash + 1)..].Trim();
        var main = UnitWords.TryGetValue(mainUnit, out var m) ? m : SanitizeWord(mainUnit);
        var per = perUnit.Length == 0 ? string.Empty : PerUnitWords.TryGetValue(perUnit, out var p) ? p : SanitizeWord(perUnit);
        return (main, per);
    }

    /// <summary>True when <paramref name="name"/> is a valid Prometheus label name, <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsValidLabelName(string name) => IsValidName(name, allowColon: false);

    /// <summary>True when <paramref name="name"/> is a valid Prometheus metric name, <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static bool IsValidMetricName(string name) => IsValidName(name, allowColon: true);

    private static bool IsValidName(string name, bool allowColon)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A Prometheus label name for an attribute key: characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>; a name
    /// starting with a digit gets the prefix <c>key_</c>, one starting with <c>_</c> the prefix <c>key</c> (so no
    /// attribute can set a reserved <c>__</c> label such as <c>__name__</c>). Empty for an empty key.
    /// </summary>
    public static string LabelName(string key)
    {
        if (key.Length == 0)
        {
            return string.Empty;
        }

        var valid = true;
        foreach (var c in key)
        {
            if (!IsLabelChar(c))
            {
                valid = false;
                break;
            }
        }

        var name = key;
        if (!valid)
        {
            name = string.Create(key.Length, key, static (span, k) =>
            {
                for (var i = 0; i < k.Length; i++)
                {
                    span[i] = IsLabelChar(k[i]) ? k[i] : '_';
                }
            });
        }

        if (char.IsAsciiDigit(name[0]))
        {
            return "key_" + name;
        }

        return name[0] == '_' ? "key" + name : name;
    }

    /// <summary>
    /// Formats a bucket bound or quantile as Prometheus does (Go's <c>FormatFloat(v, 'f', -1, 64)</c>): the shortest
    /// decimal that round-trips, never in exponent notation; <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.
    /// </summary>
    public static string FormatFloat(double value) => GoFloat.FormatF(value);

    private static bool IsLabelChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static void SplitWords(string name, List<string> words)
    {
        var start = -1;
        for (var i = 0; i <= name.Length; i++)
        {
            var isWordChar = i < name.Length && char.IsAsciiLetterOrDigit(name[i]);
            if (isWordChar && start < 0)
            {
                start = i;
            }
            else if (!isWordChar && start >= 0)
            {
                words.Add(name[start..i]);
                start = -1;
            }
        }
    }

    private static string StripAnnotations(string unit)
    {
        if (!unit.Contains('{', StringComparison.Ordinal))
        {
            return unit;
        }

        var sb = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static string SanitizeWord(string unit)
    {
        var words = new List<string>(2);
        SplitWords(unit, words);
        return string.Join('_', words);
    }
}
