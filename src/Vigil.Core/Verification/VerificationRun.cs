namespace Vigil.Core.Verification;

/// <summary>Where a verification run is.</summary>
public enum RunState
{
    /// <summary>Evaluated every interval until decisive or its duration ends.</summary>
    Running,

    /// <summary>Ended with a verdict (early or at the end of its duration).</summary>
    Completed,

    /// <summary>Stopped by someone, with a reason; no verdict.</summary>
    Aborted,
}

/// <summary>
/// One verification of one release by one plan. <see cref="Verdict"/> is the run's own verdict once completed;
/// <see cref="OverriddenVerdict"/> replaces it for gates when someone overrode it (with <see cref="OverrideReason"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>PlanYaml</c>: The plan as it was when the run started (the run is reproducible after the plan changes).</item>
/// <item><c>Latest</c>: The latest look's verdict (null before the first look).</item>
/// </list>
/// </remarks>
public sealed record VerificationRun(
    string Id,
    string ReleaseId,
    string PlanName,
    string PlanYaml,
    ComparisonMode Mode,
    string? BaselineVersion,
    RunState State,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    Verdict? Verdict,
    LookVerdict? Latest,
    Verdict? OverriddenVerdict,
    string? OverrideReason,
    string? AbortReason)
{
    /// <summary>The verdict gates act on: the override when there is one, else the run's verdict (null while running).</summary>
    public Verdict? EffectiveVerdict => OverriddenVerdict ?? Verdict;
}

/// <summary>One evaluated interval of a run, kept whole: the look's verdict and the raw observations behind it.</summary>
public sealed record RunInterval(
    string RunId,
    int Look,
    long EndMs,
    LookVerdict Verdict,
    IReadOnlyList<MetricHistory> Observations);

/// <summary>Keeps verification runs and their per-interval history (state database).</summary>
public interface IVerificationRunStore
{
    /// <summary>Starts a run (state Running) and returns it.</summary>
    Task<VerificationRun> StartAsync(string releaseId, string planName, string planYaml, ComparisonMode mode, string? baselineVersion, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The run with this id, or null.</summary>
    Task<VerificationRun?> GetAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The latest run of a release, or null.</summary>
    Task<VerificationRun?> LatestForReleaseAsync(string releaseId, CancellationToken cancellationToken);

    /// <summary>Every run in state Running (the loop resumes them after a restart).</summary>
    Task<IReadOnlyList<VerificationRun>> RunningAsync(CancellationToken cancellationToken);

    /// <summary>Stores one judged interval and makes its verdict the run's latest.</summary>
    Task AppendIntervalAsync(RunInterval interval, CancellationToken cancellationToken);

    /// <summary>The judged intervals of a run, oldest first.</summary>
    Task<IReadOnlyList<RunInterval>> IntervalsAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Completes a running run with its verdict; false when it is not running (aborted meanwhile).</summary>
    Task<bool> CompleteAsync(string runId, Verdict verdict, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Aborts a running run; false when it is not running.</summary>
    Task<bool> AbortAsync(string runId, string reason, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Overrides a run's verdict (running or completed); false when no such run exists.</summary>
    Task<bool> OverrideAsync(string runId, Verdict verdict, string reason, DateTimeOffset now, CancellationToken cancellationToken);
}
