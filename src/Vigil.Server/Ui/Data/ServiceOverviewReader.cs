using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Releases;
using Vigil.Core.Telemetry;

namespace Vigil.Server.Ui.Data;

/// <summary>A service in one environment.</summary>
/// <param name="Service">The <c>service.name</c>.</param>
/// <param name="Environment">The <c>deployment.environment.name</c> (empty when the service sends none).</param>
public sealed record ServiceKey(string Service, string Environment)
{
    /// <summary>The key of a series or vector element from its labels.</summary>
    public static ServiceKey Of(LabelSet labels) =>
        new(labels.Get(ServiceRedQueries.ServiceLabel) ?? string.Empty, labels.Get(ServiceRedQueries.EnvironmentLabel) ?? string.Empty);
}

/// <summary>A version of a service that served requests in the last hour.</summary>
/// <param name="Version">The <c>service.version</c>.</param>
/// <param name="Live">True when it served requests in the last <see cref="ServiceRedQueries.LiveWindow"/>.</param>
public sealed record OverviewVersion(string Version, bool Live);

/// <summary>One row of the overview: a service in an environment, what runs, how it does, and its latest release.</summary>
/// <param name="Key">The service and environment.</param>
/// <param name="Versions">Versions that served requests in the last hour, sorted, each saying whether it is live.</param>
/// <param name="LatestRelease">The newest release of the service in the environment, or null.</param>
/// <param name="RequestRate">Requests per second, one value per sparkline step.</param>
/// <param name="ErrorRatio">Failed over all requests, one value per step.</param>
/// <param name="P95Latency">95th percentile request duration in seconds, one value per step.</param>
public sealed record OverviewService(
    ServiceKey Key,
    IReadOnlyList<OverviewVersion> Versions,
    Release? LatestRelease,
    IReadOnlyList<double?> RequestRate,
    IReadOnlyList<double?> ErrorRatio,
    IReadOnlyList<double?> P95Latency);

/// <summary>What the overview page shows.</summary>
/// <param name="Now">The time the page was read.</param>
/// <param name="Services">Services by environment then name, at most <see cref="ServiceOverviewReader.MaxServices"/>.</param>
/// <param name="ServiceCount">How many services there are in all (more than shown when the list was cut).</param>
/// <param name="RecentReleases">Releases started in the last 24 hours, newest first, at most <see cref="ServiceOverviewReader.MaxRecentReleases"/>.</param>
/// <param name="MoreRecentReleases">True when more releases started in the last 24 hours than are shown.</param>
/// <param name="MetricsProblem">Why the metrics could not be read (an external source down), or null.</param>
public sealed record ServiceOverview(
    DateTimeOffset Now,
    IReadOnlyList<OverviewService> Services,
    int ServiceCount,
    IReadOnlyList<Release> RecentReleases,
    bool MoreRecentReleases,
    string? MetricsProblem)
{
    /// <summary>True on a first start: no service has sent data and no release is known.</summary>
    public bool IsEmpty => ServiceCount == 0 && RecentReleases.Count == 0;
}

/// <summary>
/// Reads the overview: the services seen in the last day (from the span metrics, OTLP metrics and releases), the versions
/// that served in the last hour (live or not), an hour of RED sparklines at one-minute steps, and the last day's releases.
/// One series read and three range queries, each grouped by service and environment, whatever the number of services.
/// </summary>
public sealed class ServiceOverviewReader(IMetricsSource metrics, IReleaseStore releases, ServiceRedCache cache, TimeProvider time)
{
    /// <summary>The most services listed: 500, far more than a screen, bounded so a label explosion cannot stall the page.</summary>
    public const int MaxServices = 500;

    /// <summary>The most releases listed under "last 24 hours": 100.</summary>
    public const int MaxRecentReleases = 100;

    /// <summary>Releases read to find each service's latest: the newest 500.</summary>
    public const int ReleasesScanned = 500;

    /// <summary>Series read to find the services: 50,000, bounded like every buffer.</summary>
    public const int MaxSeriesScanned = 50_000;

    /// <summary>What the sparklines cover: the last hour.</summary>
    public static readonly TimeSpan SparklineRange = TimeSpan.FromHours(1);

    /// <summary>The sparklines' step: one minute.</summary>
    public static readonly TimeSpan SparklineStep = TimeSpan.FromMinutes(1);

    /// <summary>How far back a service counts as known, and releases as recent: 24 hours.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    private const string ByService = ServiceRedQueries.ServiceLabel + ", " + ServiceRedQueries.EnvironmentLabel;

    /// <summary>Reads the overview at the current time.</summary>
    public async Task<ServiceOverview> ReadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var releaseList = await releases.ListAsync(new ReleaseQuery(Limit: ReleasesScanned), cancellationToken);
        var latest = new Dictionary<ServiceKey, Release>();
        foreach (var release in releaseList)
        {
            latest.TryAdd(new ServiceKey(release.Service, release.Environment), release);
        }

        var recent = releaseList.Where(r => r.StartedAt >= now - Window).ToList();
        var keys = new HashSet<ServiceKey>(latest.Keys);
        var grid = StepGrid.Ending(now, SparklineRange, SparklineStep);
        var seen = new Dictionary<ServiceKey, SortedDictionary<string, bool>>();
        Dictionary<ServiceKey, double?[]> rate = [], errors = [], p95 = [];
        string? problem = null;
        try
        {
            keys.UnionWith(await cache.RememberAsync("services", async token =>
            {
                var series = await metrics.SeriesAsync(
                    ServiceRedQueries.ServiceSelectors(), (now - Window).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), MaxSeriesScanned, token);
                return series.Select(ServiceKey.Of).ToHashSet();
            }, cancellationToken));

            var window = ServiceRedQueries.RateWindow(SparklineStep);
            var byVersion = await grid.QueryAsync(
                metrics, cache, ServiceRedQueries.RequestRate(ByService + ", " + ServiceRedQueries.VersionLabel, string.Empty, window),
                labels => (Key: ServiceKey.Of(labels), Version: labels.Get(ServiceRedQueries.VersionLabel) ?? string.Empty),
                cancellationToken);
            foreach (var ((key, version), values) in byVersion)
            {
                if (!seen.TryGetValue(key, out var versions))
                {
                    versions = new SortedDictionary<string, bool>(StringComparer.Ordinal);
                    seen[key] = versions;
                }

                // Seen: served requests at some point of the hour; live: in the last few points (LiveWindow).
                if (values.Any(v => v > 0))
                {
                    versions[version] = values.TakeLast(LivePoints).Any(v => v > 0);
                }

                rate[key] = Add(rate.GetValueOrDefault(key), values);
            }

            errors = await grid.QueryAsync(metrics, cache, ServiceRedQueries.ErrorRate(ByService, string.Empty, window), ServiceKey.Of, cancellationToken);
            p95 = await grid.QueryAsync(metrics, cache, ServiceRedQueries.Latency(0.95, ByService, string.Empty, window), ServiceKey.Of, cancellationToken);
        }
        catch (Exception ex) when (IsQueryFailure(ex))
        {
            problem = ex.Message;
        }

        keys.RemoveWhere(k => k.Service.Length == 0);
        var empty = new double?[grid.Count];
        var services = keys
            .Order(Comparer<ServiceKey>.Create((a, b) =>
            {
                var byEnvironment = string.CompareOrdinal(a.Environment, b.Environment);
                return byEnvironment != 0 ? byEnvironment : string.CompareOrdinal(a.Service, b.Service);
            }))
            .Take(MaxServices)
            .Select(key =>
            {
                var total = rate.GetValueOrDefault(key) ?? empty;
                return new OverviewService(
                    key,
                    seen.TryGetValue(key, out var versions) ? [.. versions.Select(v => new OverviewVersion(v.Key, v.Value))] : [],
                    latest.GetValueOrDefault(key),
                    total,
                    ServiceRedQueries.Ratio(errors.GetValueOrDefault(key), total),
                    p95.GetValueOrDefault(key) ?? empty);
            })
            .ToList();
        return new ServiceOverview(now, services, keys.Count, recent.Take(MaxRecentReleases).ToList(), recent.Count > MaxRecentReleases, problem);
    }

    // Live: a rate above zero at one of the last points (five one-minute steps: the live window).
    private static readonly int LivePoints = (int)(ServiceRedQueries.LiveWindow / SparklineStep);

    private static double?[] Add(double?[]? sum, double?[] values)
    {
        sum ??= new double?[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } v)
            {
                sum[i] = (sum[i] ?? 0) + v;
            }
        }

        return sum;
    }

    /// <summary>True for the failures a metrics read may report (bad query, external source down, regex timeout): shown, never thrown.</summary>
    public static bool IsQueryFailure(Exception ex) =>
        ex is MetricsSourceException or PromQlEvaluationException or PromQlParseException or System.Text.RegularExpressions.RegexMatchTimeoutException;
}
