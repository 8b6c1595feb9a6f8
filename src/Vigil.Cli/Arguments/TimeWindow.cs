using System.CommandLine;
using System.CommandLine.Parsing;
using Vigil.Core.Time;

namespace Vigil.Cli.Arguments;

/// <summary>
/// The <c>--since</c>, <c>--start</c>, <c>--end</c> trio: either a duration back from now, or explicit bounds (either
/// may be left out for the server's default). Giving <c>--since</c> with a bound is a usage error.
/// </summary>
internal sealed class TimeWindow
{
    public TimeWindow(string what)
    {
        Since = CliOptions.Duration("--since", $"Only {what} from this long ago until now, like 15m or 1h.");
        Start = CliOptions.Time("--start", $"Only {what} at or after this time.");
        End = CliOptions.Time("--end", $"Only {what} before this time.");
    }

    public Option<TimeSpan?> Since { get; }

    public Option<DateTimeOffset?> Start { get; }

    public Option<DateTimeOffset?> End { get; }

    /// <summary>Adds the three options to <paramref name="command"/>, with the check that excludes mixing them.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Since);
        command.Options.Add(Start);
        command.Options.Add(End);
        command.Validators.Add(result =>
        {
            if (result.GetResult(Since) is not null && (result.GetResult(Start) is not null || result.GetResult(End) is not null))
            {
                result.AddError("Use either --since or --start/--end, not both.");
            }

            // Read the tokens, not the values: a bad value already has its own error, and reading it would throw.
            if (Parsed(result.GetResult(Start)) is { } start && Parsed(result.GetResult(End)) is { } end && end <= start)
            {
                result.AddError("--end must be after --start.");
            }
        });
    }

    private static DateTimeOffset? Parsed(OptionResult? option) =>
        option is { Tokens.Count: > 0 } && TimestampParser.TryParse(option.Tokens[0].Value, out var instant, out _) ? instant : null;

    /// <summary>The window the user asked for; <c>--since</c> counts back from <paramref name="now"/>.</summary>
    public (DateTimeOffset? Start, DateTimeOffset? End) Resolve(ParseResult parseResult, DateTimeOffset now) =>
        parseResult.GetValue(Since) is { } since
            ? (now - since, null)
            : (parseResult.GetValue(Start), parseResult.GetValue(End));
}
