using Microsoft.Data.Sqlite;
using Vigil.Core.Security;

namespace Vigil.Storage.State;

/// <summary>
/// API keys in the state database. Only the SHA-256 of a secret is stored (see <see cref="ApiKeySecret.Hash"/> for
/// why a fast hash is right for random secrets); the secret leaves this class once, in the answer to
/// <see cref="CreateAsync"/>, and is never logged.
/// </summary>
public sealed class SqliteApiKeyStore : IApiKeyStore
{
    /// <summary>The longest key name accepted: 200 characters, the same bound the REST API checks.</summary>
    public const int MaxNameLength = 200;

    // A fresh 41-bit id collides about once in a trillion creations at a million keys; a few retries make it certain.
    private const int IdAttempts = 5;
    private const int SqliteConstraintError = 19;

    private readonly SqliteStateStore _state;

    /// <summary>Creates a key store over an open state database.</summary>
    public SqliteApiKeyStore(SqliteStateStore state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The name is empty, longer than <see cref="MaxNameLength"/>, or has control characters.</exception>
    public async Task<CreatedApiKey> CreateAsync(string name, ApiKeyScope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ValidateName(name);
        if (!Enum.IsDefined(scope))
        {
            throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown API key scope.");
        }

        var secret = ApiKeySecret.Generate(scope);
        var hash = ApiKeySecret.Hash(secret);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var key = new ApiKey(ApiKeySecret.NewId(), name, scope, now, RevokedAt: null);
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO api_keys (id, name, scope, secret_sha256, created_at)
                VALUES ($id, $name, $scope, $hash, $created_at)
                """;
            insert.Parameters.AddWithValue("$id", key.Id);
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$scope", ScopeText(scope));
            insert.Parameters.AddWithValue("$hash", hash);
            insert.Parameters.AddWithValue("$created_at", StateTime.Format(now));
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
                return new CreatedApiKey(key, secret);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraintError && attempt < IdAttempts)
            {
                // An id collision; the secret hash cannot collide in practice. Try another id.
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, name, scope, created_at, revoked_at FROM api_keys ORDER BY created_at, id";
        var keys = new List<ApiKey>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
        }

        return keys;
    }

    /// <inheritdoc />
    /// <remarks>Revoking a revoked key succeeds and keeps the first revocation time.</remarks>
    public async Task<bool> RevokeAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, $now) WHERE id = $id
            """;
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$now", StateTime.Format(now));
        return await update.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <inheritdoc />
    public async Task<ApiKey?> FindBySecretAsync(string secret, CancellationToken cancellationToken)
    {
        // Text that is not shaped like a secret is not hashed or looked up: no work for garbage headers.
        if (!ApiKeySecret.HasSecretShape(secret))
        {
            return null;
        }

        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, name, scope, created_at, revoked_at FROM api_keys WHERE secret_sha256 = $hash";
        select.Parameters.AddWithValue("$hash", ApiKeySecret.Hash(secret));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The scope as the API and the database spell it: <c>ingest</c>, <c>read</c>, <c>admin</c>.</summary>
    public static string ScopeText(ApiKeyScope scope) => scope switch
    {
        ApiKeyScope.Ingest => "ingest",
        ApiKeyScope.Read => "read",
        ApiKeyScope.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown API key scope."),
    };

    /// <summary>Parses <c>ingest</c>, <c>read</c> or <c>admin</c> (exactly, lowercase); false for anything else.</summary>
    public static bool TryParseScope(string? text, out ApiKeyScope scope)
    {
        switch (text)
        {
            case "ingest": scope = ApiKeyScope.Ingest; return true;
            case "read": scope = ApiKeyScope.Read; return true;
            case "admin": scope = ApiKeyScope.Admin; return true;
            default: scope = default; return false;
        }
    }

    private static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw new ArgumentException(
                $"A key name must be 1 to {MaxNameLength} characters, not blank, without control characters.", nameof(name));
        }
    }

    private static ApiKey Read(SqliteDataReader reader)
    {
        var scopeText = reader.GetString(2);
        if (!TryParseScope(scopeText, out var scope))
        {
            throw new InvalidOperationException($"The state database holds an API key with an unknown scope '{scopeText}'.");
        }

        return new ApiKey(
            reader.GetString(0),
            reader.GetString(1),
            scope,
            StateTime.Parse(reader.GetString(3)),
            reader.IsDBNull(4) ? null : StateTime.Parse(reader.GetString(4)));
    }
}
