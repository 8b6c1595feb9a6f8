using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Vigil.Cli.Agent;
using Vigil.Cli.Apply;
using Vigil.Cli.Bench;
using Vigil.Cli.Checks;
using Vigil.Cli.Drift;
using Vigil.Cli.Keys;
using Vigil.Cli.Logs;
using Vigil.Cli.Queries;
using Vigil.Cli.Releases;
using Vigil.Cli.Series;
using Vigil.Cli.Serving;
using Vigil.Cli.Status;
using Vigil.Cli.Traces;

namespace Vigil.Cli;

/// <summary>
/// The <c>vigil</c> command line, callable in-process: <c>vigil &lt;noun&gt; &lt;verb&gt;</c> plus <c>serve</c> and
/// <c>version</c>. Exit codes: 0 success, 3 usage error, 4 server unreachable, 5 the server answered with an error.
/// </summary>
public static class CliApp
{
    /// <summary>Parses and runs <paramref name="args"/> with this process's environment; returns the exit code.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="output">Where results are written (standard output).</param>
    /// <param name="error">Where errors, warnings and hints are written (standard error).</param>
    /// <param name="cancellationToken">Stops the command.</param>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, CliEnvironment.FromProcess(output, error), cancellationToken);

    internal static async Task<int> RunAsync(IReadOnlyList<string> args, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var context = new CliContext(environment);
        var serve = ServeCommand.Create();
        var root = new RootCommand("Vigil: production QA and observability. Runs the server ('vigil serve') or talks to one.")
        {
            serve,
            VersionCommand.Create(context),
            KeysCommand.Create(context),
            SeriesCommand.Create(context),
            QueryCommand.Create(context),
            LogsCommand.Create(context),
            TracesCommand.Create(context),
            ReleaseCommand.Create(context),
            BenchCommand.Create(context),
            ApplyCommand.Create(context),
            ChecksCommand.Create(context),
            AgentCommand.Create(context),
            DriftCommand.Create(context),
            Anomalies.AnomaliesCommand.Create(context),
        };
        context.AddGlobalOptionsTo(root);

        var parseResult = root.Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            await WriteUsageErrorsAsync(environment.Error, parseResult);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
            // The server host handles its own signals and drains gracefully; a 2-second forced exit would cut that short.
            ProcessTerminationTimeout = environment.HandleSignals && parseResult.CommandResult.Command != serve
                ? TimeSpan.FromSeconds(2)
                : null,
        };
        return await parseResult.InvokeAsync(invocation, cancellationToken);
    }

    private static async Task WriteUsageErrorsAsync(TextWriter error, ParseResult parseResult)
    {
        foreach (var parseError in parseResult.Errors)
        {
            // The parser's own messages (which may span lines, listing allowed values) are printed as they are.
            await error.WriteLineAsync($"error: {parseError.Message}");
        }

        var path = new List<string>();
        for (SymbolResult? result = parseResult.CommandResult; result is CommandResult command; result = command.Parent)
        {
            path.Add(command.Command is RootCommand ? "vigil" : command.Command.Name);
        }

        path.Reverse();
        await error.WriteLineAsync($"Run '{string.Join(' ', path)} --help' for usage.");
    }
}
