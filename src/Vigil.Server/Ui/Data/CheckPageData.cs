using System.Globalization;
using Vigil.Core.Checks;
using Vigil.Server.Checks;

namespace Vigil.Server.Ui.Data;

/// <summary>One check as the checks page lists it.</summary>
/// <param name="Name">The check's name.</param>
/// <param name="Type">http, tcp, dns, tls, grpc or flow.</param>
/// <param name="Target">What it probes, readable (<c>GET https://…/healthz</c>, <c>db:5432</c>).</param>
/// <param name="Locations">Where it runs.</param>
/// <param name="Interval">How often it runs at each location.</param>
/// <param name="Outcome">pass, degraded, fail, or unknown before the first result.</param>
/// <param name="Summary">The quorum decision's sentence (which locations saw what).</param>
/// <param name="LastRun">When the newest result started, or null.</param>
/// <param name="LastDuration">How long the newest result took, or null.</param>
/// <param name="Passed">Passing results among the recent ones counted.</param>
/// <param name="Counted">Recent results counted (at most <see cref="CheckPageData.RecentResults"/>).</param>
/// <param name="Service">The <c>service</c> label, or null.</param>
public sealed record CheckRow(
    string Name, string Type, string Target, IReadOnlyList<string> Locations, TimeSpan Interval, string Outcome, string Summary,
    DateTimeOffset? LastRun, TimeSpan? LastDuration, int Passed, int Counted, string? Service)
{
    /// <summary>Passed / Counted, or null without results.</summary>
    public double? SuccessRatio => Counted == 0 ? null : (double)Passed / Counted;
}

/// <summary>One check's detail: its row, the latest result of each location and its latest results.</summary>
/// <param name="Check">The check as listed.</param>
/// <param name="Latest">The newest result of each location.</param>
/// <param name="Results">Results, newest first (at most the limit asked for).</param>
/// <param name="Yaml">The stored document.</param>
public sealed record CheckDetail(CheckRow Check, IReadOnlyList<CheckResult> Latest, IReadOnlyList<CheckResult> Results, string Yaml);

/// <summary>
/// What the checks pages read: the loaded checks (<c>CheckCatalog</c>), their quorum status
/// (<c>CheckResultProcessor</c>) and stored results (<see cref="ICheckResultStore"/>), the same services as
/// <c>GET /api/v1/checks</c>.
/// </summary>
internal sealed class CheckPageData(CheckCatalog catalog, CheckResultProcessor processor, ICheckResultStore store)
{
    /// <summary>Results the success ratio counts: the latest 20 of each check (all locations).</summary>
    public const int RecentResults = 20;

    /// <summary>Results the detail page shows: the latest 50.</summary>
    public const int DetailResults = 50;

    /// <summary>Checks listed on one page: 500 (the catalog holds at most <c>checks.maxChecks</c>).</summary>
    public const int MaxListed = 500;

    /// <summary>How many checks are loaded.</summary>
    public int Count => catalog.Current.Checks.Count;

    /// <summary>Stored Check objects that could not be read (by name), so the page can say they do not run.</summary>
    public IReadOnlyCollection<string> Unreadable => [.. catalog.Current.Unreadable.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The checks by name, at most <see cref="MaxListed"/>.</summary>
    public async Task<IReadOnlyList<CheckRow>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = new List<CheckRow>();
        foreach (var check in catalog.Current.Checks.Values.OrderBy(c => c.Definition.Name, StringComparer.Ordinal).Take(MaxListed))
        {
            var recent = await store.ListAsync(check.Definition.Name, null, RecentResults, cancellationToken);
            rows.Add(Row(check, recent));
        }

        return rows;
    }

    /// <summary>One check with its latest results (of one location when given), or null for an unknown name.</summary>
    public async Task<CheckDetail?> GetAsync(string name, string? location, CancellationToken cancellationToken)
    {
        if (!catalog.Current.Checks.TryGetValue(name, out var check))
        {
            return null;
        }

        var results = await store.ListAsync(name, location, DetailResults, cancellationToken);
        var recent = location is null ? results.Take(RecentResults).ToList() : await store.ListAsync(name, null, RecentResults, cancellationToken);
        var status = processor.StatusOf(check.Definition);
        return new CheckDetail(Row(check, recent), status?.Latest ?? [], results, check.Yaml);
    }

    /// <summary>True for a valid location name (the API's rule).</summary>
    public static bool IsLocationName(string? name) => CheckDtos.IsLocationName(name);

    private CheckRow Row(CatalogCheck check, IReadOnlyList<CheckResult> recent)
    {
        var d = check.Definition;
        var status = processor.StatusOf(d);
        var newest = status?.Latest.MaxBy(r => r.StartedAt);
        return new CheckRow(
            d.Name,
            CheckOutcomeNames.TypeText(d.Type),
            Target(d.Spec),
            d.Locations,
            d.Interval,
            status is { } s ? CheckOutcomeNames.Text(s.Decision.Outcome) : "unknown",
            status is { } t ? t.Decision.Summary : "no result yet from " + string.Join(", ", d.Locations),
            newest?.StartedAt,
            newest?.Duration,
            recent.Count(r => r.Outcome == CheckOutcome.Pass),
            recent.Count,
            d.Service);
    }

    /// <summary>What a check probes, in one line.</summary>
    public static string Target(CheckSpec spec) => spec switch
    {
        HttpCheckSpec h => $"{h.Method} {h.Url}",
        TcpCheckSpec t => string.Create(CultureInfo.InvariantCulture, $"{t.Host}:{t.Port}"),
        DnsCheckSpec d => d.ResolverHost is null ? $"{d.Name} {d.RecordType}" : string.Create(CultureInfo.InvariantCulture, $"{d.Name} {d.RecordType} via {d.ResolverHost}:{d.ResolverPort}"),
        TlsCheckSpec t => string.Create(CultureInfo.InvariantCulture, $"{t.Host}:{t.Port}"),
        GrpcCheckSpec g => g.Service.Length == 0 ? g.Address : $"{g.Address} ({g.Service})",
        FlowCheckSpec f => f.Steps.Count == 0 ? "flow" : string.Create(CultureInfo.InvariantCulture, $"{f.Steps.Count} step(s) from {f.Steps[0].Request.Method} {f.Steps[0].Request.Url}"),
        _ => "—",
    };
}
