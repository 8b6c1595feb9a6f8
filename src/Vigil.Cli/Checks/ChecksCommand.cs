using System.CommandLine;
using System.Globalization;
using Vigil.Cli.Apply;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client.Contracts;
using Vigil.Core.Checks;
using Vigil.Core.Declarative;
using Vigil.Server.Checks;

namespace Vigil.Cli.Checks;

/// <summary>
/// <c>vigil checks list|results|run</c>: the synthetic checks a server holds with their status combined over locations,
/// the results of one check, and one run of a check in this process for debugging (from the server's definition, or
/// from a local file before it is applied).
/// </summary>
internal static class ChecksCommand
{
    /// <summary>The location recorded on runs made by <c>vigil checks run</c>.</summary>
    public const string CliLocation = "cli";

    /// <summary>The <c>checks</c> command with its subcommands.</summary>
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Command("checks", "List synthetic checks, run one for debugging, or show its results.")
        {
            ListCommand(context),
            ResultsCommand(context),
            RunCommand(context),
        };
    }

    private static Command ListCommand(CliContext context)
    {
        var command = new Command("list", "List checks with their status combined over their locations by quorum.");
        command.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var response = await client.ListChecksAsync(ct);
            WriteList(context.Out, context.Format(parseResult), response);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command ResultsCommand(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The check's name (metadata.name; see 'vigil checks list')." };
        var location = CliOptions.Text("--location", "Only results from this location (local is the server itself).", "LOCATION");
        var limit = CliOptions.Limit("The most results to show, newest first. Default: the server's (100).");
        var command = new Command("results", "Show the results of one check, newest first: when, where, outcome, duration, scheduling jitter, reason.")
        {
            name, location, limit,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var checkName = parseResult.GetRequiredValue(name);
            var where = parseResult.GetValue(location);
            if (string.IsNullOrWhiteSpace(checkName) || (where is not null && string.IsNullOrWhiteSpace(where)))
            {
                await context.Error.WriteLineAsync("error: NAME and --location must not be empty.");
                await context.Error.WriteLineAsync("Run 'vigil checks results --help' for usage.");
                return ExitCodes.Usage;
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var response = await client.GetCheckResultsAsync(checkName, where, parseResult.GetValue(limit), ct);
                WriteResults(context.Out, context.Format(parseResult), response);
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static Command RunCommand(CliContext context)
    {
        var name = new Argument<string?>("NAME")
        {
            Description = "The check to run: fetched from the server, or picked from --filename's checks.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var file = new Option<string?>("--filename", "-f")
        {
            Description = "Run a check from this YAML file instead of the server's (no server needed). Without NAME, every check in the file runs.",
            HelpName = "FILE",
        };
        var command = new Command(
            "run",
            $"Run a check once in this process (location '{CliLocation}', secrets from this process's environment) and print " +
            "its outcome, phases, assertions or steps, reason and response excerpt. Exit 0 on pass or degraded, 1 on fail.")
        {
            name, file,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var checkName = parseResult.GetValue(name);
            var path = parseResult.GetValue(file);
            if (checkName is not null && string.IsNullOrWhiteSpace(checkName))
            {
                await UsageAsync(context, "NAME must not be empty.");
                return ExitCodes.Usage;
            }

            if (path is null)
            {
                if (checkName is null)
                {
                    await UsageAsync(context, "name a check to run (see 'vigil checks list'), or give a file with -f FILE.");
                    return ExitCodes.Usage;
                }

                return await context.CallServerAsync(parseResult, async (client, ct) =>
                {
                    var check = await client.GetCheckAsync(checkName, ct);
                    var errors = new List<DocumentError>();
                    var definition = CheckYaml.Parse($"{checkName} (as stored on the server)", check.Yaml, errors);
                    if (definition is null)
                    {
                        foreach (var error in errors)
                        {
                            await context.Error.WriteLineAsync(Display.Safe(error.ToString()));
                        }

                        await context.Error.WriteLineAsync("error: the server's definition of this check is not valid for this version of vigil.");
                        return ExitCodes.ServerError;
                    }

                    return await RunChecksAsync(context, parseResult, [definition], ct);
                }, cancellationToken);
            }

            var checks = await ReadChecksAsync(context, path, checkName, cancellationToken);
            return checks is null ? ExitCodes.Usage : await RunChecksAsync(context, parseResult, checks, cancellationToken);
        });
        return command;
    }

    // The checks of a local file, validated as apply would; null (after printing why) when the file is unusable.
    private static async Task<IReadOnlyList<CheckDefinition>?> ReadChecksAsync(CliContext context, string path, string? name, CancellationToken cancellationToken)
    {
        var checks = await LocalDocuments.ReadAsync(context, path, CheckYaml.Kind, CheckYaml.Parse, cancellationToken);
        if (checks is null)
        {
            return null;
        }

        if (name is null)
        {
            return checks;
        }

        var chosen = checks.Where(c => c.Name == name).ToList();
        if (chosen.Count == 0)
        {
            await context.Error.WriteLineAsync(
                $"error: '{Display.Safe(path)}' has no check named '{Display.Safe(name)}' (it has: {Display.Safe(string.Join(", ", checks.Select(c => c.Name)))}).");
            return null;
        }

        return chosen;
    }

    private static async Task<int> RunChecksAsync(CliContext context, ParseResult parseResult, IReadOnlyList<CheckDefinition> checks, CancellationToken cancellationToken)
    {
        var time = context.Environment.Time;
        var executor = new CheckExecutor(time);
        var results = new List<CheckResultDto>();
        foreach (var check in checks)
        {
            // Secrets come from this process's own environment, like an agent's; they never reach the server.
            var run = new CheckRunContext(CliLocation, time.GetUtcNow(), context.Environment.GetVariable);
            var result = CheckResultDtos.ToDto(await executor.RunAsync(check, run, cancellationToken));
            results.Add(result);
            if (context.Format(parseResult) == OutputFormat.Table)
            {
                if (results.Count > 1)
                {
                    await context.Out.WriteLineAsync();
                }

                WriteRun(context.Out, check, result);
            }
        }

        if (context.Format(parseResult) == OutputFormat.Json)
        {
            if (results.Count == 1)
            {
                JsonOutput.Write(context.Out, results[0]);
            }
            else
            {
                JsonOutput.Write(context.Out, results);
            }
        }

        return results.Any(r => r.Outcome == "fail") ? ExitCodes.Failed : ExitCodes.Success;
    }

    private static async Task UsageAsync(CliContext context, string message)
    {
        await context.Error.WriteLineAsync("error: " + message);
        await context.Error.WriteLineAsync("Run 'vigil checks run --help' for usage.");
    }

    internal static void WriteList(TextWriter writer, OutputFormat format, ChecksResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("NAME", "TYPE", "INTERVAL", "LOCATIONS", "QUORUM", "STATUS", "SUMMARY", "LAST_RUN");
        foreach (var c in response.Checks)
        {
            table.Add(
                c.Name,
                c.Type,
                Display.Duration(c.IntervalSeconds),
                string.Join(',', c.Locations),
                string.Create(CultureInfo.InvariantCulture, $"{c.Quorum}/{c.Locations.Count}"),
                c.Status,
                c.Summary,
                c.LastRunAt is { } at ? Display.Time(at) : null);
        }

        table.WriteTo(writer);
    }

    internal static void WriteResults(TextWriter writer, OutputFormat format, CheckResultsResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("TIME", "LOCATION", "OUTCOME", "DURATION", "JITTER", "REASON");
        foreach (var r in response.Results)
        {
            table.Add(
                Display.Time(r.StartedAt),
                r.Location,
                r.InMaintenance ? r.Outcome + " (maintenance)" : r.Outcome,
                Display.Duration(r.Seconds),
                Display.Duration((r.StartedAt - r.ScheduledAt).TotalSeconds),
                r.Reason);
        }

        table.WriteTo(writer);
    }

    // One run for a person: the verdict first, then where the time went, then every assertion or step, then the excerpt.
    internal static void WriteRun(TextWriter writer, CheckDefinition check, CheckResultDto result)
    {
        var fields = new Table("FIELD", "VALUE");
        fields.Add("check", check.Name);
        fields.Add("type", CheckOutcomeNames.TypeText(check.Type));
        fields.Add("location", result.Location);
        fields.Add("started", Display.Time(result.StartedAt));
        fields.Add("outcome", result.InMaintenance ? result.Outcome + " (in a maintenance window: does not count)" : result.Outcome);
        fields.Add("reason", result.Reason);
        fields.Add("duration", Display.Duration(result.Seconds));
        fields.Add("attempts", result.Attempts.ToString(CultureInfo.InvariantCulture));
        fields.Add("phases", result.Phases.Count == 0 ? null : string.Join(", ", result.Phases.Select(p => $"{p.Name} {Display.Duration(p.Seconds)}")));
        fields.WriteTo(writer);

        if (result.Assertions.Count > 0)
        {
            writer.WriteLine();
            WriteAssertions(writer, result.Assertions, indent: string.Empty);
        }

        if (result.Steps.Count > 0)
        {
            writer.WriteLine();
            var steps = new Table("STEP", "OUTCOME", "DURATION", "REASON");
            foreach (var step in result.Steps)
            {
                steps.Add(step.Name, step.Outcome, Display.Duration(step.Seconds), step.Reason);
            }

            steps.WriteTo(writer);
            foreach (var step in result.Steps.Where(s => s.Assertions.Count > 0))
            {
                writer.WriteLine();
                writer.WriteLine($"step {Display.Safe(step.Name)}:");
                WriteAssertions(writer, step.Assertions, indent: "  ");
            }
        }

        if (!string.IsNullOrEmpty(result.ResponseExcerpt))
        {
            writer.WriteLine();
            writer.WriteLine("response excerpt:");
            foreach (var line in result.ResponseExcerpt.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
            {
                writer.WriteLine("  " + Display.Safe(line));
            }
        }
    }

    private static void WriteAssertions(TextWriter writer, IReadOnlyList<CheckAssertionDto> assertions, string indent)
    {
        var table = new Table("ASSERTION", "RESULT", "ACTUAL", "REASON");
        foreach (var a in assertions)
        {
            table.Add(a.Description, a.Passed ? "pass" : a.Soft ? "fail (soft)" : "fail", a.Actual, a.Reason);
        }

        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        table.WriteTo(buffer);
        foreach (var line in buffer.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
        {
            writer.WriteLine(indent + line);
        }
    }
}
