using System.Globalization;

namespace Vigil.Core.Time;

/// <summary>
/// Parses durations the way Prometheus writes them: number-unit pairs from the largest unit to the smallest, each unit
/// at most once, such as <c>250ms</c>, <c>90s</c>, <c>1h30m</c>, <c>15d</c>, <c>2w</c>, <c>1y</c> (units y, w, d, h, m, s,
/// ms; a year is 365 days). Where <c>allowBareSeconds</c> is set (the HTTP API, like Prometheus's), a plain number is
/// seconds and may have a fraction (<c>0.5</c>).
/// </summary>
public static class DurationParser
{
    private static readonly (string Unit, long Ticks)[] Units =
    [
        ("y", TimeSpan.TicksPerDay * 365),
        ("w", TimeSpan.TicksPerDay * 7),
        ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
        ("ms", TimeSpan.TicksPerMillisecond),
    ];

    /// <summary>Parses a duration, or returns false with a reason.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error, bool allowBareSeconds = true)
    {
        duration = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration";
            return false;
        }

        if (allowBareSeconds && double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            if (!double.IsFinite(seconds) || seconds * TimeSpan.TicksPerSecond >= TimeSpan.MaxValue.Ticks)
            {
                error = $"'{text}' is too long a duration";
                return false;
            }

            duration = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        long total = 0;
        var lastUnit = -1;
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

            var unit = Array.FindIndex(Units, u => text.AsSpan(unitStart, i - unitStart).SequenceEqual(u.Unit));
            if (unit < 0)
            {
                error = $"'{text}' has an unknown unit '{text[unitStart..i]}' (use y, w, d, h, m, s, ms)";
                return false;
            }

            if (unit <= lastUnit)
            {
                error = $"'{text}' repeats a unit or is not ordered from the largest unit to the smallest";
                return false;
            }

            lastUnit = unit;
            try
            {
                total = checked(total + checked(amount * Units[unit].Ticks));
            }
            catch (OverflowException)
            {
                error = $"'{text}' is too long a duration";
                return false;
            }
        }

        duration = TimeSpan.FromTicks(total);
        return true;
    }

    /// <summary>
    /// Formats a duration the way Prometheus prints one: the largest units first (<c>1w2d</c>, <c>1h30m</c>, <c>250ms</c>),
    /// <c>0s</c> for zero, a leading <c>-</c> for a negative offset.
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        var ticks = duration.Ticks;
        if (ticks / TimeSpan.TicksPerMillisecond == 0)
        {
            return "0s";
        }

        var sb = new System.Text.StringBuilder();
        if (ticks < 0)
        {
            sb.Append('-');
            ticks = -ticks;
        }

        foreach (var (unit, size) in Units)
        {
            var n = ticks / size;
            if (n > 0)
            {
                sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
                ticks -= n * size;
            }
        }

        return sb.ToString();
    }
}
