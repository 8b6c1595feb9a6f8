using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Core.Time;

/// <summary>
/// Parses timestamps the way Prometheus's HTTP API does: RFC 3339 with a time zone (<c>2026-01-02T15:04:05Z</c>,
/// fractions to nanoseconds), or non-negative Unix seconds with an optional fraction. Anything looser (a date alone,
/// no zone, a culture's format, exponents) is refused rather than guessed.
/// </summary>
public static partial class TimestampParser
{
    private const double MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    /// <summary>Parses a timestamp, or returns false with a reason.</summary>
    public static bool TryParse(string? text, out DateTimeOffset time, out string error)
    {
        time = default;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty timestamp";
            return false;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            if (!double.IsFinite(seconds) || seconds > MaxUnixSeconds)
            {
                error = $"'{text}' is out of range as Unix seconds";
                return false;
            }

            time = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        if (Rfc3339().IsMatch(text) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out time))
        {
            return true;
        }

        error = $"'{text}' is not a timestamp (use RFC 3339 such as 2026-01-02T15:04:05Z, or Unix seconds)";
        return false;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
