using System.CommandLine;
using Vigil.Cli.Output;
using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Storage.State;

namespace Vigil.Cli.Keys;

/// <summary>
/// <c>vigil keys create|list|revoke</c>: through the server's API (an admin key), or with <c>--data DIR</c> directly on
/// the state database, which is how the first admin key of a server that requires keys is made.
/// </summary>
internal static class KeysCommand
{
    private const string SecretWarning =
        "Store this secret now: Vigil keeps only a hash of it and cannot show it again.";

    public static Command Create(CliContext context)
    {
        var data = new Option<string?>("--data")
        {
            Description = "Work offline on the state database in this data directory instead of asking the server " +
                "(bootstraps the first admin key).",
            HelpName = "DIR",
            Recursive = true,
        };

        var keys = new Command("keys", "Manage API keys (scopes: ingest, read, admin). Secrets are shown once, on create.");
        keys.Options.Add(data);
        keys.Subcommands.Add(CreateCommand(context, data));
        keys.Subcommands.Add(ListCommand(context, data));
        keys.Subcommands.Add(RevokeCommand(context, data));
        return keys;
    }

    private static Command CreateCommand(CliContext context, Option<string?> data)
    {
        var name = new Option<string>("--name")
        {
            Description = $"A name for people, such as ci-deploy (1 to {SqliteApiKeyStore.MaxNameLength} characters).",
            HelpName = "NAME",
            Required = true,
        };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value) || value.Length > SqliteApiKeyStore.MaxNameLength || value.Any(char.IsControl))
            {
                result.AddError($"--name must be 1 to {SqliteApiKeyStore.MaxNameLength} characters, not blank, without control characters.");
            }
        });
        var scope = new Option<string>("--scope")
        {
            Description = "What the key may do: ingest (send telemetry), read, or admin (everything).",
            HelpName = "ingest|read|admin",
            Required = true,
        };
        scope.AcceptOnlyFromAmong("ingest", "read", "admin");

        var command = new Command("create", "Create an API key and print its secret, once.") { name, scope };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var keyName = parseResult.GetRequiredValue(name);
            var keyScope = parseResult.GetRequiredValue(scope);
            if (parseResult.GetValue(data) is { } directory)
            {
                return await WithStoreAsync(context, directory, mustExist: false, async store =>
                {
                    // --scope accepts only the three names, so the parse cannot fail here.
                    _ = SqliteApiKeyStore.TryParseScope(keyScope, out var parsed);
                    var created = await store.CreateAsync(keyName, parsed, context.Environment.Time.GetUtcNow(), cancellationToken);
                    await WriteCreatedAsync(context, parseResult, new CreatedApiKeyDto(ToDto(created.Key), created.Secret));
                    return ExitCodes.Success;
                }, cancellationToken);
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                await WriteCreatedAsync(context, parseResult, await client.CreateKeyAsync(keyName, keyScope, ct));
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static Command ListCommand(CliContext context, Option<string?> data)
    {
        var command = new Command("list", "List API keys, revoked ones included (never their secrets).");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(data) is { } directory)
            {
                return await WithStoreAsync(context, directory, mustExist: true, async store =>
                {
                    var keys = await store.ListAsync(cancellationToken);
                    WriteList(context, parseResult, new ApiKeysResponse(keys.Select(ToDto).ToList()));
                    return ExitCodes.Success;
                }, cancellationToken);
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                WriteList(context, parseResult, await client.ListKeysAsync(ct));
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static Command RevokeCommand(CliContext context, Option<string?> data)
    {
        var id = new Argument<string>("ID") { Description = "The key's id, such as key_1a2b3c4d (see 'vigil keys list')." };
        var command = new Command("revoke", "Revoke an API key: requests with it are refused from now on.") { id };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var keyId = parseResult.GetRequiredValue(id);
            if (parseResult.GetValue(data) is { } directory)
            {
                return await WithStoreAsync(context, directory, mustExist: true, async store =>
                {
                    if (!await store.RevokeAsync(keyId, context.Environment.Time.GetUtcNow(), cancellationToken))
                    {
                        await context.Error.WriteLineAsync($"error: no API key with id '{Display.Safe(keyId)}'.");
                        return ExitCodes.ServerError;
                    }

                    WriteRevoked(context, parseResult, keyId);
                    return ExitCodes.Success;
                }, cancellationToken);
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                await client.RevokeKeyAsync(keyId, ct);
                WriteRevoked(context, parseResult, keyId);
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static async Task<int> WithStoreAsync(
        CliContext context, string directory, bool mustExist, Func<SqliteApiKeyStore, Task<int>> work, CancellationToken cancellationToken)
    {
        if (mustExist && !SqliteStateStore.Exists(directory))
        {
            await context.Error.WriteLineAsync(
                $"error: no state database in '{Display.Safe(directory)}' (expected {SqliteStateStore.FileName}); check --data.");
            return ExitCodes.Usage;
        }

        SqliteStateStore state;
        try
        {
            state = await SqliteStateStore.OpenAsync(directory, context.Environment.Time, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            await context.Error.WriteLineAsync($"error: cannot open the state database in '{Display.Safe(directory)}': {e.Message}");
            return ExitCodes.ServerError;
        }

        await using (state)
        {
            return await work(new SqliteApiKeyStore(state));
        }
    }

    private static async Task WriteCreatedAsync(CliContext context, ParseResult parseResult, CreatedApiKeyDto created)
    {
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            JsonOutput.Write(context.Out, created);
        }
        else
        {
            var table = new Table("FIELD", "VALUE");
            table.Add("id", created.Key.Id);
            table.Add("name", created.Key.Name);
            table.Add("scope", created.Key.Scope);
            table.Add("created", Display.Time(created.Key.CreatedAt));
            table.Add("secret", created.Secret);
            table.WriteTo(context.Out);
        }

        await context.Error.WriteLineAsync(SecretWarning);
    }

    private static void WriteList(CliContext context, ParseResult parseResult, ApiKeysResponse keys)
    {
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            JsonOutput.Write(context.Out, keys);
            return;
        }

        var table = new Table("ID", "NAME", "SCOPE", "CREATED", "REVOKED");
        foreach (var key in keys.Keys)
        {
            table.Add(key.Id, key.Name, key.Scope, Display.Time(key.CreatedAt), key.RevokedAt is { } r ? Display.Time(r) : null);
        }

        table.WriteTo(context.Out);
    }

    private static void WriteRevoked(CliContext context, ParseResult parseResult, string id)
    {
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            JsonOutput.Write(context.Out, new { id, revoked = true });
        }
        else
        {
            context.Out.WriteLine($"Revoked {Display.Safe(id)}.");
        }
    }

    private static ApiKeyDto ToDto(ApiKey key) =>
        new(key.Id, key.Name, SqliteApiKeyStore.ScopeText(key.Scope), key.CreatedAt, key.RevokedAt);
}
