using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.LogPatterns;

/// <summary>How a log template differs between a release and its baseline.</summary>
public enum TemplateChangeKind
{
    /// <summary>Seen for the release's version and for no other version of the service in the look-back (7 days).</summary>
    New,

    /// <summary>Seen on the baseline, absent on the release although enough occurrences were expected (Poisson test).</summary>
    Gone,

    /// <summary>Significantly more frequent on the release than on the baseline (exact count test).</summary>
    More,

    /// <summary>Significantly less frequent on the release than on the baseline (exact count test).</summary>
    Fewer,
}

/// <summary>Record counts of one template on one side of the comparison, with its most severe severity.</summary>
public sealed record TemplateCount(string TemplateId, string Severity, double Count);

/// <summary>
/// What <see cref="ReleasePatternDiff.Compare"/> compares: the counts of each template for the release's version and for
/// the baseline over comparable windows, and the templates any other version of the service logged in the look-back.
/// </summary>
public sealed record PatternDiffInput(
    IReadOnlyList<TemplateCount> Release,
    IReadOnlyList<TemplateCount> Baseline,
    IReadOnlySet<string> SeenOnOtherVersions);

/// <summary>
/// One changed template. <see cref="ExpectedCount"/> is what the release would have logged at the baseline's rate
/// (scaled by the two sides' volume of templates they share); <see cref="RateRatio"/> is observed over expected.
/// </summary>
public sealed record TemplateChange(
    TemplateChangeKind Change,
    string TemplateId,
    string Severity,
    double ReleaseCount,
    double BaselineCount,
    double ExpectedCount,
    double? RateRatio,
    double? PValue);

/// <summary>
/// The per-release log-pattern diff: new, gone and changed templates, errors and warnings first. "Gone" and "changed"
/// are decided by tests on the counts at a family-wise level (Bonferroni over the templates tested), never by a raw
/// ratio, and a change must also be at least <see cref="MinimumRateFactor"/>-fold to be worth a person's attention.
/// Rates are normalised by the records of templates both sides logged, so that a flood of one new template does not
/// make every other template look rarer.
/// </summary>
public static class ReleasePatternDiff
{
    /// <summary>The default family-wise error level of the gone and changed tests.</summary>
    public const double DefaultAlpha = 0.01;

    /// <summary>A rate change smaller than this factor (either way) is not reported, however significant.</summary>
    public const double MinimumRateFactor = 1.5;

    /// <summary>Compares the release with its baseline; the result is ranked by severity, then kind, then count.</summary>
    public static IReadOnlyList<TemplateChange> Compare(PatternDiffInput input, double alpha = DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (alpha is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "must be between 0 and 1");
        }

        var release = Merge(input.Release);
        var baseline = Merge(input.Baseline);
        var changes = new List<TemplateChange>();

        foreach (var (id, (severity, count)) in release)
        {
            if (count > 0 && !baseline.ContainsKey(id) && !input.SeenOnOtherVersions.Contains(id))
            {
                changes.Add(new TemplateChange(TemplateChangeKind.New, id, severity, count, 0, 0, null, null));
            }
        }

        // The shared volume: records of templates both sides logged.
        double releaseShared = 0, baselineShared = 0;
        foreach (var (id, (_, count)) in baseline)
        {
            if (release.TryGetValue(id, out var other) && other.Count > 0 && count > 0)
            {
                releaseShared += other.Count;
                baselineShared += count;
            }
        }

        var tested = baseline.Count(b => b.Value.Count > 0);
        if (tested > 0 && releaseShared > 0 && baselineShared > 0)
        {
            var level = alpha / tested;
            var scale = releaseShared / baselineShared;
            var releaseShare = releaseShared / (releaseShared + baselineShared);
            foreach (var (id, (baselineSeverity, baselineCount)) in baseline)
            {
                if (baselineCount <= 0)
                {
                    continue;
                }

                var expected = baselineCount * scale;
                var releaseCount = release.TryGetValue(id, out var r) ? r.Count : 0;
                var severity = MoreSevere(baselineSeverity, r.Severity);
                if (releaseCount <= 0)
                {
                    // Poisson: the chance of seeing none when `expected` were due.
                    var p = Math.Exp(-expected);
                    if (p < level)
                    {
                        changes.Add(new TemplateChange(TemplateChangeKind.Gone, id, severity, 0, baselineCount, expected, 0, p));
                    }

                    continue;
                }

                var ratio = releaseCount / expected;
                if (ratio < MinimumRateFactor && ratio > 1 / MinimumRateFactor)
                {
                    continue;
                }

                // Conditional on the template's total, the release's share is binomial with the shared-volume share.
                var n = (long)Math.Round(releaseCount + baselineCount);
                var k = (long)Math.Round(releaseCount);
                var pValue = Math.Min(1, 2 * (ratio >= 1 ? Binomial.UpperTail(k, n, releaseShare) : Binomial.UpperTail(n - k, n, 1 - releaseShare)));
                if (pValue < level)
                {
                    changes.Add(new TemplateChange(
                        ratio >= 1 ? TemplateChangeKind.More : TemplateChangeKind.Fewer, id, severity, releaseCount, baselineCount, expected, ratio, pValue));
                }
            }
        }

        return changes
            .OrderBy(c => SeverityRank(c.Severity))
            .ThenBy(c => c.Change)
            .ThenByDescending(c => Math.Max(c.ReleaseCount, c.BaselineCount))
            .ThenBy(c => c.TemplateId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>0 for fatal, 1 error, 2 warn, 3 everything else: the order a person reads changes in.</summary>
    public static int SeverityRank(string severity) => severity switch
    {
        "fatal" or "critical" or "emergency" or "alert" => 0,
        "error" or "err" => 1,
        "warn" or "warning" => 2,
        _ => 3,
    };

    private static string MoreSevere(string a, string? b) =>
        b is null || SeverityRank(a) <= SeverityRank(b) ? a : b;

    private static Dictionary<string, (string Severity, double Count)> Merge(IReadOnlyList<TemplateCount> counts)
    {
        var merged = new Dictionary<string, (string Severity, double Count)>(StringComparer.Ordinal);
        foreach (var count in counts)
        {
            if (double.IsNaN(count.Count) || count.Count < 0)
            {
                continue;
            }

            merged[count.TemplateId] = merged.TryGetValue(count.TemplateId, out var seen)
                ? (MoreSevere(seen.Severity, count.Severity), seen.Count + count.Count)
                : (count.Severity, count.Count);
        }

        return merged;
    }
}
