using System.CommandLine;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Queries;

/// <summary>
/// <c>vigil query EXPR [--time T | --range 1h [--step 30s] [--end T]]</c>: evaluates PromQL on the server (its
/// embedded store or the external source it is configured with) and prints a table, or the Prometheus API's
/// <c>data</c> object with <c>--output json</c>.
/// </summary>
internal static class QueryCommand
{
    // Without --step, a range is cut into about this many steps (as Prometheus's graph page does).
    private const int DefaultPointsPerRange = 250;

    public static Command Create(CliContext context)
    {
        var expression = new Argument<string>("EXPR") { Description = "The PromQL expression, such as 'sum by (job) (rate(http_requests_total[5m]))'." };
        var time = CliOptions.Time("--time", "Evaluate at this instant (instant query). Default: now.");
        var range = CliOptions.Duration("--range", "Evaluate over this long a range ending at --end (range query), like 1h.");
        var step = CliOptions.Duration("--step", $"The resolution of a range query, like 30s. Default: the range / {DefaultPointsPerRange}, at least 1s.");
        var end = CliOptions.Time("--end", "The end of a range query. Default: now.");

        var command = new Command("query", "Evaluate a PromQL expression (instant, or over a range with --range).") { expression, time, range, step, end };
        command.Validators.Add(result =>
        {
            if (result.GetResult(time) is not null && result.GetResult(range) is not null)
            {
                result.AddError("Use either --time (instant query) or --range (range query), not both.");
            }

            if (result.GetResult(range) is null && (result.GetResult(step) is not null || result.GetResult(end) is not null))
            {
                result.AddError("--step and --end need --range.");
            }
        });
        command.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var query = parseResult.GetValue(expression)!;
            PromQlQueryResult result;
            if (parseResult.GetValue(range) is { } length)
            {
                var until = parseResult.GetValue(end) ?? context.Environment.Time.GetUtcNow();
                var resolution = parseResult.GetValue(step) ?? DefaultStep(length);
                result = await client.QueryRangeAsync(query, until - length, until, resolution, ct);
            }
            else
            {
                result = await client.QueryAsync(query, parseResult.GetValue(time), ct);
            }

            Write(context.Out, context.Format(parseResult), result);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    internal static TimeSpan DefaultStep(TimeSpan range) =>
        TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(range.TotalSeconds / DefaultPointsPerRange)));

    internal static void Write(TextWriter writer, OutputFormat format, PromQlQueryResult result)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, result.RawData);
            return;
        }

        var table = new Table("SERIES", "TIME", "VALUE");
        foreach (var series in result.Series)
        {
            var name = result.ResultType is "scalar" or "string" ? result.ResultType : Display.Series(series.Metric);
            foreach (var point in series.Points)
            {
                var instant = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(point.Time * 1000));
                table.Add(name, Display.Time(instant), point.Value);
            }
        }

        if (table.RowCount == 0)
        {
            writer.WriteLine($"no data ({result.ResultType})");
            return;
        }

        table.WriteTo(writer);
    }
}
