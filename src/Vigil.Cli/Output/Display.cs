using System.Globalization;
using System.Text;

namespace Vigil.Cli.Output;

/// <summary>How values look in table output. Invariant culture throughout: output must not change with the locale.</summary>
internal static class Display
{
    /// <summary>An instant as RFC 3339 in UTC with milliseconds, <c>2025-03-01T12:00:00.123Z</c>.</summary>
    public static string Time(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>An instant given in Unix nanoseconds, as <see cref="Time(DateTimeOffset)"/>.</summary>
    public static string TimeFromUnixNano(long unixNano) =>
        Time(DateTimeOffset.UnixEpoch.AddTicks(unixNano / 100));

    /// <summary>
    /// A duration with about three significant digits in the unit a person would use: <c>850µs</c>, <c>12.3ms</c>,
    /// <c>1.25s</c>, <c>2m03s</c>, <c>1h02m</c>.
    /// </summary>
    public static string Duration(double seconds)
    {
        if (double.IsNaN(seconds))
        {
            return "?";
        }

        if (seconds == 0)
        {
            return "0s";
        }

        var sign = seconds < 0 ? "-" : "";
        seconds = Math.Abs(seconds);
        var c = CultureInfo.InvariantCulture;
        if (seconds < 1e-3)
        {
            return sign + (seconds * 1e6).ToString("0.#", c) + "µs";
        }

        if (seconds < 1)
        {
            var ms = seconds * 1e3;
            return sign + ms.ToString(ms < 10 ? "0.##" : ms < 100 ? "0.#" : "0", c) + "ms";
        }

        if (seconds < 60)
        {
            return sign + seconds.ToString(seconds < 10 ? "0.##" : "0.#", c) + "s";
        }

        if (seconds < 3600)
        {
            var whole = (long)Math.Round(seconds);
            return sign + string.Create(c, $"{whole / 60}m{whole % 60:00}s");
        }

        if (double.IsInfinity(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds)
        {
            return sign + "∞";
        }

        var minutes = (long)Math.Round(seconds / 60);
        return sign + string.Create(c, $"{minutes / 60}h{minutes % 60:00}m");
    }

    /// <summary>
    /// Text safe to print on a terminal: control characters (escape sequences, line breaks) and invisible format
    /// characters (bidirectional overrides) are written as escapes, so telemetry cannot forge or hide output.
    /// </summary>
    public static string Safe(string text)
    {
        var clean = true;
        foreach (var ch in text)
        {
            if (NeedsEscape(ch))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (NeedsEscape(ch))
                    {
                        builder.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(ch);
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>A series in Prometheus notation: <c>name{a="1", b="2"}</c>, labels sorted, values escaped.</summary>
    public static string Series(IReadOnlyDictionary<string, string> labels)
    {
        var builder = new StringBuilder();
        labels.TryGetValue("__name__", out var name);
        builder.Append(name);
        var first = true;
        foreach (var (label, value) in labels.Where(l => l.Key != "__name__").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            builder.Append(first ? "{" : ", ").Append(label).Append("=\"")
                .Append(value.Replace("\\", "\\\\", StringComparison.Ordinal)
                    .Replace("\"", "\\\"", StringComparison.Ordinal)
                    .Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('"');
            first = false;
        }

        if (!first)
        {
            builder.Append('}');
        }
        else if (name is null)
        {
            builder.Append("{}");
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char ch) =>
        char.IsControl(ch) || CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.Format;
}
