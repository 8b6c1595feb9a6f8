using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Core.LogPatterns;
using Vigil.Core.PromQl;
using Vigil.Core.Telemetry;
using Vigil.Core.Releases;
using Vigil.Server.Hosting;

namespace Vigil.Server.LogPatterns;

/// <summary>
/// Puts new log templates on release timelines and into a series plans can judge: every <see cref="Interval"/>, for
/// the releases that started within <see cref="Horizon"/> (at most <see cref="MaxReleases"/>, newest first, baselines
/// and aborted ones left out), it computes the pattern diff, appends one <c>log_patterns.new_template</c> event per
/// template new in the release that the timeline does not announce yet, and writes
/// <c>vigil_release_new_log_templates{service_name, service_version, deployment_environment_name, severity}</c>: the
/// number of new templates by severity (<c>error</c> for error and fatal, <c>warn</c>, <c>other</c>), zeros included,
/// so a plan can require "no new error templates". The timeline itself is the record of what was announced, so a
/// restart announces nothing twice.
/// </summary>
internal sealed class ReleasePatternTimeline(
    IReleaseStore releases,
    ReleasePatternReport report,
    IDerivedSeriesWriter writer,
    TimeProvider time,
    ILogger<ReleasePatternTimeline> logger) : PeriodicFlushService(Interval, time)
{
    /// <summary>The event kind.</summary>
    public const string EventKind = "log_patterns.new_template";

    /// <summary>The series of new-template counts per release and severity.</summary>
    public const string NewTemplatesMetric = "vigil_release_new_log_templates";

    /// <summary>How often timelines are brought up to date.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Releases older than this are no longer watched.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(6);

    /// <summary>The most releases looked at per pass.</summary>
    public const int MaxReleases = 50;

    /// <summary>The most events one release's timeline is read back for announcements.</summary>
    private const int MaxEventsRead = 5_000;

    internal override async Task FlushAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        IReadOnlyList<Release> recent;
        try
        {
            recent = await releases.ListAsync(new ReleaseQuery(Limit: MaxReleases), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ReleasePatternLog.PassFailed(logger, ex);
            return;
        }

        var samples = new List<SeriesSample>();
        foreach (var release in recent)
        {
            if (now - release.StartedAt > Horizon || release.State is ReleaseState.Baseline or ReleaseState.Aborted)
            {
                continue;
            }

            try
            {
                var fresh = await AnnounceAsync(release, now, cancellationToken).ConfigureAwait(false);
                AddCounts(samples, release, fresh, now.ToUnixTimeMilliseconds());
            }
            catch (Exception ex) when (ex is MetricsSourceException or InvalidOperationException or IOException)
            {
                ReleasePatternLog.ReleaseFailed(logger, release.Id, ex);
            }
        }

        if (samples.Count > 0)
        {
            try
            {
                await writer.WriteAsync(samples, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreOverloadedException ex)
            {
                ReleasePatternLog.PassFailed(logger, ex);
            }
        }
    }

    private static void AddCounts(List<SeriesSample> samples, Release release, List<TemplateChangeDto> fresh, long timestampMs)
    {
        foreach (var severity in new[] { "error", "warn", "other" })
        {
            var count = fresh.Count(c => SeverityGroup(c.Severity) == severity);
            var labels = LabelSet.From(
                (LabelSet.MetricNameLabel, NewTemplatesMetric),
                (PromotedLabels.ServiceName, release.Service),
                (PromotedLabels.ServiceVersion, release.Version),
                (PromotedLabels.DeploymentEnvironmentName, release.Environment),
                ("severity", severity));
            samples.Add(new SeriesSample(labels, timestampMs, count));
        }
    }

    private static string SeverityGroup(string severity) => ReleasePatternDiff.SeverityRank(severity) switch
    {
        <= 1 => "error",
        2 => "warn",
        _ => "other",
    };

    /// <summary>Announces the templates new in the release that its timeline does not hold yet; returns every new one.</summary>
    private async Task<List<TemplateChangeDto>> AnnounceAsync(Release release, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var diff = await report.BuildAsync(release, baselineVersion: null, now, withExamples: false, cancellationToken).ConfigureAwait(false);
        var fresh = diff.Changes.Where(c => c.Change == "new").ToList();
        if (fresh.Count == 0)
        {
            return fresh;
        }

        var announced = new HashSet<long>();
        foreach (var existing in await releases.EventsAsync(release.Id, MaxEventsRead, cancellationToken).ConfigureAwait(false))
        {
            if (existing.Kind == EventKind && existing.DataJson is { } json)
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.TryGetProperty("templateId", out var id) && id.TryGetInt64(out var value))
                {
                    announced.Add(value);
                }
            }
        }

        foreach (var change in fresh.Where(c => !announced.Contains(c.TemplateId)))
        {
            var data = JsonSerializer.Serialize(new
            {
                templateId = change.TemplateId,
                template = change.Template,
                severity = change.Severity,
                count = change.ReleaseCount,
                baselineVersion = diff.BaselineVersion,
            });
            var message = $"New {change.Severity} log template on {release.Version}: \"{change.Template}\" ({change.ReleaseCount:0.###} records)";
            await releases.AppendEventAsync(release.Id, now, EventKind, message, actor: "vigil", data, cancellationToken).ConfigureAwait(false);
        }

        return fresh;
    }
}

internal static partial class ReleasePatternLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Release log patterns: cannot list releases")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Release log patterns: cannot compare release {ReleaseId}")]
    public static partial void ReleaseFailed(ILogger logger, string releaseId, Exception exception);
}
