using System.Text.Json;
using Vigil.Core.Checks;
using Vigil.Core.Releases;

namespace Vigil.Server.Checks;

/// <summary>A check whose quorum decision crossed into or out of failing.</summary>
/// <param name="Check">The check.</param>
/// <param name="Decision">The decision after the change.</param>
/// <param name="Previous">The decision's outcome before, or null when the check had none.</param>
/// <param name="At">When the server decided.</param>
internal sealed record CheckTransition(CheckDefinition Check, QuorumDecision Decision, CheckOutcome? Previous, DateTimeOffset At)
{
    /// <summary>True for a change into failing, false for a recovery.</summary>
    public bool Failed => Decision.Outcome == CheckOutcome.Fail;
}

/// <summary>
/// Puts check failures on release timelines: when a check labelled <c>service</c> and <c>environment</c> starts failing
/// by quorum (<see cref="FailedEventKind"/>) or recovers (<see cref="RecoveredEventKind"/>), the event goes on each
/// release of that service and environment that is verifying or started within <see cref="Horizon"/> (newest first,
/// at most <see cref="MaxReleases"/>), with the check's summary.
/// </summary>
internal sealed partial class CheckReleaseLink(IReleaseStore releases, ILogger<CheckReleaseLink> logger)
{
    /// <summary>The event kind of a check that started failing.</summary>
    public const string FailedEventKind = "check.failed";

    /// <summary>The event kind of a check that stopped failing.</summary>
    public const string RecoveredEventKind = "check.recovered";

    /// <summary>A release that started longer ago than this (and is not verifying) is not told.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(1);

    /// <summary>The most releases one change is put on.</summary>
    public const int MaxReleases = 5;

    // Releases read per change: enough to find the verifying ones among recent versions.
    private const int ReleasesRead = 50;

    /// <summary>Appends the change's event to the releases it concerns; returns their ids. Logs and swallows store errors.</summary>
    public async Task<IReadOnlyList<string>> AppendAsync(CheckTransition transition, CancellationToken cancellationToken)
    {
        if (transition.Check.Service is not { Length: > 0 } service || transition.Check.Environment is not { Length: > 0 } environment)
        {
            return [];
        }

        try
        {
            var recent = await releases.ListAsync(new ReleaseQuery(service, environment, Limit: ReleasesRead), cancellationToken).ConfigureAwait(false);
            var targets = recent
                .Where(r => r.State == ReleaseState.Verifying || (transition.At - r.StartedAt <= Horizon && r.StartedAt <= transition.At + Horizon))
                .Take(MaxReleases)
                .ToList();
            if (targets.Count == 0)
            {
                return [];
            }

            var kind = transition.Failed ? FailedEventKind : RecoveredEventKind;
            var message = transition.Failed
                ? $"Check {transition.Check.Name} is failing: {transition.Decision.Summary}"
                : $"Check {transition.Check.Name} recovered ({CheckOutcomeNames.Text(transition.Decision.Outcome)}): {transition.Decision.Summary}";
            var data = JsonSerializer.Serialize(new
            {
                check = transition.Check.Name,
                type = CheckOutcomeNames.TypeText(transition.Check.Type),
                outcome = CheckOutcomeNames.Text(transition.Decision.Outcome),
                previous = transition.Previous is { } p ? CheckOutcomeNames.Text(p) : null,
                quorum = transition.Check.Quorum,
                summary = transition.Decision.Summary,
                locations = transition.Decision.Locations.Select(r => new
                {
                    location = r.Location,
                    outcome = CheckOutcomeNames.Text(r.Outcome),
                    reason = r.Reason,
                    startedAt = r.StartedAt,
                    inMaintenance = r.InMaintenance,
                }),
            });
            foreach (var release in targets)
            {
                await releases.AppendEventAsync(release.Id, transition.At, kind, message, actor: "vigil", data, cancellationToken).ConfigureAwait(false);
            }

            return [.. targets.Select(r => r.Id)];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.AppendFailed(logger, transition.Check.Name, ex);
            return [];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 8020, Level = LogLevel.Warning, Message = "Check {Check}: cannot put its change on release timelines")]
        public static partial void AppendFailed(ILogger logger, string check, Exception exception);
    }
}
