using System.Globalization;

namespace Vigil.Cli.Arguments;

/// <summary>
/// Durations as Prometheus writes them: one or more whole numbers with a unit, largest unit first, such as
/// <c>250ms</c>, <c>90s</c>, <c>1h30m</c>. Units: <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c> (24h), <c>w</c> (7d),
/// <c>y</c> (365d).
/// </summary>
internal static class DurationText
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

    /// <summary>Parses <paramref name="text"/>; false when it is not a duration or overflows.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        long total = 0;
        var lastUnit = -1;
        var i = 0;
        while (i < text.Length)
        {
            var digitsStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == digitsStart || !long.TryParse(text.AsSpan(digitsStart, i - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            var unit = Array.FindIndex(Units, u => text.AsSpan(unitStart, i - unitStart).SequenceEqual(u.Unit));
            if (unit <= lastUnit)
            {
                // Unknown unit (-1), or units out of order or repeated ("1m1h", "1s1s").
                return false;
            }

            lastUnit = unit;
            try
            {
                total = checked(total + checked(number * Units[unit].Ticks));
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        duration = TimeSpan.FromTicks(total);
        return true;
    }
}
