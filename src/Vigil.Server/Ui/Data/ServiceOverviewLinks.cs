using Vigil.Core.Releases;

namespace Vigil.Server.Ui.Data;

/// <summary>
/// The links and labels the overview, service and release-list pages share: where a service, a release or a minute of
/// logs lives, and how a release's state reads as a badge (text always, colour as a second signal).
/// </summary>
public static class OverviewLinks
{
    /// <summary>The service page of <paramref name="service"/> in <paramref name="environment"/>, optionally over a range.</summary>
    public static string Service(string service, string? environment, string? range = null)
    {
        var query = new List<string>();
        if (environment is not null)
        {
            query.Add("env=" + Uri.EscapeDataString(environment));
        }

        if (range is not null)
        {
            query.Add("range=" + Uri.EscapeDataString(range));
        }

        return "/services/" + Uri.EscapeDataString(service) + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
    }

    /// <summary>The release page.</summary>
    public static string Release(Release release) => "/releases/" + Uri.EscapeDataString(release.Id);

    /// <summary>The release list, filtered to a service and environment when given.</summary>
    public static string Releases(string? service = null, string? environment = null)
    {
        var query = new List<string>();
        if (service is not null)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        if (environment is not null)
        {
            query.Add("env=" + Uri.EscapeDataString(environment));
        }

        return "/releases" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
    }

    /// <summary>
    /// The logs of a service in an environment between <c>{from}</c> and <c>{to}</c> (Unix seconds, filled in by the
    /// chart for the clicked minute): <c>/explore/logs?service=&amp;env=&amp;from=&amp;to=</c>.
    /// </summary>
    public static string LogsOfMinute(string service, string environment) =>
        "/explore/logs?service=" + Uri.EscapeDataString(service) + "&env=" + Uri.EscapeDataString(environment) + "&from={from}&to={to}";

    /// <summary>How a state reads on a badge: the verdict (Pass, Fail, Marginal, Inconclusive) or where the release is.</summary>
    public static string StateLabel(ReleaseState state) => state switch
    {
        ReleaseState.Passed => "Pass",
        ReleaseState.Failed => "Fail",
        ReleaseState.Marginal => "Marginal",
        ReleaseState.Inconclusive => "Inconclusive",
        ReleaseState.Verifying => "Verifying",
        ReleaseState.Pending => "Pending",
        ReleaseState.Aborted => "Aborted",
        ReleaseState.Baseline => "Baseline",
        _ => state.ToString(),
    };

    /// <summary>The badge class of a state (vigil.css: <c>badge-pass</c>, <c>badge-fail</c>, ...).</summary>
    public static string StateClass(ReleaseState state) => state switch
    {
        ReleaseState.Passed => "badge badge-pass",
        ReleaseState.Failed => "badge badge-fail",
        ReleaseState.Marginal => "badge badge-marginal",
        ReleaseState.Inconclusive => "badge badge-inconclusive",
        ReleaseState.Verifying => "badge badge-running",
        ReleaseState.Pending => "badge badge-pending",
        ReleaseState.Aborted => "badge badge-aborted",
        _ => "badge badge-none",
    };
}
