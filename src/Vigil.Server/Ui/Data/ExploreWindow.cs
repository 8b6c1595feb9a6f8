using System.Globalization;
using Vigil.Core.Time;

namespace Vigil.Server.Ui.Data;

/// <summary>
/// The time window of an Explore page, read from the URL: either <c>from</c>/<c>to</c> in Unix seconds (the contract
/// other pages link with) or a relative <c>range</c> ending now (<c>15m</c>, <c>1h</c>, <c>24h</c>, ...).
/// </summary>
/// <param name="From">The window's start, inclusive.</param>
/// <param name="To">The window's end, inclusive.</param>
/// <param name="Range">The <c>range</c> text the window was built from, or null when it came from <c>from</c>/<c>to</c>.</param>
public sealed record ExploreWindow(DateTimeOffset From, DateTimeOffset To, string? Range)
{
    /// <summary>The range used when the URL names none: the last hour.</summary>
    public const string DefaultRange = "1h";

    /// <summary>The longest window a page reads: 31 days (the store's retention is shorter by default).</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(31);

    /// <summary>The ranges offered in the pages' range selector.</summary>
    public static IReadOnlyList<(string Value, string Text)> Choices { get; } =
    [
        ("5m", "Last 5 minutes"),
        ("15m", "Last 15 minutes"),
        ("1h", "Last hour"),
        ("6h", "Last 6 hours"),
        ("24h", "Last 24 hours"),
        ("7d", "Last 7 days"),
    ];

    /// <summary>The window's length.</summary>
    public TimeSpan Length => To - From;

    /// <summary>The start in Unix seconds.</summary>
    public long FromSeconds => From.ToUnixTimeSeconds();

    /// <summary>The end in Unix seconds.</summary>
    public long ToSeconds => To.ToUnixTimeSeconds();

    /// <summary>The start in Unix nanoseconds, as the log and trace sources filter.</summary>
    public long FromUnixNano => (From - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>The end in Unix nanoseconds.</summary>
    public long ToUnixNano => (To - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>
    /// Reads the window. <c>from</c> and <c>to</c> win over <c>range</c>; with only one of them, the other is that end
    /// moved by the range. Returns false with a message naming the field for garbage, a start after the end, or a
    /// window longer than <see cref="MaxLength"/>.
    /// </summary>
    public static bool TryRead(string? range, string? from, string? to, DateTimeOffset now, out ExploreWindow window, out string error)
    {
        window = new ExploreWindow(now - TimeSpan.FromHours(1), now, DefaultRange);
        error = string.Empty;
        var rangeText = string.IsNullOrWhiteSpace(range) ? DefaultRange : range.Trim();
        if (!DurationParser.TryParse(rangeText, out var length, out var reason, allowBareSeconds: false))
        {
            error = $"range '{rangeText}' is not a duration ({reason}); use e.g. 15m, 1h, 24h or 7d";
            return false;
        }

        if (length <= TimeSpan.Zero)
        {
            error = $"range '{rangeText}' must be longer than zero; use e.g. 15m, 1h, 24h or 7d";
            return false;
        }

        if (length > MaxLength)
        {
            error = $"range '{rangeText}' is longer than {MaxLength.TotalDays.ToString(CultureInfo.InvariantCulture)} days";
            return false;
        }

        DateTimeOffset? start = null, end = null;
        if (!string.IsNullOrWhiteSpace(from))
        {
            if (!TryTime(from.Trim(), "from", out var value, out error))
            {
                return false;
            }

            start = value;
        }

        if (!string.IsNullOrWhiteSpace(to))
        {
            if (!TryTime(to.Trim(), "to", out var value, out error))
            {
                return false;
            }

            end = value;
        }

        if (start is null && end is null)
        {
            window = new ExploreWindow(now - length, now, rangeText);
            return true;
        }

        var s = start ?? end!.Value - length;
        var e = end ?? s + length;
        if (s > e)
        {
            error = $"from ({UiTime(s)}) is after to ({UiTime(e)}): the start of the window must come before its end";
            return false;
        }

        if (e - s > MaxLength)
        {
            error = $"the window from {UiTime(s)} to {UiTime(e)} is longer than {MaxLength.TotalDays.ToString(CultureInfo.InvariantCulture)} days";
            return false;
        }

        window = new ExploreWindow(s, e, null);
        return true;
    }

    private static bool TryTime(string text, string field, out DateTimeOffset time, out string error)
    {
        if (TimestampParser.TryParse(text, out time, out var reason))
        {
            error = string.Empty;
            return true;
        }

        error = $"{field}: {reason}";
        return false;
    }

    private static string UiTime(DateTimeOffset at) => Components.UiFormat.Time(at) + " UTC";
}
