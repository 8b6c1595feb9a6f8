using System.Text.Json;
using Vigil.Core.Anomalies.Watching;
using Vigil.Core.Releases;

namespace Vigil.Server.Anomalies;

/// <summary>
/// Puts anomalies on release timelines: when an event opens on a series labelled <c>service_name</c> and
/// <c>deployment_environment_name</c>, <see cref="DetectedEventKind"/> goes on each release of that service and
/// environment that is verifying or started within <see cref="Horizon"/> (newest first, at most <see cref="MaxReleases"/>).
/// </summary>
internal sealed partial class AnomalyReleaseLink(IReleaseStore releases, ILogger<AnomalyReleaseLink> logger)
{
    /// <summary>The event kind of an anomaly on a release's service.</summary>
    public const string DetectedEventKind = "anomaly.detected";

    /// <summary>A release that started longer ago than this (and is not verifying) is not told.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(1);

    /// <summary>The most releases one anomaly is put on.</summary>
    public const int MaxReleases = 5;

    private const int ReleasesRead = 50;

    /// <summary>Appends the anomaly to the releases it concerns; returns their ids. Logs and swallows store errors.</summary>
    public async Task<IReadOnlyList<string>> AppendAsync(AnomalyEvent anomaly, CancellationToken cancellationToken)
    {
        if (!anomaly.Labels.TryGetValue(AnomalyEvent.ServiceLabel, out var service) || service.Length == 0
            || !anomaly.Labels.TryGetValue(AnomalyEvent.EnvironmentLabel, out var environment) || environment.Length == 0)
        {
            return [];
        }

        try
        {
            var at = anomaly.StartedAt;
            var recent = await releases.ListAsync(new ReleaseQuery(service, environment, Limit: ReleasesRead), cancellationToken).ConfigureAwait(false);
            var targets = recent
                .Where(r => r.State == ReleaseState.Verifying || (at - r.StartedAt <= Horizon && r.StartedAt <= at + Horizon))
                .Take(MaxReleases)
                .ToList();
            if (targets.Count == 0)
            {
                return [];
            }

            var data = JsonSerializer.Serialize(new
            {
                anomalyId = anomaly.Id,
                watch = anomaly.Watch,
                labels = anomaly.Labels,
                score = anomaly.Score,
                actual = anomaly.Actual,
                expected = anomaly.Expected,
                expectedLow = anomaly.ExpectedLow,
                expectedHigh = anomaly.ExpectedHigh,
            });
            foreach (var release in targets)
            {
                await releases.AppendEventAsync(release.Id, at, DetectedEventKind, "Anomaly: " + anomaly.Explanation, actor: "vigil", data, cancellationToken).ConfigureAwait(false);
            }

            return [.. targets.Select(r => r.Id)];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.AppendFailed(logger, anomaly.Watch, ex);
            return [];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9320, Level = LogLevel.Warning, Message = "Anomaly on watch {Watch}: cannot put it on release timelines")]
        public static partial void AppendFailed(ILogger logger, string watch, Exception exception);
    }
}
