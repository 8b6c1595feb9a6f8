using System.Text.Json;

namespace Vigil.Client.Contracts;

/// <summary>A link attached to a release.</summary>
public sealed record ReleaseLinkDto(string Title, string Url);

/// <summary>
/// Body of <c>POST /api/v1/releases</c>. Idempotent on (service, version, environment): a repeat answers 200 with the
/// existing release instead of 201.
/// </summary>
public sealed record CreateReleaseRequest(
    string Service,
    string Version,
    string Environment,
    string? Commit = null,
    string? Author = null,
    string? Notes = null,
    IReadOnlyList<ReleaseLinkDto>? Links = null,
    DateTimeOffset? StartedAt = null);

/// <summary>
/// A release as the API shows it. <see cref="State"/> is <c>pending</c>, <c>verifying</c>, <c>passed</c>,
/// <c>marginal</c>, <c>failed</c>, <c>inconclusive</c>, <c>aborted</c> or <c>baseline</c>; <see cref="Source"/> is
/// <c>api</c> or <c>telemetry</c>.
/// </summary>
public sealed record ReleaseDto(
    string Id,
    string Service,
    string Version,
    string Environment,
    string? Commit,
    string? Author,
    string? Notes,
    IReadOnlyList<ReleaseLinkDto> Links,
    DateTimeOffset StartedAt,
    string State,
    string Source,
    DateTimeOffset CreatedAt);

/// <summary>Answer of <c>GET /api/v1/releases</c>, newest first.</summary>
public sealed record ReleasesResponse(IReadOnlyList<ReleaseDto> Releases);

/// <summary>One timeline entry; <see cref="Data"/> is the kind's details (a JSON object) or null.</summary>
public sealed record ReleaseEventDto(long Id, DateTimeOffset At, string Kind, string Message, string? Actor, JsonElement? Data);

/// <summary>Answer of <c>GET /api/v1/releases/{id}/timeline</c>, oldest first.</summary>
public sealed record ReleaseTimelineResponse(string ReleaseId, IReadOnlyList<ReleaseEventDto> Events);

/// <summary>An effect with its interval: relative effects are fractions (0.38 = 38% higher).</summary>
public sealed record EffectDto(double Estimate, double Lower, double Upper, bool Relative, double Confidence);

/// <summary>
/// How one metric compared. <see cref="Classification"/> is <c>Pass</c>, <c>High</c>, <c>Low</c> or <c>Nodata</c>;
/// <see cref="Kind"/> is <c>continuous</c>, <c>latency_histogram</c> or <c>count_ratio</c>.
/// </summary>
public sealed record MetricJudgementDto(
    string Name,
    string Group,
    string Kind,
    bool Critical,
    double Weight,
    string Classification,
    EffectDto? Effect,
    double? PValue,
    double? EValue,
    double CanarySamples,
    double BaselineSamples,
    string SampleUnit,
    string Sentence,
    string Method,
    string? Reason);

/// <summary>
/// A release's verification verdict: <c>GET /api/v1/releases/{id}/verdict</c> and
/// <c>GET|POST /api/v1/verdict?service=S&amp;version=V&amp;environment=E</c> (the Argo Rollouts <c>web</c> metric and
/// Flagger webhook shape).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>RunState</c>: <c>none</c> (no run yet), <c>running</c>, <c>completed</c> or <c>aborted</c>.</item>
/// <item><c>Verdict</c>: The effective verdict (<c>Pass</c>, <c>Marginal</c>, <c>Fail</c>, <c>Inconclusive</c>): the override when there is one, else the run's; null while running or when aborted.</item>
/// <item><c>Decided</c>: True once <see cref="Verdict"/> is final (completed, or overridden).</item>
/// <item><c>Current</c>: The latest look's verdict while running (what it would say now); equal to the verdict when done.</item>
/// </list>
/// </remarks>
public sealed record VerdictDto(
    string ReleaseId,
    string Service,
    string Version,
    string Environment,
    string? RunId,
    string? Plan,
    string? Mode,
    string? BaselineVersion,
    string RunState,
    string? Verdict,
    bool Decided,
    string? Current,
    bool Overridden,
    string? OverrideReason,
    string? AbortReason,
    double? Score,
    int Look,
    int PlannedLooks,
    string? Summary,
    IReadOnlyList<MetricJudgementDto> Metrics,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt);

/// <summary>
/// Body of <c>POST /api/v1/releases/verify</c>: finds (or creates) the release and starts a verification run unless one
/// is already running or done (then that one is returned; <see cref="Restart"/> starts a new one).
/// </summary>
public sealed record VerifyReleaseRequest(
    string Service,
    string Version,
    string Environment,
    string? Plan = null,
    string? BaselineVersion = null,
    bool Restart = false);

/// <summary>Body of <c>POST /api/v1/releases/{id}/abort</c>.</summary>
public sealed record AbortVerificationRequest(string Reason);

/// <summary>Body of <c>POST /api/v1/releases/{id}/override</c>: the verdict that replaces the run's, and why.</summary>
public sealed record OverrideVerdictRequest(string Verdict, string Reason);

/// <summary>One judged interval of a run.</summary>
public sealed record RunIntervalDto(int Look, DateTimeOffset End, string Verdict, double Score, bool Decisive, string Summary, IReadOnlyList<MetricJudgementDto> Metrics);

/// <summary>Answer of <c>GET /api/v1/releases/{id}/intervals</c>: the full per-interval history of the latest run.</summary>
public sealed record RunIntervalsResponse(string ReleaseId, string? RunId, IReadOnlyList<RunIntervalDto> Intervals);

/// <summary>One file given to <c>POST /api/v1/apply</c>: its name (for error positions) and its YAML text (one or more documents).</summary>
public sealed record ApplyFileDto(string File, string Text);

/// <summary>Body of <c>POST /api/v1/apply</c>. <see cref="Prune"/> deletes stored objects of the applied kinds that the files no longer hold.</summary>
public sealed record ApplyRequest(IReadOnlyList<ApplyFileDto> Files, bool DryRun = false, bool Prune = false);

/// <summary>
/// Answer of <c>POST /api/v1/apply</c>: each object as <c>Kind/name</c> by what happened (or would happen, on a dry
/// run). Invalid files answer 400 with the problem's <c>errors</c> extension listing <c>file:line:col: reason</c>.
/// </summary>
public sealed record ApplyResponse(
    bool DryRun,
    IReadOnlyList<string> Created,
    IReadOnlyList<string> Configured,
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Pruned);

/// <summary>A stored declarative object: <c>GET /api/v1/objects?kind=K</c> and <c>GET /api/v1/objects/{kind}/{name}</c>.</summary>
public sealed record DeclarativeObjectDto(string Kind, string Name, string Yaml, DateTimeOffset UpdatedAt);

/// <summary>Answer of <c>GET /api/v1/objects</c>.</summary>
public sealed record DeclarativeObjectsResponse(IReadOnlyList<DeclarativeObjectDto> Objects);
