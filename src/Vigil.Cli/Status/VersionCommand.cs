using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Status;

/// <summary><c>vigil version [--client]</c>: this CLI's version and, unless <c>--client</c>, the server's.</summary>
internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var clientOnly = new Option<bool>("--client") { Description = "Print only this CLI's version; do not ask the server." };
        var command = new Command("version", "Print the versions of this CLI and of the server.") { clientOnly };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var client = ClientVersion();
            var json = context.Format(parseResult) == OutputFormat.Json;
            if (parseResult.GetValue(clientOnly))
            {
                Write(context.Out, json, client, server: null);
                return ExitCodes.Success;
            }

            VersionDto? server = null;
            var code = await context.CallServerAsync(parseResult, async (vigil, ct) =>
            {
                server = await vigil.GetVersionAsync(ct);
                return ExitCodes.Success;
            }, cancellationToken);
            // The client's version is worth printing even when the server could not say its own.
            Write(context.Out, json, client, server);
            return code;
        });
        return command;
    }

    internal static VersionDto ClientVersion()
    {
        var assembly = typeof(VersionCommand).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return new VersionDto(
            plus < 0 ? informational : informational[..plus],
            plus < 0 ? "unknown" : informational[(plus + 1)..],
            RuntimeInformation.FrameworkDescription);
    }

    private static void Write(TextWriter writer, bool json, VersionDto client, VersionDto? server)
    {
        if (json)
        {
            JsonOutput.Write(writer, new { client, server });
            return;
        }

        var table = new Table("", "VERSION", "COMMIT", "RUNTIME");
        table.Add("client", client.Version, client.Commit, client.Runtime);
        if (server is not null)
        {
            table.Add("server", server.Version, server.Commit, server.Runtime);
        }

        table.WriteTo(writer);
    }
}
