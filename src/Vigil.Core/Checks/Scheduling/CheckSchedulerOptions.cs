namespace Vigil.Core.Checks.Scheduling;

/// <summary>Settings of a <see cref="CheckScheduler"/>: the server uses it for location <c>local</c>, <c>vigil agent</c> for its own location.</summary>
public sealed class CheckSchedulerOptions
{
    /// <summary>The default of <see cref="MaxConcurrentRuns"/>: 256, far above what 10,000 checks a minute of a few milliseconds each need.</summary>
    public const int DefaultMaxConcurrentRuns = 256;

    /// <summary>The location recorded on every result (and passed to the executor). Default <c>local</c>.</summary>
    public string Location { get; set; } = CheckDefinition.LocalLocation;

    /// <summary>
    /// The most runs in flight at once. A run that comes due while this many are running is skipped and counted in
    /// <see cref="CheckSchedulerStats.SkippedBusy"/> (waiting for a slot would delay every other check). Default 256.
    /// </summary>
    public int MaxConcurrentRuns { get; set; } = DefaultMaxConcurrentRuns;

    /// <summary>
    /// Looks up a secret by the environment variable name a check references; null when unset. Default: this
    /// process's environment. Values never leave the process that runs the check.
    /// </summary>
    public Func<string, string?> ResolveSecret { get; set; } = System.Environment.GetEnvironmentVariable;

    /// <summary>
    /// Called when the result sink throws or the executor breaks its promise never to throw (the run is then reported as
    /// a failed result). Never called for cancellation. Default: nothing; hosts log.
    /// </summary>
    public Action<string, Exception>? OnError { get; set; }
}

/// <summary>Counters of a <see cref="CheckScheduler"/> since it was created.</summary>
/// <param name="Checks">Checks currently scheduled.</param>
/// <param name="Running">Runs in flight now.</param>
/// <param name="Started">Runs started.</param>
/// <param name="Completed">Runs whose result reached the sink.</param>
/// <param name="SkippedOverlap">Runs skipped because the previous run of the same check was still going.</param>
/// <param name="SkippedBusy">Runs skipped because <see cref="CheckSchedulerOptions.MaxConcurrentRuns"/> runs were in flight.</param>
/// <param name="Errors">Sink failures and executor exceptions (see <see cref="CheckSchedulerOptions.OnError"/>).</param>
/// <param name="WaitingUntil">When the loop next wakes up for a due run, or null when it waits for checks (or is not running).</param>
public sealed record CheckSchedulerStats(
    int Checks,
    int Running,
    long Started,
    long Completed,
    long SkippedOverlap,
    long SkippedBusy,
    long Errors,
    DateTimeOffset? WaitingUntil);
