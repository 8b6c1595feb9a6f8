using System.CommandLine;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Series;

/// <summary><c>vigil series list [SELECTOR...]</c>: the series the server holds, in Prometheus notation.</summary>
internal static class SeriesCommand
{
    /// <summary>The selector used when none is given: every series with a name.</summary>
    public const string AllSeries = "{__name__=~\".+\"}";

    public static Command Create(CliContext context)
    {
        var selectors = new Argument<string[]>("SELECTOR")
        {
            Description = "Prometheus series selectors, such as 'http_requests_total{job=\"api\"}'; a series matching any is listed. Default: all.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        selectors.Validators.Add(result =>
        {
            // A selector never starts with '-': such a token is a mistyped option the parser handed to the argument.
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-')))
            {
                result.AddError($"Unrecognized command or argument '{token.Value}'.");
            }
        });
        var window = new TimeWindow("series with samples");
        var limit = CliOptions.Limit("The most series to list. Default: the server's.");

        var list = new Command("list", "List series matching selectors.") { selectors, limit };
        window.AddTo(list);
        list.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var matchers = parseResult.GetValue(selectors) is { Length: > 0 } given ? given : [AllSeries];
            var (start, end) = window.Resolve(parseResult, context.Environment.Time.GetUtcNow());
            var response = await client.GetSeriesAsync(matchers, start, end, parseResult.GetValue(limit), ct);
            Write(context.Out, context.Format(parseResult), response);
            return ExitCodes.Success;
        }, cancellationToken));

        return new Command("series", "Explore the metric series Vigil stores.") { list };
    }

    internal static void Write(TextWriter writer, OutputFormat format, SeriesListResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("SERIES");
        foreach (var series in response.Series)
        {
            table.Add(Display.Series(series.Labels ?? new Dictionary<string, string>()));
        }

        table.WriteTo(writer);
    }
}
