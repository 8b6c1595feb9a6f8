using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Cli.Arguments;

/// <summary>Instants on the command line: RFC 3339 (<c>2025-03-01T12:00:00Z</c>) or Unix seconds (<c>1740830400.5</c>).</summary>
internal static partial class TimeText
{
    /// <summary>Parses <paramref name="text"/>; false when it is neither form.</summary>
    public static bool TryParse(string? text, out DateTimeOffset instant)
    {
        instant = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            // Unix seconds: ±292 billion years is TimeSpan's range; anything past year 9999 is not an instant.
            if (!double.IsFinite(seconds) || seconds > 253402300799)
            {
                return false;
            }

            instant = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        return Rfc3339().IsMatch(text) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out instant);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
