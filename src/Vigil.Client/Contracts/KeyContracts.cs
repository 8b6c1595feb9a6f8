namespace Vigil.Client.Contracts;

/// <summary>An API key as the API shows it: never its secret.</summary>
public sealed record ApiKeyDto(string Id, string Name, string Scope, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>Body of <c>POST /api/v1/keys</c>. Scope is <c>ingest</c>, <c>read</c> or <c>admin</c>.</summary>
public sealed record CreateApiKeyRequest(string Name, string Scope);

/// <summary>Answer of <c>POST /api/v1/keys</c>: the key and its secret, shown this once.</summary>
public sealed record CreatedApiKeyDto(ApiKeyDto Key, string Secret);

/// <summary>Answer of <c>GET /api/v1/keys</c>.</summary>
public sealed record ApiKeysResponse(IReadOnlyList<ApiKeyDto> Keys);

/// <summary>Answer of <c>GET /api/v1/status/version</c>.</summary>
public sealed record VersionDto(string Version, string Commit, string Runtime);
