using System.CommandLine;
using System.Text.Json;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Apply;

/// <summary>
/// <c>vigil apply -f FILE|DIR [-f ...] [-R] [--dry-run] [--prune]</c>: sends declarative documents (verification plans,
/// later checks, SLOs, ...) to the server, which validates all of them and applies them atomically. Prints
/// <c>kind/name created|configured|unchanged|pruned</c> like kubectl. Exit codes: 0 applied; 3 a file or folder that
/// cannot be read; 5 the server refused (invalid documents: every error printed as <c>file:line:col: reason</c>,
/// nothing applied).
/// </summary>
internal static class ApplyCommand
{
    public static Command Create(CliContext context)
    {
        var files = new Option<string[]>("--filename", "-f")
        {
            Description = "A YAML file, or a folder whose *.yaml and *.yml files are applied (in name order). Repeatable.",
            HelpName = "FILE|DIR",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "Also read the folders inside the given folders." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and show what would change, without changing anything." };
        var prune = new Option<bool>("--prune")
        {
            Description = "Delete stored objects of the kinds in these files that the files no longer hold (other kinds are untouched).",
        };

        var command = new Command("apply", "Validate declarative documents (kind: VerificationPlan, ...) and apply them atomically.")
        {
            files, recursive, dryRun, prune,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var paths = parseResult.GetRequiredValue(files);
            var collected = new List<ApplyFileDto>();
            foreach (var path in paths)
            {
                if (!await CollectAsync(context, path, parseResult.GetValue(recursive), collected, cancellationToken))
                {
                    return ExitCodes.Usage;
                }
            }

            var request = new ApplyRequest(collected, parseResult.GetValue(dryRun), parseResult.GetValue(prune));
            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                ApplyResponse response;
                try
                {
                    response = await client.ApplyAsync(request, ct);
                }
                catch (VigilApiException e) when (e.StatusCode == 400 && DocumentErrors(e) is { Count: > 0 } errors)
                {
                    foreach (var error in errors)
                    {
                        await context.Error.WriteLineAsync(Display.Safe(error));
                    }

                    await context.Error.WriteLineAsync($"error: {errors.Count} {(errors.Count == 1 ? "error" : "errors")} in the files; nothing was applied.");
                    return ExitCodes.ServerError;
                }

                Write(context, parseResult, response);
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static async Task<bool> CollectAsync(CliContext context, string path, bool recursive, List<ApplyFileDto> collected, CancellationToken cancellationToken)
    {
        try
        {
            if (File.Exists(path))
            {
                collected.Add(new ApplyFileDto(path, await File.ReadAllTextAsync(path, cancellationToken)));
                return true;
            }

            if (!Directory.Exists(path))
            {
                await context.Error.WriteLineAsync($"error: '{Display.Safe(path)}' does not exist.");
                return false;
            }

            var option = recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
            var found = Directory.EnumerateFiles(path, "*", option)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (found.Count == 0)
            {
                await context.Error.WriteLineAsync($"error: '{Display.Safe(path)}' holds no .yaml or .yml files{(recursive ? string.Empty : " (-R reads the folders inside it)")}.");
                return false;
            }

            foreach (var file in found)
            {
                collected.Add(new ApplyFileDto(file, await File.ReadAllTextAsync(file, cancellationToken)));
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: cannot read '{Display.Safe(path)}': {Display.Safe(e.Message)}");
            return false;
        }
    }

    private static List<string>? DocumentErrors(VigilApiException e) =>
        e.Problem.Extensions?.TryGetValue("errors", out var errors) == true && errors.ValueKind == JsonValueKind.Array
            ? [.. errors.EnumerateArray().Select(m => m.ToString())]
            : null;

    private static void Write(CliContext context, ParseResult parseResult, ApplyResponse response)
    {
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            JsonOutput.Write(context.Out, response);
            return;
        }

        var suffix = response.DryRun ? " (dry run)" : string.Empty;
        foreach (var (keys, verb) in new[] { (response.Created, "created"), (response.Configured, "configured"), (response.Unchanged, "unchanged"), (response.Pruned, "pruned") })
        {
            foreach (var key in keys)
            {
                // kubectl's spelling: the kind in lower case, the name as it is.
                var slash = key.IndexOf('/', StringComparison.Ordinal);
                var shown = slash < 0 ? key : key[..slash].ToLowerInvariant() + key[slash..];
                context.Out.WriteLine($"{Display.Safe(shown)} {verb}{suffix}");
            }
        }
    }
}
