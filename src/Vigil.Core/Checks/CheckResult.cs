namespace Vigil.Core.Checks;

/// <summary>One timed phase of a run. HTTP runs report <c>dns</c>, <c>connect</c>, <c>tls</c>, <c>first_byte</c> and <c>transfer</c>.</summary>
/// <param name="Name">The phase name (lower snake case; it becomes the <c>phase</c> label of <c>vigil_check_duration_seconds</c>).</param>
/// <param name="Duration">How long it took.</param>
public sealed record CheckPhase(string Name, TimeSpan Duration);

/// <summary>One assertion as judged.</summary>
/// <param name="Description">What was asserted, readable (<c>status == 200</c>, <c>$.id exists</c>).</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Soft">A soft assertion makes the run Degraded instead of Failed.</param>
/// <param name="Actual">The value seen (truncated, secrets never included), or null.</param>
/// <param name="Reason">Why it failed, readable, or null when it passed.</param>
public sealed record AssertionResult(string Description, bool Passed, bool Soft, string? Actual, string? Reason);

/// <summary>One step of a multi-step flow (setup and teardown steps included).</summary>
/// <param name="Name">The step name.</param>
/// <param name="Outcome">How the step ended.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Reason">Why it failed, or null.</param>
/// <param name="Assertions">Its assertions.</param>
public sealed record StepResult(string Name, CheckOutcome Outcome, TimeSpan Duration, string? Reason, IReadOnlyList<AssertionResult> Assertions);

/// <summary>
/// The outcome of one run of a check at one location (after its retries).
/// </summary>
/// <param name="Check">The check's name.</param>
/// <param name="Location">Where it ran.</param>
/// <param name="ScheduledAt">When the scheduler meant it to start.</param>
/// <param name="StartedAt">When it actually started (StartedAt − ScheduledAt is the scheduling jitter).</param>
/// <param name="Duration">How long the last attempt took.</param>
/// <param name="Outcome">Pass, Degraded or Fail.</param>
/// <param name="Reason">Why it did not pass, one readable sentence, or null on pass.</param>
/// <param name="ResponseExcerpt">The start of the last response (at most 1 KiB, secrets never included), or null.</param>
/// <param name="Attempts">How many attempts ran (1 + retries used).</param>
/// <param name="InMaintenance">True when the run fell in a maintenance window (its failure does not count).</param>
/// <param name="Phases">Timed phases of the last attempt.</param>
/// <param name="Assertions">Assertions of the last attempt (single-request checks).</param>
/// <param name="Steps">Steps of the last attempt (flows).</param>
public sealed record CheckResult(
    string Check,
    string Location,
    DateTimeOffset ScheduledAt,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    CheckOutcome Outcome,
    string? Reason,
    string? ResponseExcerpt,
    int Attempts,
    bool InMaintenance,
    IReadOnlyList<CheckPhase> Phases,
    IReadOnlyList<AssertionResult> Assertions,
    IReadOnlyList<StepResult> Steps)
{
    /// <summary>The most a response excerpt keeps, in characters.</summary>
    public const int MaxExcerptLength = 1024;
}

/// <summary>What a run needs from the process that runs it.</summary>
/// <param name="Location">The location name recorded on the result.</param>
/// <param name="ScheduledAt">When the run was meant to start.</param>
/// <param name="ResolveSecret">
/// Looks up a secret by the environment variable name the check references; null when unset. Resolved only here, in
/// the running process; values never leave it, never appear in results, excerpts or logs.
/// </param>
public sealed record CheckRunContext(string Location, DateTimeOffset ScheduledAt, Func<string, string?> ResolveSecret);

/// <summary>Runs checks: one call is one scheduled run (with its retries, timeout and maintenance marking).</summary>
public interface ICheckExecutor
{
    /// <summary>
    /// Runs <paramref name="check"/> once. Never throws for a failing target: every failure is a <see cref="CheckResult"/>
    /// with a readable reason. Opens fresh connections for every run, as a real client would.
    /// </summary>
    Task<CheckResult> RunAsync(CheckDefinition check, CheckRunContext context, CancellationToken cancellationToken);
}

/// <summary>The latest result of each location of a check, combined by its quorum.</summary>
/// <param name="Check">The check's name.</param>
/// <param name="Outcome">Fail only when at least Quorum locations failed; Degraded when a location reported Degraded, is stale or has not reported yet; else Pass (a failure below the quorum passes, named in the summary).</param>
/// <param name="Summary">One readable sentence saying which locations saw what (<c>failing in eu-west (connection refused); passing in local, us-east</c>).</param>
/// <param name="Locations">The latest result per location (locations with no result yet are absent).</param>
public sealed record QuorumDecision(string Check, CheckOutcome Outcome, string Summary, IReadOnlyList<CheckResult> Locations);

/// <summary>Keeps check results and the scheduler's state (state database).</summary>
public interface ICheckResultStore
{
    /// <summary>Stores results (bounded: the oldest beyond the per-check limit are dropped).</summary>
    Task AddAsync(IReadOnlyList<CheckResult> results, CancellationToken cancellationToken);

    /// <summary>Results of one check, newest first, optionally of one location.</summary>
    Task<IReadOnlyList<CheckResult>> ListAsync(string check, string? location, int limit, CancellationToken cancellationToken);

    /// <summary>The newest result of every (check, location).</summary>
    Task<IReadOnlyList<CheckResult>> LatestAsync(CancellationToken cancellationToken);
}
