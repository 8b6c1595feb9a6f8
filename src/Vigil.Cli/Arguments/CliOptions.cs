using System.CommandLine;
using System.CommandLine.Parsing;
using Vigil.Core.Time;

namespace Vigil.Cli.Arguments;

/// <summary>Builds options whose values are checked while parsing, so a bad value is a usage error (exit 3).</summary>
internal static class CliOptions
{
    /// <summary>An optional instant, RFC 3339 or Unix seconds.</summary>
    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description + " RFC 3339 (2025-03-01T12:00:00Z) or Unix seconds.",
        HelpName = "TIME",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (TimestampParser.TryParse(text, out var instant, out _))
            {
                return instant;
            }

            result.AddError($"'{text}' is not a time for {name}: use RFC 3339 (2025-03-01T12:00:00Z) or Unix seconds.");
            return null;
        },
    };

    /// <summary>An optional duration such as <c>1h</c> or <c>250ms</c>; zero is refused unless <paramref name="allowZero"/>.</summary>
    public static Option<TimeSpan?> Duration(string name, string description, bool allowZero = false) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (DurationParser.TryParse(text, out var duration, out _, allowBareSeconds: false) && (allowZero || duration > TimeSpan.Zero))
            {
                return duration;
            }

            result.AddError($"'{text}' is not a duration for {name}: use a number and a unit, like 250ms, 30s, 15m, 1h30m, 7d.");
            return null;
        },
    };

    /// <summary>An optional positive whole number.</summary>
    public static Option<int?> Limit(string description) => new("--limit")
    {
        Description = description,
        HelpName = "N",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return n;
            }

            result.AddError($"'{text}' is not a limit for --limit: use a whole number above 0.");
            return null;
        },
    };

    /// <summary>An optional string from a fixed set, matched exactly.</summary>
    public static Option<string?> OneOf(string name, string description, params string[] values)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = string.Join('|', values) };
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    /// <summary>An optional free-text string.</summary>
    public static Option<string?> Text(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName };
}
