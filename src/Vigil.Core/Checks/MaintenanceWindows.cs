namespace Vigil.Core.Checks;

/// <summary>When a <see cref="MaintenanceWindow"/> applies.</summary>
public static class MaintenanceWindows
{
    /// <summary>
    /// True when <paramref name="at"/> falls in the window: an absolute window covers [From, Until); a weekly one covers
    /// [DailyFrom, DailyUntil) UTC on its days, and when DailyUntil is not after DailyFrom it runs past midnight into the
    /// next day (so a Saturday 23:00–01:00 window covers Sunday 00:30).
    /// </summary>
    public static bool Covers(this MaintenanceWindow window, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.From is { } from && window.Until is { } until)
        {
            return at >= from && at < until;
        }

        if (window.DailyFrom is not { } start || window.DailyUntil is not { } end || window.Days.Count == 0)
        {
            return false;
        }

        var utc = at.UtcDateTime;
        var time = TimeOnly.FromTimeSpan(utc.TimeOfDay);
        var day = utc.DayOfWeek;
        if (start < end)
        {
            return window.Days.Contains(day) && time >= start && time < end;
        }

        var previous = (DayOfWeek)(((int)day + 6) % 7);
        return (window.Days.Contains(day) && time >= start) || (window.Days.Contains(previous) && time < end);
    }

    /// <summary>True when any of <paramref name="windows"/> covers <paramref name="at"/>.</summary>
    public static bool AnyCovers(IReadOnlyList<MaintenanceWindow> windows, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(windows);
        foreach (var window in windows)
        {
            if (window.Covers(at))
            {
                return true;
            }
        }

        return false;
    }
}
