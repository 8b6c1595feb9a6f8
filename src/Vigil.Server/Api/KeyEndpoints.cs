using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Server.Security;
using Vigil.Storage.State;

namespace Vigil.Server.Api;

/// <summary>API key management: <c>/api/v1/keys</c>, admin only. Secrets are returned once, on creation.</summary>
public static class KeyEndpoints
{
    /// <summary>Maps the key endpoints.</summary>
    public static IEndpointRouteBuilder MapKeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/keys").RequireScope(ApiKeyScope.Admin).WithTags("Keys");
        group.MapPost("/", CreateAsync).WithSummary("Creates a key; the answer holds its secret, shown this once.");
        group.MapGet("/", ListAsync).WithSummary("Lists keys, without secrets.");
        group.MapDelete("/{id}", RevokeAsync).WithSummary("Revokes a key.");
        return endpoints;
    }

    internal static ApiKeyDto ToDto(ApiKey key) =>
        new(key.Id, key.Name, SqliteApiKeyStore.ScopeText(key.Scope), key.CreatedAt, key.RevokedAt);

    private static async Task<Results<Created<CreatedApiKeyDto>, ProblemHttpResult>> CreateAsync(
        CreateApiKeyRequest? body, IApiKeyStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Name))
        {
            return ApiProblems.BadParameter("name", "a key needs a name");
        }

        if (body.Name.Length > SqliteApiKeyStore.MaxNameLength || body.Name.Any(char.IsControl))
        {
            return ApiProblems.BadParameter("name", $"1 to {SqliteApiKeyStore.MaxNameLength} characters, without control characters");
        }

        if (!SqliteApiKeyStore.TryParseScope(body.Scope, out var scope))
        {
            return ApiProblems.BadParameter("scope", $"'{body.Scope}' is not a scope (ingest, read, admin)");
        }

        var created = await store.CreateAsync(body.Name.Trim(), scope, time.GetUtcNow(), cancellationToken);
        return TypedResults.Created($"/api/v1/keys/{created.Key.Id}", new CreatedApiKeyDto(ToDto(created.Key), created.Secret));
    }

    private static async Task<Ok<ApiKeysResponse>> ListAsync(IApiKeyStore store, CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(new ApiKeysResponse(keys.Select(ToDto).ToList()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string id, IApiKeyStore store, ApiKeyVerifier verifier, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await store.RevokeAsync(id, time.GetUtcNow(), cancellationToken))
        {
            return ApiProblems.NotFound($"no key with id {id}");
        }

        verifier.Invalidate();
        return TypedResults.NoContent();
    }
}
