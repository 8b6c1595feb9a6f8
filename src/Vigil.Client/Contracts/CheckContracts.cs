namespace Vigil.Client.Contracts;

/// <summary>One timed phase of a check run (<c>dns</c>, <c>connect</c>, <c>tls</c>, <c>first_byte</c>, <c>transfer</c>).</summary>
public sealed record CheckPhaseDto(string Name, double Seconds);

/// <summary>One judged assertion of a check run.</summary>
public sealed record CheckAssertionDto(string Description, bool Passed, bool Soft, string? Actual, string? Reason);

/// <summary>One step of a multi-step flow run.</summary>
public sealed record CheckStepDto(string Name, string Outcome, double Seconds, string? Reason, IReadOnlyList<CheckAssertionDto> Assertions);

/// <summary>
/// One run of a check at one location. <see cref="Outcome"/> is <c>pass</c>, <c>degraded</c> or <c>fail</c>;
/// the scheduling jitter is StartedAt − ScheduledAt.
/// </summary>
public sealed record CheckResultDto(
    string Check,
    string Location,
    DateTimeOffset ScheduledAt,
    DateTimeOffset StartedAt,
    double Seconds,
    string Outcome,
    string? Reason,
    string? ResponseExcerpt,
    int Attempts,
    bool InMaintenance,
    IReadOnlyList<CheckPhaseDto> Phases,
    IReadOnlyList<CheckAssertionDto> Assertions,
    IReadOnlyList<CheckStepDto> Steps);

/// <summary>
/// A check with its current status combined over its locations by quorum. <see cref="Status"/> is <c>pass</c>,
/// <c>degraded</c>, <c>fail</c> or <c>unknown</c> (no result yet); <see cref="Summary"/> says which locations saw what.
/// </summary>
public sealed record CheckDto(
    string Name,
    string Type,
    double IntervalSeconds,
    IReadOnlyList<string> Locations,
    int Quorum,
    IReadOnlyDictionary<string, string> Labels,
    string Status,
    string Summary,
    DateTimeOffset? LastRunAt,
    IReadOnlyList<CheckResultDto> LatestByLocation,
    string Yaml);

/// <summary>Answer of <c>GET /api/v1/checks</c>, ordered by name.</summary>
public sealed record ChecksResponse(IReadOnlyList<CheckDto> Checks);

/// <summary>Answer of <c>GET /api/v1/checks/{name}/results</c>, newest first.</summary>
public sealed record CheckResultsResponse(string Check, IReadOnlyList<CheckResultDto> Results);

/// <summary>A check an agent must run: its document as stored (secrets are references, resolved by the agent).</summary>
public sealed record AgentCheckDto(string Name, string Yaml);

/// <summary>Answer of <c>GET /api/v1/agent/checks?location=NAME</c>: the checks assigned to that location.</summary>
public sealed record AgentChecksResponse(string Location, IReadOnlyList<AgentCheckDto> Checks);

/// <summary>Body of <c>POST /api/v1/agent/results</c>: results an agent ran at its location.</summary>
public sealed record AgentResultsRequest(string Location, IReadOnlyList<CheckResultDto> Results);

/// <summary>Answer of <c>POST /api/v1/agent/results</c>.</summary>
public sealed record AgentResultsResponse(int Accepted);
