using System.Globalization;
using System.Text;

namespace Vigil.Core.Checks;

/// <summary>
/// Combines the latest result of each location of a check into one <see cref="QuorumDecision"/>:
/// <list type="bullet">
/// <item>Fail only when at least <see cref="CheckDefinition.Quorum"/> locations failed. A failure during a maintenance
/// window does not count, nor does a result older than <see cref="StaleAfterIntervals"/> intervals (stale: what that
/// location sees now is unknown).</item>
/// <item>Degraded when a location reported Degraded (soft assertions, slow), or when the evidence is incomplete: a location
/// is stale or has no result yet.</item>
/// <item>Pass otherwise, including when fewer than the quorum of locations fail (a failure seen from one place only, as
/// with Datadog's and Checkly's location thresholds) or a failure falls in maintenance; the summary still names them.</item>
/// </list>
/// The summary says which locations saw what, and why.
/// </summary>
public static class CheckQuorum
{
    /// <summary>A location's result older than this many intervals is stale: 3, so one or two late or lost reports are tolerated.</summary>
    public const int StaleAfterIntervals = 3;

    // The longest reason quoted per location in a summary.
    private const int MaxReasonLength = 160;

    /// <summary>
    /// Decides <paramref name="check"/> from <paramref name="results"/> (any order; only the newest per location of the
    /// check's own locations is used) as of <paramref name="now"/>.
    /// </summary>
    public static QuorumDecision Decide(CheckDefinition check, IEnumerable<CheckResult> results, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(results);
        var assigned = new HashSet<string>(check.Locations, StringComparer.Ordinal);
        var latest = new SortedDictionary<string, CheckResult>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (result.Check == check.Name && assigned.Contains(result.Location)
                && (!latest.TryGetValue(result.Location, out var seen) || result.StartedAt > seen.StartedAt))
            {
                latest[result.Location] = result;
            }
        }

        var staleAfter = check.Interval * StaleAfterIntervals;
        List<string> failing = [], maintenance = [], degraded = [], passing = [], stale = [];
        foreach (var (location, result) in latest)
        {
            if (now - result.StartedAt > staleAfter)
            {
                stale.Add($"{location} (last result {Age(now - result.StartedAt)} ago, {CheckOutcomeNames.Text(result.Outcome)})");
            }
            else if (result.Outcome == CheckOutcome.Fail && result.InMaintenance)
            {
                maintenance.Add(WithReason(location, result.Reason));
            }
            else if (result.Outcome == CheckOutcome.Fail)
            {
                failing.Add(WithReason(location, result.Reason));
            }
            else if (result.Outcome == CheckOutcome.Degraded)
            {
                degraded.Add(WithReason(location, result.Reason));
            }
            else
            {
                passing.Add(location);
            }
        }

        var missing = check.Locations.Where(l => !latest.ContainsKey(l)).Order(StringComparer.Ordinal).ToList();
        var quorum = Math.Clamp(check.Quorum, 1, Math.Max(1, check.Locations.Count));
        var outcome = failing.Count >= quorum ? CheckOutcome.Fail
            : degraded.Count + stale.Count + missing.Count > 0 ? CheckOutcome.Degraded
            : CheckOutcome.Pass;

        var parts = new List<string>();
        if (failing.Count > 0)
        {
            parts.Add("failing in " + string.Join(", ", failing));
        }

        if (maintenance.Count > 0)
        {
            parts.Add("failing during maintenance (not counted) in " + string.Join(", ", maintenance));
        }

        if (degraded.Count > 0)
        {
            parts.Add("degraded in " + string.Join(", ", degraded));
        }

        if (passing.Count > 0)
        {
            parts.Add("passing in " + string.Join(", ", passing));
        }

        if (stale.Count > 0)
        {
            parts.Add("stale (not counted) in " + string.Join(", ", stale));
        }

        if (missing.Count > 0)
        {
            parts.Add("no result yet from " + string.Join(", ", missing));
        }

        var summary = new StringBuilder();
        summary.Append(string.Join("; ", parts));
        if (check.Locations.Count > 1)
        {
            summary.Append(CultureInfo.InvariantCulture, $" ({failing.Count} of {check.Locations.Count} locations failing, quorum {quorum})");
        }

        return new QuorumDecision(check.Name, outcome, summary.ToString(), [.. latest.Values]);
    }

    private static string WithReason(string location, string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return location;
        }

        var text = reason.ReplaceLineEndings(" ").Trim();
        return $"{location} ({(text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…")})";
    }

    private static string Age(TimeSpan age) =>
        age.TotalHours >= 1 ? age.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + "h"
        : age.TotalMinutes >= 1 ? age.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + "m"
        : age.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s";
}
