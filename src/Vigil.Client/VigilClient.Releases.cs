using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>Creates a release, or returns the existing one with the same service, version and environment.</summary>
    public Task<ReleaseDto> CreateReleaseAsync(CreateReleaseRequest release, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(release);
        return PostAsync<CreateReleaseRequest, ReleaseDto>("api/v1/releases", release, cancellationToken);
    }

    /// <summary>Releases, newest first, optionally of one service, environment or state.</summary>
    public Task<ReleasesResponse> ListReleasesAsync(
        string? service = null, string? environment = null, string? state = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var route = new QueryString("api/v1/releases")
            .Add("service", service).Add("environment", environment).Add("state", state).Add("limit", limit);
        return GetAsync<ReleasesResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>One release by id; an unknown id throws <see cref="VigilApiException"/> (404).</summary>
    public Task<ReleaseDto> GetReleaseAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return GetAsync<ReleaseDto>("api/v1/releases/" + Uri.EscapeDataString(id), cancellationToken);
    }

    /// <summary>A release's timeline, oldest first.</summary>
    public Task<ReleaseTimelineResponse> GetReleaseTimelineAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return GetAsync<ReleaseTimelineResponse>("api/v1/releases/" + Uri.EscapeDataString(id) + "/timeline", cancellationToken);
    }

    /// <summary>The verdict of a release's latest verification run.</summary>
    public Task<VerdictDto> GetVerdictAsync(string releaseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(releaseId);
        return GetAsync<VerdictDto>("api/v1/releases/" + Uri.EscapeDataString(releaseId) + "/verdict", cancellationToken);
    }

    /// <summary>The per-interval history of a release's latest verification run.</summary>
    public Task<RunIntervalsResponse> GetRunIntervalsAsync(string releaseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(releaseId);
        return GetAsync<RunIntervalsResponse>("api/v1/releases/" + Uri.EscapeDataString(releaseId) + "/intervals", cancellationToken);
    }

    /// <summary>Finds or creates the release and starts its verification (unless one runs or is done); answers its verdict so far.</summary>
    public Task<VerdictDto> VerifyReleaseAsync(VerifyReleaseRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync<VerifyReleaseRequest, VerdictDto>("api/v1/releases/verify", request, cancellationToken);
    }

    /// <summary>Aborts the running verification of a release, with a reason (audited on the timeline).</summary>
    public Task<VerdictDto> AbortVerificationAsync(string releaseId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(releaseId);
        return PostAsync<AbortVerificationRequest, VerdictDto>(
            "api/v1/releases/" + Uri.EscapeDataString(releaseId) + "/abort", new AbortVerificationRequest(reason), cancellationToken);
    }

    /// <summary>Overrides the verdict of a release's latest run, with a reason (audited on the timeline).</summary>
    public Task<VerdictDto> OverrideVerdictAsync(string releaseId, string verdict, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(releaseId);
        return PostAsync<OverrideVerdictRequest, VerdictDto>(
            "api/v1/releases/" + Uri.EscapeDataString(releaseId) + "/override", new OverrideVerdictRequest(verdict, reason), cancellationToken);
    }

    /// <summary>Validates and applies declarative documents atomically (<c>vigil apply -f</c>).</summary>
    public Task<ApplyResponse> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync<ApplyRequest, ApplyResponse>("api/v1/apply", request, cancellationToken);
    }

    /// <summary>Stored declarative objects, of one kind or all.</summary>
    public Task<DeclarativeObjectsResponse> ListObjectsAsync(string? kind = null, CancellationToken cancellationToken = default) =>
        GetAsync<DeclarativeObjectsResponse>(new QueryString("api/v1/objects").Add("kind", kind).ToString(), cancellationToken);
}
