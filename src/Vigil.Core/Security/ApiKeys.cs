namespace Vigil.Core.Security;

/// <summary>What an API key may do. <see cref="Admin"/> may do everything.</summary>
public enum ApiKeyScope
{
    /// <summary>Send telemetry, agent results and snapshots.</summary>
    Ingest,

    /// <summary>Read telemetry and state.</summary>
    Read,

    /// <summary>Everything, including managing keys.</summary>
    Admin,
}

/// <summary>A stored API key, without its secret (only a hash of the secret is ever stored).</summary>
public sealed record ApiKey(
    string Id,
    string Name,
    ApiKeyScope Scope,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>True when the key may be used for a request that needs <paramref name="required"/>.</summary>
    public bool Allows(ApiKeyScope required) => RevokedAt is null && (Scope == ApiKeyScope.Admin || Scope == required);
}

/// <summary>A newly created key with its secret, shown once to whoever created it.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>Keeps API keys, hashed.</summary>
public interface IApiKeyStore
{
    /// <summary>Creates a key; the secret is returned once and stored only as a hash.</summary>
    Task<CreatedApiKey> CreateAsync(string name, ApiKeyScope scope, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>All keys, revoked ones included, oldest first.</summary>
    Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Revokes a key by id; false when no such key exists.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The key a presented secret belongs to, or null when it matches none (revoked keys are returned with RevokedAt set).</summary>
    Task<ApiKey?> FindBySecretAsync(string secret, CancellationToken cancellationToken);
}
