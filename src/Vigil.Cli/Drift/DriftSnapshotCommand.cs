using System.CommandLine;
using System.Text.Json;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Secrets;
using Vigil.Storage.Drift;

namespace Vigil.Cli.Drift;

/// <summary>
/// <c>vigil drift snapshot --environment NAME [--service S] [--root DIR] [--db-env VAR]... [--manifest FILE]...
/// [--probe-endpoints] [--secret-pattern REGEX]... [--out FILE]</c>: collects one environment (every file read under
/// <c>--root</c>) and uploads it with an ingest key, or writes it as JSON with <c>--out</c>. Secrets leave the host only
/// as fingerprints: an HMAC keyed by <c>VIGIL_DRIFT_KEY</c> (hex, read only from the environment, never printed), or
/// presence alone without it.
/// </summary>
internal static class DriftSnapshotCommand
{
    /// <summary>Adds <c>snapshot</c> to <paramref name="drift"/>.</summary>
    public static void AddTo(Command drift, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(drift);
        ArgumentNullException.ThrowIfNull(context);
        var environment = new Option<string>("--environment")
        {
            Description = "The environment this snapshot is of, such as uat or prod (also picks appsettings.{Env}.json when no variable does).",
            HelpName = "NAME",
            Required = true,
        };
        var service = CliOptions.Text("--service", "The service the snapshot is of (also searches etc/SERVICE for configuration).", "NAME");
        var root = new Option<string>("--root")
        {
            Description = "Read every file under this folder: a mounted image or a copied tree works like the live host.",
            HelpName = "DIR",
            DefaultValueFactory = _ => "/",
        };
        var databases = new Option<string[]>("--db-env")
        {
            Description = "An environment variable holding a PostgreSQL or SQLite connection string whose schema to record; repeat for more. The variable keeps the password out of process lists.",
            HelpName = "VAR",
            AllowMultipleArgumentsPerToken = false,
        };
        var manifests = new Option<string[]>("--manifest")
        {
            Description = "A Kubernetes manifest or rendered Helm output, a lock file, or 'mvn dependency:list' output; repeat for more.",
            HelpName = "FILE",
            AllowMultipleArgumentsPerToken = false,
        };
        var probe = new Option<bool>("--probe-endpoints")
        {
            Description = "Resolve, connect to and check the TLS certificate of every endpoint named in configuration, from this host.",
        };
        var patterns = new Option<string[]>("--secret-pattern")
        {
            Description = "A regular expression over variable and key names whose values are secret (case-insensitive); repeat for more.",
            HelpName = "REGEX",
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string?>("--out")
        {
            Description = "Write the snapshot to this JSON file instead of uploading it.",
            HelpName = "FILE",
        };

        var command = new Command("snapshot", "Collect this environment's configuration, secrets (as fingerprints), runtime, packages, schema and endpoints; upload it (ingest key) or write it with --out. Secrets leave the host only as HMAC-SHA256 fingerprints keyed by $VIGIL_DRIFT_KEY (hex, at least 32 digits, the same key everywhere you compare), or as presence alone without it.")
        {
            environment, service, root, databases, manifests, probe, patterns, output,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var environmentName = parseResult.GetRequiredValue(environment).Trim();
            var serviceName = parseResult.GetValue(service)?.Trim();
            var rootPath = parseResult.GetValue(root) ?? "/";
            var databaseVariables = parseResult.GetValue(databases) ?? [];
            var manifestFiles = parseResult.GetValue(manifests) ?? [];
            var outFile = parseResult.GetValue(output);

            if (!ValidName(environmentName, 63))
            {
                return await UsageAsync(context, $"'{Display.Safe(environmentName)}' is not an environment name for --environment: 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit.");
            }

            if (serviceName is not null && !ValidName(serviceName, 200))
            {
                return await UsageAsync(context, $"'{Display.Safe(serviceName)}' is not a service name for --service: 1 to 200 letters, digits, '.', '_' or '-', starting with a letter or digit.");
            }

            if (!Directory.Exists(rootPath))
            {
                return await UsageAsync(context, $"--root '{Display.Safe(rootPath)}' is not a folder.");
            }

            foreach (var manifest in manifestFiles)
            {
                if (Directory.Exists(manifest))
                {
                    return await UsageAsync(context, $"--manifest '{Display.Safe(manifest)}' is a folder: give files.");
                }
            }

            foreach (var variable in databaseVariables)
            {
                if (string.IsNullOrWhiteSpace(variable) || variable.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
                {
                    return await UsageAsync(context, $"'{Display.Safe(variable)}' is not a variable name for --db-env: give the NAME of a variable holding the connection string, not the string.");
                }
            }

            byte[]? key = null;
            if (context.Environment.GetVariable(SecretRedactor.KeyVariable) is { Length: > 0 } hex)
            {
                if (!SecretRedactor.TryParseKey(hex, out var parsed, out var keyError))
                {
                    return await UsageAsync(context, keyError);
                }

                key = parsed;
            }

            SecretRedactor redactor;
            try
            {
                redactor = new SecretRedactor(key, parseResult.GetValue(patterns) ?? []);
            }
            catch (ArgumentException e)
            {
                return await UsageAsync(context, "--secret-pattern " + e.Message.Split(" (Parameter", 2)[0]);
            }

            var variables = new Dictionary<string, string>(context.Environment.ListVariables?.Invoke() ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            foreach (var variable in databaseVariables)
            {
                // The database sources read the connection string from the snapshot's variables.
                if (!variables.ContainsKey(variable) && context.Environment.GetVariable(variable) is { } connection)
                {
                    variables[variable] = connection;
                }
            }

            var snapshotContext = new SnapshotContext(
                Path.GetFullPath(rootPath), environmentName, variables, databaseVariables, manifestFiles.Select(Path.GetFullPath).ToList(),
                parseResult.GetValue(probe), redactor);
            var collector = new SnapshotCollector(
                SnapshotCollector.DefaultSources(serviceName, DatabaseSources(databaseVariables), context.Environment.Time), context.Environment.Time);
            var snapshot = await collector.CollectAsync(snapshotContext, serviceName, System.Environment.MachineName, cancellationToken);
            var dto = ToDto(snapshot);

            if (outFile is not null)
            {
                try
                {
                    await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(dto, VigilJson.Indented), cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await context.Error.WriteLineAsync($"error: could not write --out '{Display.Safe(outFile)}': {Display.Safe(e.Message)}");
                    return ExitCodes.Usage;
                }

                WriteSummary(context, parseResult, dto, null, outFile, redactor.HasKey);
                return ExitCodes.Success;
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var stored = await client.UploadDriftSnapshotAsync(dto, ct);
                WriteSummary(context, parseResult, dto, stored, null, redactor.HasKey);
                return ExitCodes.Success;
            }, cancellationToken);
        });
        drift.Subcommands.Add(command);
    }

    /// <summary>The wire form of a snapshot: a secret has no value, <c>secret: true</c>, and its HMAC when keyed.</summary>
    internal static DriftSnapshotDto ToDto(DriftSnapshot snapshot) => new(
        snapshot.Environment,
        snapshot.Service,
        snapshot.TakenAt,
        snapshot.Host,
        snapshot.Items.Select(i => new SnapshotItemDto(
            i.Category, i.Kind, i.Key, i.Secret is null ? i.Value : null, i.Source, i.Secret is not null, i.Secret?.Hmac)).ToList());

    // One source covers every --db-env variable, choosing PostgreSQL or SQLite by the value's shape.
    private static IEnumerable<ISnapshotSource> DatabaseSources(IReadOnlyList<string> variables) =>
        variables.Count == 0 ? [] : [new DatabaseSchemaSource()];

    private static void WriteSummary(CliContext context, ParseResult parseResult, DriftSnapshotDto dto, DriftSnapshotSummaryDto? stored, string? file, bool keyed)
    {
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            JsonOutput.Write(context.Out, stored ?? new DriftSnapshotSummaryDto("", dto.Environment, dto.Service, dto.TakenAt, dto.Host, dto.Items.Count));
            return;
        }

        var table = new Table("FIELD", "VALUE");
        if (stored is not null)
        {
            table.Add("id", stored.Id);
        }

        table.Add("environment", dto.Environment);
        table.Add("service", dto.Service);
        table.Add("taken", Display.Time(dto.TakenAt));
        table.Add("items", dto.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var category in dto.Items.GroupBy(i => i.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            table.Add("  " + category.Key, category.Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var secrets = dto.Items.Count(i => i.Secret);
        table.Add("secrets", secrets.ToString(System.Globalization.CultureInfo.InvariantCulture) + (keyed ? " (keyed fingerprints)" : " (presence only: VIGIL_DRIFT_KEY not set)"));
        table.Add("unreadable", dto.Items.Count(i => i.Kind == DriftItemKinds.Unreadable).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (file is not null)
        {
            table.Add("written to", file);
        }

        table.WriteTo(context.Out);
    }

    private static bool ValidName(string name, int maxLength) =>
        name.Length > 0 && name.Length <= maxLength && char.IsAsciiLetterOrDigit(name[0]) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static async Task<int> UsageAsync(CliContext context, string message)
    {
        await context.Error.WriteLineAsync("error: " + message);
        await context.Error.WriteLineAsync("Run 'vigil drift snapshot --help' for usage.");
        return ExitCodes.Usage;
    }
}
