using System.Globalization;

namespace Vigil.Core.Time;

/// <summary>Parses API timestamps the way Prometheus's HTTP API does: RFC 3339, or Unix seconds with an optional fraction.</summary>
public static class TimestampParser
{
    /// <summary>Parses a timestamp, or returns false with a reason.</summary>
    public static bool TryParse(string? text, out DateTimeOffset time, out string error)
    {
        time = default;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty timestamp";
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (double.IsFinite(seconds) && seconds > -62_135_596_800 && seconds < 253_402_300_799)
            {
                time = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
                return true;
            }

            error = $"'{text}' is out of range as Unix seconds";
            return false;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time))
        {
            return true;
        }

        error = $"'{text}' is not a timestamp (use RFC 3339 such as 2026-01-02T15:04:05Z, or Unix seconds)";
        return false;
    }
}
