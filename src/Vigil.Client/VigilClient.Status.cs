using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>The server's version, commit and runtime; <c>GET /api/v1/status/version</c>.</summary>
    public Task<VersionDto> GetVersionAsync(CancellationToken cancellationToken = default) =>
        GetAsync<VersionDto>("api/v1/status/version", cancellationToken);
}
