using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>Creates an API key; the answer holds its secret, which the server never shows again. Needs an admin key.</summary>
    /// <param name="name">A name for people, such as <c>ci-deploy</c>.</param>
    /// <param name="scope"><c>ingest</c>, <c>read</c> or <c>admin</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<CreatedApiKeyDto> CreateKeyAsync(string name, string scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(scope);
        return PostAsync<CreateApiKeyRequest, CreatedApiKeyDto>("api/v1/keys", new CreateApiKeyRequest(name, scope), cancellationToken);
    }

    /// <summary>Every API key, revoked ones included, without secrets. Needs an admin key.</summary>
    public Task<ApiKeysResponse> ListKeysAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ApiKeysResponse>("api/v1/keys", cancellationToken);

    /// <summary>Revokes an API key; an unknown id throws <see cref="VigilApiException"/> (404). Needs an admin key.</summary>
    /// <param name="id">The key's id, such as <c>key_1a2b3c4d</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task RevokeKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return DeleteAsync("api/v1/keys/" + Uri.EscapeDataString(id), cancellationToken);
    }
}
