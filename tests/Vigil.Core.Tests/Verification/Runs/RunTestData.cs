using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Core.Tests.PromQl.Evaluation;
using Vigil.Core.Verification;

namespace Vigil.Core.Tests.Verification.Runs;

/// <summary>
/// Span-metric series as intake derives them, written into an in-memory store behind the real embedded metrics
/// source: per version, a request counter (with an error share) and latency buckets, a sample every 5 seconds.
/// </summary>
internal sealed class RunTestData
{
    public static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    public const long StepMs = 5_000;

    public static readonly double[] Bounds = [0.05, 0.1, 0.25, 0.5, 1];

    public InMemorySeriesSource Series { get; } = new();

    public IMetricsSource Source => new EmbeddedMetricsSource(Series, new MetricMetadataCatalog(), new PromQlEngineOptions());

    /// <summary>
    /// Adds a version's counters from <paramref name="from"/> to <paramref name="to"/>: <paramref name="perSecond"/>
    /// requests a second, <paramref name="errorShare"/> of them errors, latencies spread over the buckets by <paramref name="bucketShares"/>.
    /// </summary>
    public void AddVersion(
        string version, DateTimeOffset from, DateTimeOffset to, double perSecond, double errorShare = 0, double[]? bucketShares = null,
        string service = "checkout", string environment = "prod")
    {
        bucketShares ??= [0.5, 0.3, 0.15, 0.05, 0];
        LabelSet Labels(string name, params (string, string)[] extra) => LabelSet.From(
            new[] { ("__name__", name), ("service_name", service), ("service_version", version), ("deployment_environment_name", environment), ("span_kind", "SPAN_KIND_SERVER") }
                .Concat(extra).ToArray());
        var ok = Labels("traces_span_metrics_calls_total", ("status_code", "STATUS_CODE_UNSET"));
        var errors = Labels("traces_span_metrics_calls_total", ("status_code", "STATUS_CODE_ERROR"));
        for (var t = from.ToUnixTimeMilliseconds(); t <= to.ToUnixTimeMilliseconds(); t += StepMs)
        {
            var seconds = (t - from.ToUnixTimeMilliseconds()) / 1000.0;
            var total = perSecond * seconds;
            Series.Add(ok, t, total * (1 - errorShare));
            Series.Add(errors, t, total * errorShare);
            var cumulative = 0.0;
            for (var b = 0; b < Bounds.Length; b++)
            {
                cumulative += bucketShares[b];
                Series.Add(Labels("traces_span_metrics_duration_seconds_bucket", ("le", Bounds[b].ToString(System.Globalization.CultureInfo.InvariantCulture))), t, total * cumulative);
            }

            Series.Add(Labels("traces_span_metrics_duration_seconds_bucket", ("le", "+Inf")), t, total);
        }
    }

    public static VerificationPlan Plan(ComparisonMode mode = ComparisonMode.Canary, int looks = 5, string? baseline = null) => new(
        "test",
        Services: [],
        Mode: mode,
        Interval: TimeSpan.FromMinutes(1),
        Duration: TimeSpan.FromMinutes(looks),
        Metrics:
        [
            Vigil.Core.Verification.Plans.DefaultVerificationPlan.Plan.Metrics.Single(m => m.Name == "error-ratio"),
            Vigil.Core.Verification.Plans.DefaultVerificationPlan.Plan.Metrics.Single(m => m.Name == "p95-latency"),
        ],
        BaselineVersion: baseline);
}

/// <summary>A metrics source that records each instant query (and its time) before passing it on.</summary>
internal sealed class RecordingMetricsSource(IMetricsSource inner) : IMetricsSource
{
    public List<(string Query, long TimeMs)> Queries { get; } = [];

    public string Name => inner.Name;

    public Task<PromQlResult> InstantQueryAsync(string query, long timeMs, CancellationToken cancellationToken)
    {
        Queries.Add((query, timeMs));
        return inner.InstantQueryAsync(query, timeMs, cancellationToken);
    }

    public Task<MatrixResult> RangeQueryAsync(string query, long startMs, long endMs, long stepMs, CancellationToken cancellationToken) =>
        inner.RangeQueryAsync(query, startMs, endMs, stepMs, cancellationToken);

    public Task<IReadOnlyList<LabelSet>> SeriesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) =>
        inner.SeriesAsync(selectors, startMs, endMs, limit, cancellationToken);

    public Task<IReadOnlyList<string>> LabelNamesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) =>
        inner.LabelNamesAsync(selectors, startMs, endMs, limit, cancellationToken);

    public Task<IReadOnlyList<string>> LabelValuesAsync(string name, IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) =>
        inner.LabelValuesAsync(name, selectors, startMs, endMs, limit, cancellationToken);

    public Task<IReadOnlyList<MetricMetadata>> MetadataAsync(string? metric, int limit, CancellationToken cancellationToken) =>
        inner.MetadataAsync(metric, limit, cancellationToken);
}

/// <summary>A judge that records what it was asked and answers with a scripted verdict per look.</summary>
internal sealed class ScriptedJudge(Func<int, IReadOnlyList<MetricHistory>, (Verdict Verdict, bool Decisive)> script) : IVerificationJudge
{
    public List<(int Look, IReadOnlyList<MetricHistory> Metrics, string Canary)> Calls { get; } = [];

    public LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion)
    {
        Calls.Add((look, metrics, canaryVersion));
        var (verdict, decisive) = script(look, metrics);
        return new LookVerdict(verdict, verdict == Verdict.Pass ? 100 : 0, decisive, look, plan.PlannedLooks, [], $"{verdict} at look {look}");
    }
}
