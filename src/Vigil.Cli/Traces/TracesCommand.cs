using System.CommandLine;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Traces;

/// <summary><c>vigil traces list</c> and <c>vigil traces get ID</c>.</summary>
internal static class TracesCommand
{
    public static Command Create(CliContext context) =>
        new("traces", "Find traces and show one as a span tree.") { ListCommand(context), GetCommand(context) };

    private static Command ListCommand(CliContext context)
    {
        var service = CliOptions.Text("--service", "Only traces with a span of this service.name.", "NAME");
        var operation = CliOptions.Text("--operation", "Only traces with a span of this name.", "NAME");
        var status = CliOptions.OneOf("--status", "Only traces with this status.", "ok", "error", "unset");
        var minDuration = CliOptions.Duration("--min-duration", "Only traces at least this long, like 250ms or 2s.", allowZero: true);
        var limit = CliOptions.Limit("The most traces to list. Default: the server's.");
        var window = new TimeWindow("traces");

        var list = new Command("list", "List traces, newest first.") { service, operation, status, minDuration, limit };
        window.AddTo(list);
        list.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var (start, end) = window.Resolve(parseResult, context.Environment.Time.GetUtcNow());
            var response = await client.ListTracesAsync(new TraceSearch
            {
                Service = parseResult.GetValue(service),
                Operation = parseResult.GetValue(operation),
                Status = parseResult.GetValue(status),
                MinDuration = parseResult.GetValue(minDuration),
                Start = start,
                End = end,
                Limit = parseResult.GetValue(limit),
            }, ct);
            WriteList(context.Out, context.Format(parseResult), response);
            return ExitCodes.Success;
        }, cancellationToken));
        return list;
    }

    private static Command GetCommand(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The trace id, 32 hex characters." };
        var get = new Command("get", "Show one trace as an indented span tree with durations.") { id };
        get.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var trace = await client.GetTraceAsync(parseResult.GetRequiredValue(id), ct);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                JsonOutput.Write(context.Out, trace);
            }
            else
            {
                SpanTree.Write(context.Out, trace);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return get;
    }

    internal static void WriteList(TextWriter writer, OutputFormat format, TracesResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("TRACE", "START", "DURATION", "SPANS", "STATUS", "SERVICE", "OPERATION");
        foreach (var trace in response.Traces)
        {
            table.Add(
                trace.TraceId,
                Display.TimeFromUnixNano(trace.StartTimeUnixNano),
                Display.Duration(trace.DurationSeconds),
                trace.SpanCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                trace.HasError ? "error" : "ok",
                trace.RootService,
                trace.RootName);
        }

        table.WriteTo(writer);
    }
}
