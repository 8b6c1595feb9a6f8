using System.CommandLine;
using System.Text.Json;
using Vigil.Cli.Output;
using Vigil.Client;

namespace Vigil.Cli;

/// <summary>
/// One run of the CLI: its environment and the global options every command has (<c>--server</c>, <c>--api-key</c>,
/// <c>--output</c>), and the one place where client errors become exit codes.
/// </summary>
internal sealed class CliContext
{
    /// <summary>The server when neither <c>--server</c> nor <c>VIGIL_SERVER</c> says otherwise.</summary>
    public const string DefaultServer = "http://127.0.0.1:7070";

    public CliContext(CliEnvironment environment)
    {
        Environment = environment;
        Server = new Option<string?>("--server")
        {
            Description = $"The Vigil server's URL. Default: $VIGIL_SERVER, else {DefaultServer}.",
            HelpName = "URL",
            Recursive = true,
        };
        // No DefaultValueFactory reading VIGIL_API_KEY: help prints defaults, and a secret must never be printed.
        ApiKey = new Option<string?>("--api-key")
        {
            Description = "The API key to send. Default: $VIGIL_API_KEY. Prefer the variable: arguments show in process lists.",
            HelpName = "KEY",
            Recursive = true,
        };
        Output = new Option<string>("--output", "-o")
        {
            Description = "How to print results: table for people, json for scripts.",
            HelpName = "table|json",
            DefaultValueFactory = _ => "table",
            Recursive = true,
        };
        Output.AcceptOnlyFromAmong("table", "json");
    }

    public CliEnvironment Environment { get; }

    public TextWriter Out => Environment.Out;

    public TextWriter Error => Environment.Error;

    public Option<string?> Server { get; }

    public Option<string?> ApiKey { get; }

    public Option<string> Output { get; }

    public void AddGlobalOptionsTo(Command root)
    {
        root.Options.Add(Server);
        root.Options.Add(ApiKey);
        root.Options.Add(Output);
    }

    public OutputFormat Format(ParseResult parseResult) =>
        parseResult.GetValue(Output) == "json" ? OutputFormat.Json : OutputFormat.Table;

    /// <summary>
    /// Runs <paramref name="call"/> with a client of the chosen server and maps what can go wrong to exit codes:
    /// a bad server URL or key is a usage error (3), no answer is 4, an error answer is 5 with its problem detail.
    /// </summary>
    public async Task<int> CallServerAsync(
        ParseResult parseResult,
        Func<VigilClient, CancellationToken, Task<int>> call,
        CancellationToken cancellationToken)
    {
        var serverText = parseResult.GetValue(Server) ?? Environment.GetVariable("VIGIL_SERVER") ?? DefaultServer;
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) ||
            (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps) ||
            !string.IsNullOrEmpty(server.Query) || !string.IsNullOrEmpty(server.Fragment))
        {
            await Error.WriteLineAsync($"error: '{Display.Safe(serverText)}' is not a server URL: use http://HOST:PORT or https://HOST:PORT.");
            return ExitCodes.Usage;
        }

        var apiKey = parseResult.GetValue(ApiKey) ?? Environment.GetVariable("VIGIL_API_KEY");
        if (string.IsNullOrEmpty(apiKey))
        {
            apiKey = null;
        }
        else if (apiKey.Any(c => char.IsControl(c) || c == ' '))
        {
            await Error.WriteLineAsync("error: the API key contains spaces or control characters.");
            return ExitCodes.Usage;
        }

        using var client = new VigilClient(server, apiKey, Environment.HttpHandler);
        try
        {
            return await call(client, cancellationToken);
        }
        catch (VigilUnreachableException e)
        {
            await Error.WriteLineAsync($"error: {Display.Safe(e.Message)}");
            await Error.WriteLineAsync("Is 'vigil serve' running there? Point --server or VIGIL_SERVER at it.");
            return ExitCodes.Unreachable;
        }
        catch (VigilApiException e)
        {
            await WriteProblemAsync(e);
            return ExitCodes.ServerError;
        }
    }

    private async Task WriteProblemAsync(VigilApiException e)
    {
        await Error.WriteLineAsync($"error: {Display.Safe(e.Message)}");
        if (e.Problem.Extensions?.TryGetValue("errors", out var errors) == true)
        {
            if (errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    var messages = field.Value.ValueKind == JsonValueKind.Array
                        ? field.Value.EnumerateArray().Select(m => m.ToString())
                        : [field.Value.ToString()];
                    foreach (var message in messages)
                    {
                        await Error.WriteLineAsync($"  {Display.Safe(field.Name)}: {Display.Safe(message)}");
                    }
                }
            }
            else if (errors.ValueKind == JsonValueKind.Array)
            {
                foreach (var message in errors.EnumerateArray())
                {
                    await Error.WriteLineAsync($"  {Display.Safe(message.ToString())}");
                }
            }
        }

        if (e.StatusCode == 401)
        {
            await Error.WriteLineAsync("Pass an API key with --api-key or VIGIL_API_KEY.");
        }
        else if (e.StatusCode == 403)
        {
            await Error.WriteLineAsync("The API key's scope does not allow this; ask for a key with the right scope.");
        }
    }
}
