using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Core.Checks;

namespace Vigil.Cli.Agent;

/// <summary>
/// <c>vigil agent --server URL --location NAME [--api-key KEY] [--poll-interval 15s] [--ready-file F]</c>: runs the
/// synthetic checks assigned to one location and reports their results (see <see cref="CheckAgent"/>). Runs until
/// Ctrl+C or SIGTERM (exit 0); exit 3 on bad options, 5 when the server refuses the agent at first contact.
/// </summary>
internal static partial class AgentCommand
{
    /// <summary>The command.</summary>
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var location = new Option<string>("--location")
        {
            Description = "The location this agent runs checks for, as named in the checks' spec.locations (lowercase letters, digits and '-').",
            HelpName = "NAME",
            Required = true,
        };
        var pollInterval = CliOptions.Duration("--poll-interval", "How often to fetch the check list again. Default: 15s; at least 1s.");
        var readyFile = CliOptions.Text("--ready-file", "Write a JSON document (location, server, checks, pid) here once the first check list arrived (for supervisors and tests).", "FILE");
        var maxPending = new Option<int>("--max-pending")
        {
            Description = "The most results kept while the server is unreachable; the oldest beyond are dropped (and counted).",
            HelpName = "N",
            DefaultValueFactory = _ => CheckAgentOptions.DefaultMaxPending,
        };

        var command = new Command(
            "agent",
            "Run the synthetic checks assigned to one location and report their results to a Vigil server (with an ingest key). " +
            "Secrets the checks reference (${env:NAME}) are read from this process's environment and never sent. Keeps running while the " +
            "server is away. Exit 0 when stopped by Ctrl+C or SIGTERM, 5 when the server refuses the agent at first contact.")
        {
            location, pollInterval, readyFile, maxPending,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var name = parseResult.GetRequiredValue(location);
            if (!LocationName().IsMatch(name))
            {
                return await UsageAsync(context, $"'{Display.Safe(name)}' is not a location name: use 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit (as in spec.locations).");
            }

            if (name is CheckDefinition.LocalLocation or Checks.ChecksCommand.CliLocation)
            {
                return await UsageAsync(context, $"location '{name}' is reserved ({(name == CheckDefinition.LocalLocation ? "the server's own checks" : "runs of 'vigil checks run'")}); name this agent's location.");
            }

            var interval = parseResult.GetValue(pollInterval) ?? TimeSpan.FromSeconds(15);
            if (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromHours(1))
            {
                return await UsageAsync(context, "--poll-interval must be between 1s and 1h.");
            }

            var pending = parseResult.GetValue(maxPending);
            if (pending is < 100 or > 1_000_000)
            {
                return await UsageAsync(context, string.Create(CultureInfo.InvariantCulture, $"--max-pending must be between 100 and 1000000, not {pending}."));
            }

            var ready = parseResult.GetValue(readyFile);
            if (ready is not null && (string.IsNullOrWhiteSpace(ready) || Directory.Exists(ready)))
            {
                return await UsageAsync(context, $"--ready-file '{Display.Safe(ready ?? string.Empty)}' must name a file.");
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var time = context.Environment.Time;
                var log = new AgentLog(context.Error, time, name);
                var options = new CheckAgentOptions(name, interval, ready, pending, context.Environment.GetVariable);
                var agent = new CheckAgent(client, options, time, log, new CheckExecutor(time));
                return await agent.RunAsync(ct);
            }, cancellationToken);
        });
        return command;
    }

    private static async Task<int> UsageAsync(CliContext context, string message)
    {
        await context.Error.WriteLineAsync("error: " + message);
        await context.Error.WriteLineAsync("Run 'vigil agent --help' for usage.");
        return ExitCodes.Usage;
    }

    // The server's rule for location names (spec.locations and the agent endpoints), checked here so a typo is a usage error.
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LocationName();
}
