using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Releases;
using Vigil.Server.Ui.Components;

namespace Vigil.Server.Ui.Data;

/// <summary>A time range the service page offers, with the step its charts use (about 60 to 340 points a line).</summary>
/// <param name="Name">The value of the <c>range</c> query parameter.</param>
/// <param name="Span">How far back.</param>
/// <param name="Step">The distance between points.</param>
public sealed record ServiceRange(string Name, TimeSpan Span, TimeSpan Step)
{
    /// <summary>The ranges offered: 1h at 1m, 6h at 2m, 24h at 5m, 7d at 30m.</summary>
    public static IReadOnlyList<ServiceRange> All { get; } =
    [
        new("1h", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)),
        new("6h", TimeSpan.FromHours(6), TimeSpan.FromMinutes(2)),
        new("24h", TimeSpan.FromHours(24), TimeSpan.FromMinutes(5)),
        new("7d", TimeSpan.FromDays(7), TimeSpan.FromMinutes(30)),
    ];

    /// <summary>The default range: the last hour.</summary>
    public static ServiceRange Default => All[0];

    /// <summary>The range named <paramref name="name"/> (default when null or empty); false for any other text.</summary>
    public static bool TryParse(string? name, out ServiceRange range)
    {
        if (string.IsNullOrEmpty(name))
        {
            range = Default;
            return true;
        }

        range = All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)) ?? Default;
        return All.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>A version serving now (requests in the last <see cref="ServiceRedQueries.LiveWindow"/>), with its request rate.</summary>
/// <param name="Version">The <c>service.version</c>.</param>
/// <param name="RequestsPerSecond">Requests per second: the request-rate chart's latest point, or the average over the live window when the chart has none.</param>
public sealed record LiveVersion(string Version, double RequestsPerSecond);

/// <summary>Where a service runs, as far as Vigil knows it.</summary>
/// <param name="Service">The service.</param>
/// <param name="Environments">Its environments, sorted; empty when Vigil has never heard of the service.</param>
/// <param name="Releases">Its releases in every environment, newest first, at most <see cref="ServiceRedReader.ReleasesRead"/>.</param>
public sealed record ServiceFound(string Service, IReadOnlyList<string> Environments, IReadOnlyList<Release> Releases)
{
    /// <summary>True when the service has data or releases.</summary>
    public bool Exists => Environments.Count > 0;
}

/// <summary>What the service page shows for one service in one environment over one range.</summary>
/// <param name="Key">The service and environment.</param>
/// <param name="Range">The range.</param>
/// <param name="Requests">Requests per second, one line per version.</param>
/// <param name="ErrorRatio">Failed over all requests, one line per version.</param>
/// <param name="P50">Median request duration in seconds, one line per version.</param>
/// <param name="P95">95th percentile request duration in seconds, one line per version.</param>
/// <param name="Markers">One marker per release of the service in the environment started in the range.</param>
/// <param name="Live">Versions serving now.</param>
/// <param name="RecentReleases">The newest releases in the environment, at most <see cref="ServiceRedReader.MaxRecentReleases"/>.</param>
/// <param name="MoreReleases">True when the environment has more releases than listed.</param>
/// <param name="MetricsProblem">Why the metrics could not be read, or null.</param>
public sealed record ServiceRed(
    ServiceKey Key,
    ServiceRange Range,
    ChartData Requests,
    ChartData ErrorRatio,
    ChartData P50,
    ChartData P95,
    IReadOnlyList<ChartMarker> Markers,
    IReadOnlyList<LiveVersion> Live,
    IReadOnlyList<Release> RecentReleases,
    bool MoreReleases,
    string? MetricsProblem);

/// <summary>
/// Reads one service's RED charts (a line per version), live versions and releases: four range queries and one
/// instant query, all filtered to the service and environment and grouped by version.
/// </summary>
public sealed class ServiceRedReader(IMetricsSource metrics, IReleaseStore releases, ServiceRedCache cache, TimeProvider time)
{
    /// <summary>The most releases of one service read: 500 (markers, environments and the recent list come from them).</summary>
    public const int ReleasesRead = 500;

    /// <summary>The most releases listed under "recent releases": 20.</summary>
    public const int MaxRecentReleases = 20;

    /// <summary>The most services named when a service is unknown: 100.</summary>
    public const int MaxKnownServicesListed = 100;

    /// <summary>How far back a service counts as known: 7 days, the longest range the page offers.</summary>
    public static readonly TimeSpan KnownWindow = TimeSpan.FromDays(7);

    /// <summary>Finds the service's environments (from its series and releases) and its releases.</summary>
    public async Task<ServiceFound> FindAsync(string service, CancellationToken cancellationToken)
    {
        var list = await releases.ListAsync(new ReleaseQuery(Service: service, Limit: ReleasesRead), cancellationToken);
        var environments = new SortedSet<string>(list.Select(r => r.Environment), StringComparer.Ordinal);
        var now = time.GetUtcNow();
        try
        {
            var series = await metrics.SeriesAsync(
                ServiceRedQueries.ServiceSelectors(service), (now - KnownWindow).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(),
                ServiceOverviewReader.MaxSeriesScanned, cancellationToken);
            foreach (var labels in series)
            {
                environments.Add(ServiceKey.Of(labels).Environment);
            }
        }
        catch (Exception ex) when (ServiceOverviewReader.IsQueryFailure(ex))
        {
            // The releases alone still say whether the service exists; the charts report the metrics problem.
        }

        return new ServiceFound(service, [.. environments], list);
    }

    /// <summary>The services Vigil knows (series in the last <see cref="KnownWindow"/>, or releases), sorted, at most <see cref="MaxKnownServicesListed"/>.</summary>
    public async Task<IReadOnlyList<string>> KnownServicesAsync(CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var release in await releases.ListAsync(new ReleaseQuery(Limit: ServiceOverviewReader.ReleasesScanned), cancellationToken))
        {
            names.Add(release.Service);
        }

        var now = time.GetUtcNow();
        try
        {
            var values = await metrics.LabelValuesAsync(
                ServiceRedQueries.ServiceLabel, ServiceRedQueries.ServiceSelectors(), (now - KnownWindow).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(),
                ServiceOverviewReader.MaxServices, cancellationToken);
            names.UnionWith(values.Where(v => v.Length > 0));
        }
        catch (Exception ex) when (ServiceOverviewReader.IsQueryFailure(ex))
        {
            // Listing what is known is a courtesy on a "not found" page; the releases are enough.
        }

        return names.Take(MaxKnownServicesListed).ToList();
    }

    /// <summary>Reads the charts, live versions and releases of a found service in one of its environments.</summary>
    public async Task<ServiceRed> ReadAsync(ServiceFound found, string environment, ServiceRange range, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = new ServiceKey(found.Service, environment);
        var grid = StepGrid.Ending(now, range.Span, range.Step);
        var inEnvironment = found.Releases.Where(r => r.Environment == environment).ToList();
        var markers = inEnvironment
            .Where(r => r.StartedAt >= grid.Start && r.StartedAt <= grid.End)
            .OrderBy(r => r.StartedAt)
            .Select(r => new ChartMarker(r.StartedAt.ToUnixTimeSeconds(), $"{r.Version} ({OverviewLinks.StateLabel(r.State)})", OverviewLinks.Release(r)))
            .ToList();
        var filter = ServiceRedQueries.Equal(ServiceRedQueries.ServiceLabel, found.Service) + "," + ServiceRedQueries.Equal(ServiceRedQueries.EnvironmentLabel, environment);
        var window = ServiceRedQueries.RateWindow(range.Step);
        var by = ServiceRedQueries.VersionLabel;
        static string Version(Core.Telemetry.LabelSet labels) => labels.Get(ServiceRedQueries.VersionLabel) ?? string.Empty;

        ChartData requests = ChartData.Empty, ratio = ChartData.Empty, p50 = ChartData.Empty, p95 = ChartData.Empty;
        var live = new List<LiveVersion>();
        string? problem = null;
        try
        {
            var rate = await grid.QueryAsync(metrics, cache, ServiceRedQueries.RequestRate(by, filter, window), Version, cancellationToken);
            var errors = await grid.QueryAsync(metrics, cache, ServiceRedQueries.ErrorRate(by, filter, window), Version, cancellationToken);
            var median = await grid.QueryAsync(metrics, cache, ServiceRedQueries.Latency(0.5, by, filter, window), Version, cancellationToken);
            var tail = await grid.QueryAsync(metrics, cache, ServiceRedQueries.Latency(0.95, by, filter, window), Version, cancellationToken);
            var times = grid.Times();
            ChartData Chart(Dictionary<string, double?[]> lines) =>
                new(times, lines.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => new ChartSeries(VersionLabel(l.Key), l.Value)).ToList());
            requests = Chart(rate);
            ratio = Chart(rate.ToDictionary(r => r.Key, r => ServiceRedQueries.Ratio(errors.GetValueOrDefault(r.Key), r.Value), StringComparer.Ordinal));
            p50 = Chart(median);
            p95 = Chart(tail);

            var recent = await metrics.InstantQueryAsync(ServiceRedQueries.RecentCalls(by, filter), now.ToUnixTimeMilliseconds(), cancellationToken);
            if (recent is VectorResult vector)
            {
                live.AddRange(vector.Elements
                    .Where(e => e.Value > 0)
                    .Select(e => new LiveVersion(Version(e.Labels), Latest(rate.GetValueOrDefault(Version(e.Labels))) ?? (e.Value / ServiceRedQueries.LiveWindow.TotalSeconds)))
                    .OrderBy(v => v.Version, StringComparer.Ordinal));
            }
        }
        catch (Exception ex) when (ServiceOverviewReader.IsQueryFailure(ex))
        {
            problem = ex.Message;
        }

        return new ServiceRed(
            key, range, requests, ratio, p50, p95, markers, live,
            inEnvironment.Take(MaxRecentReleases).ToList(), inEnvironment.Count > MaxRecentReleases, problem);
    }

    private static double? Latest(double?[]? values) => values?.LastOrDefault(v => v is not null);

    private static string VersionLabel(string version) => version.Length == 0 ? "(no version)" : version;
}
