using System.Globalization;

namespace Vigil.Storage.State;

/// <summary>
/// How the state database writes instants: RFC 3339 in UTC with seven fractional digits, so that text order is time
/// order and a person reading the file with <c>sqlite3</c> sees real dates.
/// </summary>
internal static class StateTime
{
    private const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
