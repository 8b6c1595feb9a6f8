using System.CommandLine;
using System.Globalization;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;

namespace Vigil.Cli.Anomalies;

/// <summary><c>vigil anomalies list</c>: anomaly events on watched series, with their explanation.</summary>
internal static class AnomaliesCommand
{
    /// <summary>The <c>anomalies</c> command with its subcommands.</summary>
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var anomalies = new Command("anomalies", "Anomaly events on watched series: what, expected range, actual value, since when.");
        var service = new Option<string?>("--service") { Description = "Only anomalies of this service (label service_name).", HelpName = "SERVICE" };
        var watch = new Option<string?>("--watch") { Description = "Only anomalies of this watch (request-rate, error-ratio, p95-latency or an AnomalyWatch).", HelpName = "WATCH" };
        var open = new Option<bool>("--open") { Description = "Only anomalies still open." };
        var since = CliOptions.Duration("--since", "Only anomalies open at some point in this long back from now (1h, 7d).");
        var limit = CliOptions.Limit("The most anomalies listed (default 100).");
        var list = new Command("list", "List anomaly events, newest first.") { service, watch, open, since, limit };
        list.SetAction(async (parseResult, cancellationToken) =>
            await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var response = await client.ListAnomaliesAsync(
                    parseResult.GetValue(watch), parseResult.GetValue(service), parseResult.GetValue(since), parseResult.GetValue(open), parseResult.GetValue(limit), ct);
                if (context.Format(parseResult) == OutputFormat.Json)
                {
                    JsonOutput.Write(context.Out, response);
                    return ExitCodes.Success;
                }

                if (response.Events.Count == 0)
                {
                    await context.Out.WriteLineAsync("No anomalies.");
                    return ExitCodes.Success;
                }

                var table = new Table("ID", "WATCH", "SERIES", "STARTED", "ENDED", "SCORE", "EXPLANATION");
                foreach (var e in response.Events)
                {
                    table.Add(
                        e.Id.ToString(CultureInfo.InvariantCulture),
                        e.Watch,
                        Display.Series(e.Labels),
                        Display.Time(e.StartedAt),
                        e.EndedAt is { } ended ? Display.Time(ended) : "open",
                        e.Score.ToString("0.00", CultureInfo.InvariantCulture),
                        Display.Safe(e.Explanation));
                }

                table.WriteTo(context.Out);
                return ExitCodes.Success;
            }, cancellationToken));
        anomalies.Subcommands.Add(list);
        return anomalies;
    }
}
