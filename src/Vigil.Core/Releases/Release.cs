namespace Vigil.Core.Releases;

/// <summary>
/// Where a release is in its life. A release starts <see cref="Pending"/>; the verification loop moves it to
/// <see cref="Verifying"/> and then to the state of its verdict (or <see cref="Aborted"/>). An override replaces the
/// verdict state and is audited on the timeline.
/// </summary>
public enum ReleaseState
{
    /// <summary>Created; no verification has started yet.</summary>
    Pending,

    /// <summary>A verification run is in progress.</summary>
    Verifying,

    /// <summary>The verdict is Pass.</summary>
    Passed,

    /// <summary>The verdict is Marginal.</summary>
    Marginal,

    /// <summary>The verdict is Fail.</summary>
    Failed,

    /// <summary>The verdict is Inconclusive (too little data, no baseline, or the run timed out undecided).</summary>
    Inconclusive,

    /// <summary>The verification was aborted by someone, with a reason.</summary>
    Aborted,

    /// <summary>The first version Vigil saw for a service in an environment: nothing to compare it with, not verified.</summary>
    Baseline,
}

/// <summary>How a release became known to Vigil.</summary>
public enum ReleaseSource
{
    /// <summary><c>POST /api/v1/releases</c> or <c>vigil release create</c>.</summary>
    Api,

    /// <summary>Telemetry showed a new <c>service_version</c> for a service in an environment.</summary>
    Telemetry,
}

/// <summary>A link attached to a release (pull request, CI run, changelog).</summary>
public sealed record ReleaseLink(string Title, string Url);

/// <summary>
/// One deployment of one version of one service into one environment. (Service, version, environment) is unique:
/// creating the same triple again returns the existing release, because CI retries.
/// </summary>
public sealed record Release(
    string Id,
    string Service,
    string Version,
    string Environment,
    string? Commit,
    string? Author,
    string? Notes,
    IReadOnlyList<ReleaseLink> Links,
    DateTimeOffset StartedAt,
    ReleaseState State,
    ReleaseSource Source,
    DateTimeOffset CreatedAt);

/// <summary>What a caller gives to create a release; <see cref="StartedAt"/> defaults to the time of creation.</summary>
public sealed record NewRelease(
    string Service,
    string Version,
    string Environment,
    string? Commit = null,
    string? Author = null,
    string? Notes = null,
    IReadOnlyList<ReleaseLink>? Links = null,
    DateTimeOffset? StartedAt = null,
    ReleaseSource Source = ReleaseSource.Api);

/// <summary>Filters of a release listing; null means any. Newest first, at most <see cref="Limit"/>.</summary>
public sealed record ReleaseQuery(
    string? Service = null,
    string? Environment = null,
    ReleaseState? State = null,
    int Limit = 100);

/// <summary>
/// One entry of a release's timeline: created, verification started, an interval judged, verdict, aborted,
/// overridden, webhook delivered, and later evidence from other engines (anomalies, new log templates, checks).
/// <see cref="DataJson"/> holds the kind's details as a JSON object (or null).
/// </summary>
public sealed record ReleaseEvent(
    long Id,
    string ReleaseId,
    DateTimeOffset At,
    string Kind,
    string Message,
    string? Actor,
    string? DataJson);

/// <summary>The event kinds engines write; other engines add their own dotted kinds (<c>anomaly.detected</c>, ...).</summary>
public static class ReleaseEventKinds
{
    /// <summary>The release was created (by the API, the CLI or telemetry).</summary>
    public const string Created = "release.created";

    /// <summary>A creation request repeated an existing release (CI retry); recorded once per request.</summary>
    public const string CreateRepeated = "release.create_repeated";

    /// <summary>A verification run started.</summary>
    public const string VerificationStarted = "verification.started";

    /// <summary>One interval of a run was judged.</summary>
    public const string IntervalJudged = "verification.interval";

    /// <summary>A run reached its verdict.</summary>
    public const string Verdict = "verification.verdict";

    /// <summary>A run was aborted, with a reason.</summary>
    public const string Aborted = "verification.aborted";

    /// <summary>A verdict was overridden, with a reason.</summary>
    public const string Overridden = "verification.overridden";

    /// <summary>A webhook was delivered, or gave up after its retries.</summary>
    public const string Webhook = "webhook.delivery";

    /// <summary>A webhook delivery was queued, with its body: a restart resumes a delivery queued but not yet ended.</summary>
    public const string WebhookQueued = "webhook.queued";
}

/// <summary>Keeps releases and their timelines (state database).</summary>
public interface IReleaseStore
{
    /// <summary>
    /// Creates the release, or returns the existing one with the same service, version and environment
    /// (<c>Created</c> false). Appends <see cref="ReleaseEventKinds.Created"/> on creation.
    /// </summary>
    Task<(Release Release, bool Created)> CreateOrGetAsync(NewRelease release, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The release with this id, or null.</summary>
    Task<Release?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>The release of this service, version and environment, or null.</summary>
    Task<Release?> FindAsync(string service, string version, string environment, CancellationToken cancellationToken);

    /// <summary>Releases matching the query, newest (by start time) first.</summary>
    Task<IReadOnlyList<Release>> ListAsync(ReleaseQuery query, CancellationToken cancellationToken);

    /// <summary>Sets the state of a release; false when no such release exists.</summary>
    Task<bool> SetStateAsync(string id, ReleaseState state, CancellationToken cancellationToken);

    /// <summary>Appends an event to a release's timeline and returns it with its id.</summary>
    Task<ReleaseEvent> AppendEventAsync(string releaseId, DateTimeOffset at, string kind, string message, string? actor, string? dataJson, CancellationToken cancellationToken);

    /// <summary>The timeline of a release, oldest first, at most <paramref name="limit"/> events.</summary>
    Task<IReadOnlyList<ReleaseEvent>> EventsAsync(string releaseId, int limit, CancellationToken cancellationToken);
}
