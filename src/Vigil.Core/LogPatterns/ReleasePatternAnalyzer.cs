using System.Globalization;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Verification.Runs;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Core.LogPatterns;

/// <summary>The release whose log patterns are compared, and when it started.</summary>
public sealed record PatternDiffRelease(string Service, string Version, string Environment, DateTimeOffset StartedAt);

/// <summary>
/// The pattern diff of a release with where its numbers came from: the baseline version (null when none logged), the
/// release's window (from its start to now) and the baseline's window (the same one when the baseline logged in it,
/// side by side; else the same length just before the release started, as for a whole-fleet rollout).
/// </summary>
public sealed record PatternDiffResult(
    string? BaselineVersion,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    DateTimeOffset BaselineWindowStart,
    DateTimeOffset BaselineWindowEnd,
    double ReleaseRecords,
    double BaselineRecords,
    IReadOnlyList<TemplateChange> Changes);

/// <summary>
/// Computes a release's log-pattern diff from <c>vigil_log_records_total</c> through any <see cref="IMetricsSource"/>:
/// counts per template for the release's version and for the baseline, and the templates other versions of the service
/// logged in the previous <see cref="LookBack"/>. Template ids go through <c>resolve</c> (merge aliases to the live id)
/// before they are compared. Never reads a clock: <c>now</c> is a parameter.
/// </summary>
public sealed class ReleasePatternAnalyzer(IMetricsSource metrics)
{
    /// <summary>The metric the analyzer reads (written at log intake).</summary>
    public const string MetricName = "vigil_log_records_total";

    /// <summary>How far back "seen on another version" looks.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(7);

    /// <summary>The shortest window compared; a younger release is compared over its first minute.</summary>
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromMinutes(1);

    /// <summary>At most this many template series are read per query.</summary>
    public const int MaxSeries = 10_000;

    /// <summary>Computes the diff at <paramref name="now"/>; <paramref name="baselineVersion"/> null picks the other version that logged most.</summary>
    /// <exception cref="MetricsSourceException">The metrics source failed.</exception>
    public async Task<PatternDiffResult> AnalyzeAsync(
        PatternDiffRelease release,
        string? baselineVersion,
        DateTimeOffset now,
        Func<string, string> resolve,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(resolve);

        var window = now - release.StartedAt;
        if (window < MinimumWindow)
        {
            window = MinimumWindow;
        }
        else if (window > LookBack)
        {
            window = LookBack;
        }

        var end = now;
        var start = now - window;
        var range = Duration(window);
        var nowMs = now.ToUnixTimeMilliseconds();

        var releaseCounts = await CountsAsync(Selector(release.Service, release.Version, release.Environment), range, nowMs, resolve, cancellationToken);

        baselineVersion ??= await BusiestOtherVersionAsync(release, range, nowMs, cancellationToken);
        var baselineStart = start;
        var baselineEnd = end;
        IReadOnlyList<TemplateCount> baselineCounts = [];
        if (baselineVersion is not null)
        {
            var selector = Selector(release.Service, baselineVersion, release.Environment);
            baselineCounts = await CountsAsync(selector, range, nowMs, resolve, cancellationToken);
            if (baselineCounts.Sum(c => c.Count) <= 0)
            {
                // The baseline no longer logs (whole-fleet rollout): compare with the same length before the release.
                baselineEnd = release.StartedAt;
                baselineStart = baselineEnd - window;
                baselineCounts = await CountsAsync(selector, range, baselineEnd.ToUnixTimeMilliseconds(), resolve, cancellationToken);
            }
        }

        var seen = await SeenOnOtherVersionsAsync(release, now, resolve, cancellationToken);
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(releaseCounts, baselineCounts, seen));
        return new PatternDiffResult(
            baselineVersion, start, end, baselineStart, baselineEnd, releaseCounts.Sum(c => c.Count), baselineCounts.Sum(c => c.Count), changes);
    }

    /// <summary>
    /// Records per template and severity in the range ending at <paramref name="atMs"/>: the counters' exact increase
    /// (consecutive differences, a drop read as a reset), not PromQL's extrapolated <c>increase()</c>, because these are
    /// counts a person compares. A counter created inside the range starts with a zero sample, so its first records count.
    /// </summary>
    private async Task<IReadOnlyList<TemplateCount>> CountsAsync(
        string selector, string range, long atMs, Func<string, string> resolve, CancellationToken cancellationToken)
    {
        var result = await metrics.InstantQueryAsync($"{MetricName}{{{selector}}}[{range}]", atMs, cancellationToken);
        if (result is not MatrixResult matrix)
        {
            return [];
        }

        var counts = new Dictionary<(string Id, string Severity), double>();
        foreach (var series in matrix.Series.Take(MaxSeries))
        {
            if (series.Labels.Get("template_id") is not { Length: > 0 } id)
            {
                continue;
            }

            var increase = 0.0;
            for (var i = 1; i < series.Samples.Count; i++)
            {
                var (previous, current) = (series.Samples[i - 1].Value, series.Samples[i].Value);
                increase += current >= previous ? current - previous : current;
            }

            if (increase > 0)
            {
                var key = (resolve(id), series.Labels.Get("severity") ?? "unspecified");
                counts[key] = counts.GetValueOrDefault(key) + increase;
            }
        }

        return counts.Select(c => new TemplateCount(c.Key.Id, c.Key.Severity, c.Value)).ToList();
    }

    private async Task<string?> BusiestOtherVersionAsync(PatternDiffRelease release, string range, long nowMs, CancellationToken cancellationToken)
    {
        var query = $"topk(1, sum by (service_version) (increase({MetricName}{{service_name=\"{QueryTemplate.EscapeLabelValue(release.Service)}\",deployment_environment_name=\"{QueryTemplate.EscapeLabelValue(release.Environment)}\",service_version!=\"{QueryTemplate.EscapeLabelValue(release.Version)}\"}}[{range}])))";
        foreach (var atMs in new[] { nowMs, release.StartedAt.ToUnixTimeMilliseconds() })
        {
            if (await metrics.InstantQueryAsync(query, atMs, cancellationToken) is VectorResult { Elements.Count: > 0 } vector
                && vector.Elements[0].Labels.Get(PromotedLabels.ServiceVersion) is { Length: > 0 } version
                && vector.Elements[0].Value > 0)
            {
                return version;
            }
        }

        return null;
    }

    private async Task<IReadOnlySet<string>> SeenOnOtherVersionsAsync(
        PatternDiffRelease release, DateTimeOffset now, Func<string, string> resolve, CancellationToken cancellationToken)
    {
        IReadOnlyList<LabelMatcher> matchers =
        [
            LabelMatcher.MetricName(MetricName),
            new(PromotedLabels.ServiceName, MatchType.Equal, release.Service),
            new(PromotedLabels.ServiceVersion, MatchType.NotEqual, release.Version),
        ];
        var series = await metrics.SeriesAsync([matchers], (now - LookBack).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), MaxSeries * 10, cancellationToken);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var labels in series)
        {
            if (labels.Get("template_id") is { Length: > 0 } id)
            {
                seen.Add(resolve(id));
            }
        }

        return seen;
    }

    private static string Selector(string service, string version, string environment) =>
        $"service_name=\"{QueryTemplate.EscapeLabelValue(service)}\",service_version=\"{QueryTemplate.EscapeLabelValue(version)}\",deployment_environment_name=\"{QueryTemplate.EscapeLabelValue(environment)}\"";

    private static string Duration(TimeSpan window) =>
        ((long)Math.Ceiling(window.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
}
