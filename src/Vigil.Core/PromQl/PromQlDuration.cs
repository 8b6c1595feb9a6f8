using System.Globalization;
using System.Text;

namespace Vigil.Core.PromQl;

/// <summary>
/// Prometheus durations: integer amounts of y, w, d, h, m, s and ms, each at most once and in that order, as in
/// <c>1h30m</c> or <c>250ms</c>. A year is 365 days and a week 7 days, as in Prometheus.
/// </summary>
internal static class PromQlDuration
{
    private static readonly (string Unit, long Millis)[] Units =
    [
        ("y", 365L * 24 * 3600 * 1000),
        ("w", 7L * 24 * 3600 * 1000),
        ("d", 24L * 3600 * 1000),
        ("h", 3600L * 1000),
        ("m", 60L * 1000),
        ("s", 1000L),
        ("ms", 1L),
    ];

    /// <summary>Whether a character can start a duration unit.</summary>
    internal static bool IsUnitStart(char c) => c is 'y' or 'w' or 'd' or 'h' or 'm' or 's';

    /// <summary>Parses a duration; returns null when the text is not a valid duration or overflows.</summary>
    internal static TimeSpan? TryParse(string text)
    {
        var i = 0;
        var nextUnit = 0;
        long total = 0;
        if (text.Length == 0)
        {
            return null;
        }

        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i == text.Length)
            {
                return null;
            }

            var unitIndex = -1;
            for (var u = nextUnit; u < Units.Length; u++)
            {
                var unit = Units[u].Unit;
                if (string.CompareOrdinal(text, i, unit, 0, unit.Length) == 0
                    && !(unit == "m" && i + 1 < text.Length && text[i + 1] == 's'))
                {
                    unitIndex = u;
                    break;
                }
            }

            if (unitIndex < 0)
            {
                return null;
            }

            if (!long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            {
                return null;
            }

            try
            {
                total = checked(total + checked(amount * Units[unitIndex].Millis));
            }
            catch (OverflowException)
            {
                return null;
            }

            i += Units[unitIndex].Unit.Length;
            nextUnit = unitIndex + 1;
        }

        return total > TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond ? null : TimeSpan.FromMilliseconds(total);
    }

    /// <summary>Formats a duration canonically, <c>1h30m</c>; zero is <c>0s</c> and negative values get a leading minus.</summary>
    internal static string Format(TimeSpan value)
    {
        var ms = value.Ticks / TimeSpan.TicksPerMillisecond;
        if (ms == 0)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (ms < 0)
        {
            sb.Append('-');
            ms = -ms;
        }

        foreach (var (unit, millis) in Units)
        {
            var n = ms / millis;
            if (n > 0)
            {
                sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
                ms -= n * millis;
            }
        }

        return sb.ToString();
    }
}
