using System.Globalization;

namespace Vigil.Server.Ui.Components;

/// <summary>How the UI writes numbers, durations and times: one place, so every page reads the same.</summary>
public static class UiFormat
{
    /// <summary>
    /// A value in its unit: <c>seconds</c> as ms or s, <c>ratio</c> as a percentage, <c>rate</c> per second, otherwise a
    /// plain number with at most three significant decimals; an em dash for no value.
    /// </summary>
    public static string Value(double? value, string unit)
    {
        if (value is not { } v || double.IsNaN(v))
        {
            return "—";
        }

        return unit switch
        {
            "seconds" => Math.Abs(v) < 1 ? string.Create(CultureInfo.InvariantCulture, $"{v * 1000:0.#} ms") : string.Create(CultureInfo.InvariantCulture, $"{v:0.##} s"),
            "ratio" => string.Create(CultureInfo.InvariantCulture, $"{v * 100:0.##}%"),
            "rate" => string.Create(CultureInfo.InvariantCulture, $"{v:0.##}/s"),
            _ => v.ToString("0.###", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>A UTC time as <c>yyyy-MM-dd HH:mm:ss</c>.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>How long ago <paramref name="at"/> was, relative to <paramref name="now"/>: <c>45s ago</c>, <c>3m ago</c>, <c>2h ago</c>, <c>5d ago</c>.</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var seconds = Math.Max(0, (now - at).TotalSeconds);
        return seconds switch
        {
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0}s ago"),
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0}m ago"),
            < 86400 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0}h ago"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:0}d ago"),
        };
    }
}
