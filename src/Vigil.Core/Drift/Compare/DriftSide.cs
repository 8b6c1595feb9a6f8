using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Core.Drift.Compare;

/// <summary>
/// One side of a comparison as a person writes it: <c>prod</c> (the newest snapshot of prod) or <c>prod@TIME</c> (the
/// newest taken at or before TIME), where TIME is a date (<c>2026-11-01</c>, midnight UTC at its start) or an RFC 3339
/// instant (<c>2026-11-01T12:00:00Z</c>, <c>2026-11-01T14:00:00+02:00</c>).
/// </summary>
/// <param name="Environment">The environment.</param>
/// <param name="At">The instant, or null for the newest snapshot.</param>
public sealed partial record DriftSide(string Environment, DateTimeOffset? At)
{
    /// <summary>The longest environment name: 63 characters.</summary>
    public const int MaxEnvironmentLength = 63;

    /// <summary>How the report names this side: <c>prod</c>, or <c>prod@2026-11-01T00:00:00Z</c>.</summary>
    public string Label => At is { } at
        ? $"{Environment}@{at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}"
        : Environment;

    /// <summary>True for an environment name: 1 to 63 letters, digits, '.', '_' and '-', starting with a letter or digit.</summary>
    public static bool IsEnvironmentName(string? name) => name is not null && EnvironmentPattern().IsMatch(name);

    /// <summary>Reads <c>env</c> or <c>env@time</c>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, out DriftSide side, out string error)
    {
        side = new DriftSide(string.Empty, null);
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an environment is required, such as prod or prod@2026-11-01";
            return false;
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        var environment = at < 0 ? text : text[..at];
        if (!IsEnvironmentName(environment))
        {
            error = $"'{Clip(environment)}' is not an environment name (1 to {MaxEnvironmentLength} letters, digits, '.', '_' and '-')";
            return false;
        }

        if (at < 0)
        {
            side = new DriftSide(environment, null);
            return true;
        }

        var time = text[(at + 1)..];
        if (!TryParseTime(time, out var instant))
        {
            error = $"'{Clip(time)}' after '@' is not a date (2026-11-01) or an RFC 3339 time (2026-11-01T12:00:00Z)";
            return false;
        }

        side = new DriftSide(environment, instant);
        return true;
    }

    private static bool TryParseTime(string text, out DateTimeOffset instant)
    {
        if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant))
        {
            return true;
        }

        // RFC 3339 needs an offset (Z or ±hh:mm): a bare local time would mean something else on every host.
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"];
        return text.Length > 10 && (text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParseExact(text.Replace('z', 'Z').Replace('t', 'T'), formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out instant);
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "...";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentPattern();
}
