using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>A release's log-pattern diff: templates new, gone or changed in rate against its baseline.</summary>
    /// <param name="releaseId">The release.</param>
    /// <param name="baselineVersion">The version to compare with; null lets the server choose (the other version that logged most).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ReleasePatternsResponse> GetReleasePatternsAsync(string releaseId, string? baselineVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(releaseId);
        var route = new QueryString("api/v1/releases/" + Uri.EscapeDataString(releaseId) + "/patterns").Add("baseline", baselineVersion);
        return GetAsync<ReleasePatternsResponse>(route.ToString(), cancellationToken);
    }
}
