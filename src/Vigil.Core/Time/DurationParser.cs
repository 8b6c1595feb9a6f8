using System.Globalization;

namespace Vigil.Core.Time;

/// <summary>
/// Parses durations the way Prometheus writes them: one or more number-unit pairs such as <c>250ms</c>, <c>90s</c>,
/// <c>1h30m</c>, <c>15d</c>, <c>2w</c>, <c>1y</c> (units ms, s, m, h, d, w, y; a year is 365 days). A plain number is
/// seconds and may have a fraction (<c>0.5</c>).
/// </summary>
public static class DurationParser
{
    /// <summary>Parses a duration, or returns false with a reason.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty duration";
            return false;
        }

        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            {
                error = $"'{text}' is not a valid duration";
                return false;
            }

            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }

        var total = 0L;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (start == i || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            {
                error = $"'{text}' is not a duration (use e.g. 250ms, 30s, 5m, 1h30m, 15d)";
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            long unitMs = text.AsSpan(unitStart, i - unitStart) switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 7 * 86_400_000L,
                "y" => 365 * 86_400_000L,
                _ => -1,
            };
            if (unitMs < 0)
            {
                error = $"'{text}' has an unknown unit '{text[unitStart..i]}' (use ms, s, m, h, d, w, y)";
                return false;
            }

            try
            {
                total = checked(total + checked(amount * unitMs));
            }
            catch (OverflowException)
            {
                error = $"'{text}' is too long a duration";
                return false;
            }
        }

        duration = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Formats a duration in the shortest Prometheus form (<c>1h30m</c>, <c>250ms</c>).</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var parts = new List<string>();
        foreach (var (unit, size) in new[] { ("d", 86_400_000L), ("h", 3_600_000L), ("m", 60_000L), ("s", 1000L), ("ms", 1L) })
        {
            if (ms >= size)
            {
                parts.Add((ms / size).ToString(CultureInfo.InvariantCulture) + unit);
                ms %= size;
            }
        }

        return string.Concat(parts);
    }
}
