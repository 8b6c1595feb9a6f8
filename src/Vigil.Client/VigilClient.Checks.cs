using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>Every check with its status combined over locations (read key).</summary>
    public Task<ChecksResponse> ListChecksAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ChecksResponse>("api/v1/checks", cancellationToken);

    /// <summary>One check; an unknown name throws <see cref="VigilApiException"/> (404).</summary>
    public Task<CheckDto> GetCheckAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return GetAsync<CheckDto>("api/v1/checks/" + Uri.EscapeDataString(name), cancellationToken);
    }

    /// <summary>Results of one check, newest first, optionally of one location.</summary>
    public Task<CheckResultsResponse> GetCheckResultsAsync(string name, string? location = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var route = new QueryString("api/v1/checks/" + Uri.EscapeDataString(name) + "/results").Add("location", location).Add("limit", limit);
        return GetAsync<CheckResultsResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>The checks assigned to an agent's location (ingest key).</summary>
    public Task<AgentChecksResponse> GetAgentChecksAsync(string location, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        return GetAsync<AgentChecksResponse>(new QueryString("api/v1/agent/checks").Add("location", location).ToString(), cancellationToken);
    }

    /// <summary>Reports results an agent ran (ingest key).</summary>
    public Task<AgentResultsResponse> PostAgentResultsAsync(AgentResultsRequest results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        return PostAsync<AgentResultsRequest, AgentResultsResponse>("api/v1/agent/results", results, cancellationToken);
    }
}
