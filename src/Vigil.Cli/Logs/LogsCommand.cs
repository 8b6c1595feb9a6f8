using System.CommandLine;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Logs;

/// <summary>
/// <c>vigil logs search</c>: log records, newest first, one page at a time; <c>vigil logs patterns</c>: the log
/// templates of one service.
/// </summary>
internal static class LogsCommand
{
    public static Command Create(CliContext context)
    {
        var service = CliOptions.Text("--service", "Only records of this service.name.", "NAME");
        var environment = CliOptions.Text("--environment", "Only records of this deployment environment.", "NAME");
        var version = CliOptions.Text("--version", "Only records of this service.version.", "VERSION");
        var severity = CliOptions.Text("--severity", "The minimum severity: trace, debug, info, warn, error, fatal, or an OTLP number 1-24.", "LEVEL");
        var contains = CliOptions.Text("--contains", "Only records whose body contains this text.", "TEXT");
        var traceId = CliOptions.Text("--trace-id", "Only records of this trace.", "ID");
        var pageToken = CliOptions.Text("--page-token", "Continue after a previous page (its token is printed on stderr).", "TOKEN");
        var templateId = new Option<long?>("--template-id")
        {
            Description = "Only records of this log template id (see vigil logs patterns); needs --service.",
            HelpName = "ID",
            CustomParser = result =>
            {
                var text = result.Tokens[0].Value;
                if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                {
                    return id;
                }

                result.AddError($"'{text}' is not a template id for --template-id: use a whole number (see vigil logs patterns).");
                return null;
            },
        };
        var limit = CliOptions.Limit("The most records to print. Default: the server's.");
        var window = new TimeWindow("records");

        var groupBy = new Option<string?>("--group-by")
        {
            Description = "Group the matching records instead of listing them: 'template' counts them per log template (needs --service).",
            HelpName = "template",
        };
        groupBy.AcceptOnlyFromAmong("template");

        var search = new Command("search", "Search log records, newest first, or count them per template with --group-by template.")
        {
            service, environment, version, severity, contains, traceId, templateId, limit, pageToken, groupBy,
        };
        search.Validators.Add(result =>
        {
            if (result.GetValue(groupBy) is not null && string.IsNullOrEmpty(result.GetValue(service)))
            {
                result.AddError("--group-by template needs --service: template ids are per service.");
            }
        });
        window.AddTo(search);
        search.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var (start, end) = window.Resolve(parseResult, context.Environment.Time.GetUtcNow());
            var filters = new LogSearch
            {
                Service = parseResult.GetValue(service),
                Environment = parseResult.GetValue(environment),
                Version = parseResult.GetValue(version),
                Severity = parseResult.GetValue(severity),
                Start = start,
                End = end,
                Contains = parseResult.GetValue(contains),
                TraceId = parseResult.GetValue(traceId),
                TemplateId = parseResult.GetValue(templateId),
                Limit = parseResult.GetValue(limit),
                PageToken = parseResult.GetValue(pageToken),
            };
            if (parseResult.GetValue(groupBy) is not null)
            {
                var groups = await client.GroupLogsByTemplateAsync(filters, ct);
                WriteGroups(context.Out, context.Format(parseResult), groups);
                if (groups.Truncated && context.Format(parseResult) == OutputFormat.Table)
                {
                    await context.Error.WriteLineAsync($"Counted the newest {groups.Scanned:N0} records only; narrow the window for exact counts.");
                }

                return ExitCodes.Success;
            }

            var response = await client.SearchLogsAsync(filters, ct);
            Write(context.Out, context.Format(parseResult), response);
            if (response.NextPageToken is { Length: > 0 } next && context.Format(parseResult) == OutputFormat.Table)
            {
                await context.Error.WriteLineAsync($"More records: add --page-token {Display.Safe(next)}");
            }

            return ExitCodes.Success;
        }, cancellationToken));

        var patternService = new Option<string>("--service") { Description = "The service.name whose templates to list.", HelpName = "NAME", Required = true };
        var patterns = new Command("patterns", "List the log templates mined from a service's records, most frequent first.") { patternService };
        patterns.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var response = await client.GetLogPatternsAsync(parseResult.GetValue(patternService)!, ct);
            WritePatterns(context.Out, context.Format(parseResult), response);
            return ExitCodes.Success;
        }, cancellationToken));

        return new Command("logs", "Search the logs Vigil stores.") { search, patterns };
    }

    internal static void WriteGroups(TextWriter writer, OutputFormat format, LogTemplateGroupsResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("COUNT", "ID", "SEVERITY", "TEMPLATE", "NEWEST");
        foreach (var group in response.Groups)
        {
            table.Add(
                group.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                group.TemplateId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                Display.Safe(group.Severity),
                Display.Safe(group.Template),
                Display.Safe(group.Example.Body));
        }

        table.WriteTo(writer);
    }

    internal static void WritePatterns(TextWriter writer, OutputFormat format, LogPatternsResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("ID", "COUNT", "TEMPLATE", "ALIASES");
        foreach (var pattern in response.Patterns)
        {
            table.Add(
                pattern.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                pattern.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                pattern.Template,
                string.Join(',', pattern.Aliases.Select(a => a.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        table.WriteTo(writer);
    }

    internal static void Write(TextWriter writer, OutputFormat format, LogsResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("TIME", "SEVERITY", "SERVICE", "BODY");
        foreach (var record in response.Records)
        {
            string? serviceName = null;
            record.Resource?.TryGetValue("service.name", out serviceName);
            var level = string.IsNullOrEmpty(record.SeverityText)
                ? record.SeverityNumber > 0 ? record.SeverityNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) : null
                : record.SeverityText;
            table.Add(Display.Time(record.Time), level, serviceName, record.Body);
        }

        table.WriteTo(writer);
    }
}
