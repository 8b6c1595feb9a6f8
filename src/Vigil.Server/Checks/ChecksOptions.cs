using Vigil.Server.Configuration;

namespace Vigil.Server.Checks;

/// <summary>Synthetic checks on the server (section <c>checks</c> of vigil.yaml); docs/configuration.md lists them.</summary>
public sealed class ChecksOptions
{
    /// <summary>
    /// Whether the server loads <c>kind: Check</c> objects at all. Default true. When false, no check runs here, the
    /// check list is empty and the agent endpoints answer 503.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether the server itself runs the checks assigned to location <c>local</c>. Default true; false when only agents should probe.</summary>
    public bool LocalLocation { get; set; } = true;

    /// <summary>The most runs of location <c>local</c> in flight at once; a run due while this many run is skipped and counted. Default 256.</summary>
    public int MaxConcurrentRuns { get; set; } = Core.Checks.Scheduling.CheckSchedulerOptions.DefaultMaxConcurrentRuns;

    /// <summary>
    /// The most checks: an apply that would store more is rejected (400, naming this setting); if more are stored (the
    /// bound was lowered), the first by name are loaded and an error in the log names the first one left out. Default 10,000: about 1,000 checks a second at a 10-second interval, over what one server probes.
    /// </summary>
    public int MaxChecks { get; set; } = 10_000;

    /// <summary>Results kept per check and location; older ones are deleted as new ones arrive. Default 1,000.</summary>
    public int ResultsPerLocation { get; set; } = Storage.State.SqliteCheckResultStore.DefaultMaxPerLocation;

    /// <summary>How often the stored Check objects are re-read, so an apply or prune takes effect without a restart. Default 5s.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most results one <c>POST /api/v1/agent/results</c> may carry. Default 1,000.</summary>
    public int MaxAgentBatch { get; set; } = 1000;

    /// <summary>Results waiting to be written (store and series); when full, new results are dropped (local) or refused with 503 (agents). Default 20,000.</summary>
    public int QueueSize { get; set; } = 20_000;

    /// <summary>Checks the section, one message per problem.</summary>
    public void Validate(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        VigilOptions.Positive("checks.maxConcurrentRuns", MaxConcurrentRuns, errors);
        VigilOptions.Positive("checks.maxChecks", MaxChecks, errors);
        VigilOptions.Positive("checks.resultsPerLocation", ResultsPerLocation, errors);
        VigilOptions.Positive("checks.reloadInterval", ReloadInterval, errors);
        VigilOptions.Positive("checks.maxAgentBatch", MaxAgentBatch, errors);
        VigilOptions.Positive("checks.queueSize", QueueSize, errors);
    }
}
