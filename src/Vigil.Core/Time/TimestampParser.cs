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
    private const double MinUnixSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z

    /// <summary>Parses a timestamp, or returns false with a reason.</summary>
    /// <param name="text">The text.</param>
    /// <param name="time">The instant.</param>
    /// <param name="error">Why the text is not a timestamp.</param>
    /// <param name="clampToRange">
    /// Prometheus's API rule: Unix seconds may be negative, and any finite number is taken, clamped to what a date can
    /// hold (years 1 to 9999) — Grafana probes with milliseconds where seconds belong and expects success. Off, a
    /// number beyond year 9999 or below zero is refused, which is what a person typing a time wants to hear.
    /// </param>
    public static bool TryParse(string? text, out DateTimeOffset time, out string error, bool clampToRange = false)
    {
        time = default;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty timestamp";
            return false;
        }

        var numberStyle = clampToRange ? NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign : NumberStyles.AllowDecimalPoint;
        if (double.TryParse(text, numberStyle, CultureInfo.InvariantCulture, out var seconds))
        {
            if (clampToRange && double.IsFinite(seconds))
            {
                seconds = Math.Clamp(seconds, MinUnixSeconds, MaxUnixSeconds);
            }

            if (!double.IsFinite(seconds) || seconds > MaxUnixSeconds)
            {
                error = $"'{text}' is out of range as Unix seconds";
                return false;
            }

            // Whole seconds and the fraction apart, the fraction rounded to milliseconds as Prometheus does, so
            // "1795960920.123" is .123 and not the .1229999 its double holds.
            var whole = Math.Floor(seconds);
            time = DateTimeOffset.UnixEpoch.AddSeconds(whole).AddMilliseconds(Math.Round((seconds - whole) * 1000));
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
