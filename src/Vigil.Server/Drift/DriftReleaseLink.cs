using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vigil.Core.Declarative;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Drift.Policy;
using Vigil.Core.Releases;

namespace Vigil.Server.Drift;

/// <summary>
/// Puts drift on release timelines: when a snapshot of environment E for service S arrives while a release of S in E
/// is verifying or started within <see cref="Window"/>, the snapshot is compared with the previous snapshot of E and
/// S (none: nothing to say) under the applied policies, and when anything differs a <see cref="EventKind"/> event
/// with the counts by risk and the <see cref="TopItems"/> riskiest items is appended to each such release's timeline.
/// Snapshots without a service are not linked: a release belongs to one service. A failure here is logged and never
/// fails the upload.
/// </summary>
public sealed partial class DriftReleaseLink(
    IReleaseStore releases,
    IDriftSnapshotStore snapshots,
    IDeclarativeStore objects,
    ILogger<DriftReleaseLink> logger)
{
    /// <summary>The timeline event kind.</summary>
    public const string EventKind = "drift.detected";

    /// <summary>How recently a release must have started to be linked when it is not verifying: 1 hour.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>The most items named in an event: 5.</summary>
    public const int TopItems = 5;

    /// <summary>The most releases of one service and environment looked at: 10 (rollouts rarely overlap more).</summary>
    private const int MaxReleases = 10;

    /// <summary>Links a stored snapshot to the releases under way in its environment.</summary>
    public async Task OnSnapshotAsync(DriftSnapshotSummary summary, DriftSnapshot snapshot, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Service is not { } service)
        {
            return;
        }

        try
        {
            var candidates = await releases.ListAsync(new ReleaseQuery(Service: service, Environment: snapshot.Environment, Limit: MaxReleases), cancellationToken);
            var underWay = candidates.Where(r => IsUnderWay(r, now)).ToList();
            if (underWay.Count == 0)
            {
                return;
            }

            var previous = await snapshots.PreviousAsync(summary.Id, cancellationToken);
            if (previous is null)
            {
                return;
            }

            var policies = DriftPolicyYaml.ReadStored(await objects.ListAsync(DriftPolicyYaml.Kind, cancellationToken));
            var previousLabel = $"{snapshot.Environment}@{Time(previous.Snapshot.TakenAt)}";
            var report = new DriftComparer(policies).Compare(previous.Snapshot, snapshot, previousLabel, snapshot.Environment);
            if (report.Items.Count == 0)
            {
                return;
            }

            var (message, data) = Describe(report, summary, previous.Summary);
            foreach (var release in underWay)
            {
                await releases.AppendEventAsync(release.Id, now, EventKind, message, actor: null, data, cancellationToken);
                LogLinked(logger, summary.Id, release.Id, report.Items.Count);
            }
        }
        catch (Exception ex) when (ex is SqliteException or InvalidDataException or InvalidOperationException)
        {
            LogFailed(logger, summary.Id, ex);
        }
    }

    /// <summary>Verifying, or started within <see cref="Window"/> (baselines and aborted releases are not watched).</summary>
    internal static bool IsUnderWay(Release release, DateTimeOffset now) =>
        release.State == ReleaseState.Verifying
        || (release.State is not (ReleaseState.Baseline or ReleaseState.Aborted) && now - release.StartedAt <= Window && release.StartedAt - now <= Window);

    /// <summary>The event's message and its data (counts, ids, the riskiest items without their values).</summary>
    internal static (string Message, string DataJson) Describe(DriftReport report, DriftSnapshotSummary current, DriftSnapshotSummary previous)
    {
        var high = report.Items.Count(i => i.Risk == DriftRisk.High);
        var medium = report.Items.Count(i => i.Risk == DriftRisk.Medium);
        var low = report.Items.Count(i => i.Risk == DriftRisk.Low);
        var top = report.Items.Take(TopItems).ToList();
        var ignored = report.Ignored > 0 ? string.Create(CultureInfo.InvariantCulture, $", {report.Ignored} ignored by policy") : string.Empty;
        var first = top[0];
        var message = string.Create(CultureInfo.InvariantCulture,
            $"Drift in {current.Environment} since the snapshot of {Time(previous.TakenAt)}: {high} high, {medium} medium, {low} low{ignored}. Riskiest: {first.Category} {first.Key} {DriftMapping.ChangeText(first.Change)} ({DriftMapping.RiskText(first.Risk)}).");
        // Values are left out: the timeline is evidence of what drifted, the report (vigil drift compare) shows the values.
        var data = JsonSerializer.Serialize(new
        {
            snapshotId = current.Id,
            previousSnapshotId = previous.Id,
            environment = current.Environment,
            service = current.Service,
            high,
            medium,
            low,
            ignored = report.Ignored,
            top = top.Select(i => new
            {
                risk = DriftMapping.RiskText(i.Risk),
                change = DriftMapping.ChangeText(i.Change),
                category = i.Category,
                kind = i.Kind,
                key = i.Key,
                why = i.Why,
            }),
        });
        return (message, data);
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 9100, Level = LogLevel.Information, Message = "Drift snapshot {SnapshotId} put on the timeline of release {ReleaseId}: {Items} difference(s)")]
    private static partial void LogLinked(ILogger logger, string snapshotId, string releaseId, int items);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Could not link drift snapshot {SnapshotId} to releases")]
    private static partial void LogFailed(ILogger logger, string snapshotId, Exception exception);
}
