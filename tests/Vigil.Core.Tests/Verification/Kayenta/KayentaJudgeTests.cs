using Vigil.Core.Telemetry.Intake;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Kayenta;
using Vigil.Core.Verification.Plans;

namespace Vigil.Core.Tests.Verification.Kayenta;

/// <summary>The Kayenta-style judge: reduction, transforms, classification and scoring as NetflixACAJudge does them.</summary>
public sealed class KayentaJudgeTests
{
    private static readonly PlanMetric ErrorRatio = DefaultVerificationPlan.Plan.Metrics.Single(m => m.Name == "error-ratio") with { AllowedEffect = 0.2 };

    private static VerificationPlan PlanOf(params PlanMetric[] metrics) => DefaultVerificationPlan.Plan with { Metrics = metrics };

    private static List<IntervalObservation> CountIntervals(double[] canaryErrors, double[] baselineErrors, double requests) =>
        [.. canaryErrors.Select((e, i) => new IntervalObservation(
            60_000L * (i + 1),
            new SideObservation(Events: e, Requests: requests),
            new SideObservation(Events: baselineErrors[i], Requests: requests)))];

    [Fact]
    public void Judge_SparseCanaryErrorsAgainstAnErrorFreeBaseline_PassesAsKayentaDoes()
    {
        // kayenta#426/#799/#633: 4 errors in 6,000 canary requests against 0 in 6,000 baseline requests. Per-interval
        // ratios [0, 1, 2, 1, 0, 0]/1000 vs zeros: the Mann-Whitney interval reaches 0, so Kayenta calls it Pass.
        var intervals = CountIntervals([0, 1, 2, 1, 0, 0], [0, 0, 0, 0, 0, 0], requests: 1000);
        var plan = PlanOf(ErrorRatio);

        var verdict = new KayentaJudge().Judge(plan, [new MetricHistory(ErrorRatio, intervals)], look: 6, "2.0.0");

        var metric = Assert.Single(verdict.Metrics);
        Assert.Equal(MetricClassification.Pass, metric.Classification);
        Assert.Equal(Verdict.Pass, verdict.Verdict);
        Assert.Equal(100, verdict.Score);
        Assert.NotNull(metric.Effect);
        Assert.Equal(0, metric.Effect.Lower);
        Assert.Equal(6, metric.CanarySamples);
        Assert.Equal("intervals", metric.SampleUnit);
    }

    [Fact]
    public void Judge_ClearErrorRegressionOnACriticalMetric_IsHighAndFailsWithScoreZero()
    {
        var intervals = CountIntervals([50, 55, 48, 60, 52, 57], [10, 12, 9, 11, 10, 13], requests: 1000);
        var plan = PlanOf(ErrorRatio);

        var verdict = new KayentaJudge().Judge(plan, [new MetricHistory(ErrorRatio, intervals)], look: 6, "2.0.0");

        var metric = Assert.Single(verdict.Metrics);
        Assert.Equal(MetricClassification.High, metric.Classification);
        Assert.Equal(Verdict.Fail, verdict.Verdict);
        Assert.Equal(0, verdict.Score);
        Assert.True(verdict.Decisive);
        Assert.Contains("error-ratio", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_IncreaseWithinThePlansAllowedEffect_PassesOnTheMeanRatioGate()
    {
        // Significant but only 10% higher; the plan allows 20% (Kayenta's allowedIncrease = 1.2).
        var intervals = CountIntervals([110, 111, 109, 112, 110, 108], [100, 101, 99, 100, 102, 98], requests: 10_000);

        var verdict = new KayentaJudge().Judge(PlanOf(ErrorRatio), [new MetricHistory(ErrorRatio, intervals)], look: 6, "2.0.0");

        Assert.Equal(MetricClassification.Pass, Assert.Single(verdict.Metrics).Classification);
    }

    [Fact]
    public void Judge_NonCriticalLatencyHigh_ScoresByGroupWeightsIntoMarginal()
    {
        // Default plan groups: errors 25, latency 75 (3 metrics), traffic 0. p50 High alone: 25 + 75 x 2/3 = 75.
        var plan = DefaultVerificationPlan.Plan;
        var p50 = plan.Metrics.Single(m => m.Name == "p50-latency");
        var histories = plan.Metrics.Select(m => new MetricHistory(m, m == p50
            ? Continuous(m, [150, 152, 149, 151, 150, 153], [100, 101, 99, 100, 102, 98])
            : Identical(m))).ToList();

        var verdict = new KayentaJudge().Judge(plan, histories, look: 6, "2.0.0");

        Assert.Equal(MetricClassification.High, verdict.Metrics.Single(m => m.Name == "p50-latency").Classification);
        Assert.Equal(75, verdict.Score);
        Assert.Equal(Verdict.Marginal, verdict.Verdict);
        Assert.False(verdict.Decisive);
    }

    [Fact]
    public void Judge_NoDataOnACriticalMetric_FailsAsKayentaDoes()
    {
        var intervals = new List<IntervalObservation> { new(60_000, SideObservation.Empty, SideObservation.Empty, Error: "query timed out") };

        var verdict = new KayentaJudge().Judge(PlanOf(ErrorRatio), [new MetricHistory(ErrorRatio, intervals)], look: 1, "2.0.0");

        var metric = Assert.Single(verdict.Metrics);
        Assert.Equal(MetricClassification.Nodata, metric.Classification);
        Assert.Contains("query timed out", metric.Reason, StringComparison.Ordinal);
        Assert.Equal(Verdict.Fail, verdict.Verdict);
    }

    [Fact]
    public void Judge_PassingLookBeforeTheLast_IsNotDecisive_AndTheLastLookIs()
    {
        var intervals = CountIntervals([1, 2, 1], [2, 1, 1], requests: 1000);
        var histories = new[] { new MetricHistory(ErrorRatio, intervals) };
        var judge = new KayentaJudge();

        var early = judge.Judge(PlanOf(ErrorRatio), histories, look: 3, "2.0.0");
        var last = judge.Judge(PlanOf(ErrorRatio), histories, look: 15, "2.0.0");

        Assert.Equal(Verdict.Pass, early.Verdict);
        Assert.False(early.Decisive);
        Assert.True(last.Decisive);
    }

    [Fact]
    public void HistogramQuantile_InterpolatesWithinTheBucketLikePromQl()
    {
        // 100 requests: 50 in (0, 0.1], 50 in (0.1, 0.2]. p50 = 0.1, p75 = 0.15, p95 = 0.19.
        var histogram = new HistogramCounts([0.1, 0.2, double.PositiveInfinity], [50, 50, 0]);

        Assert.Equal(0.1, KayentaJudge.HistogramQuantile(0.5, histogram), 12);
        Assert.Equal(0.15, KayentaJudge.HistogramQuantile(0.75, histogram), 12);
        Assert.Equal(0.19, KayentaJudge.HistogramQuantile(0.95, histogram), 12);
        Assert.True(double.IsNaN(KayentaJudge.HistogramQuantile(0.5, new HistogramCounts([0.1, double.PositiveInfinity], [0, 0]))));
    }

    [Fact]
    public void HistogramQuantile_RankInTheInfBucket_AnswersTheHighestFiniteBound()
    {
        var bounds = SpanMetricsAggregator.DurationBounds.Append(double.PositiveInfinity).ToArray();
        var counts = new double[bounds.Length];
        counts[^1] = 10;

        Assert.Equal(SpanMetricsAggregator.DurationBounds[^1], KayentaJudge.HistogramQuantile(0.5, new HistogramCounts(bounds, counts)));
    }

    [Fact]
    public void RemoveOutliers_FactorThreeWithPercentileFences_DropsOnlyFarValues()
    {
        // n = 200: p1/p99 fall inside the data, so a value far beyond Q3 + 3 IQR is dropped.
        var values = Enumerable.Range(0, 199).Select(i => 10.0 + i % 10).Append(1_000).ToArray();

        var kept = KayentaJudge.RemoveOutliers(values);

        Assert.Equal(199, kept.Length);
        Assert.DoesNotContain(1_000, kept);
        // Fifteen intervals: p1 and p99 are the minimum and maximum, so Kayenta removes nothing.
        Assert.Equal(15, KayentaJudge.RemoveOutliers([.. Enumerable.Repeat(1.0, 14), 1_000]).Length);
    }

    [Fact]
    public void Percentile_UsesCommonsMathPositionPTimesNPlusOne()
    {
        double[] sorted = [1, 2, 3, 4];

        Assert.Equal(1.25, KayentaJudge.Percentile(sorted, 25), 12);
        Assert.Equal(3.75, KayentaJudge.Percentile(sorted, 75), 12);
        Assert.Equal(1, KayentaJudge.Percentile(sorted, 1));
        Assert.Equal(4, KayentaJudge.Percentile(sorted, 99));
    }

    private static List<IntervalObservation> Continuous(PlanMetric metric, double[] canaryMs, double[] baselineMs) =>
        [.. canaryMs.Select((c, i) => new IntervalObservation(60_000L * (i + 1), Side(metric, c / 1000), Side(metric, baselineMs[i] / 1000)))];

    private static List<IntervalObservation> Identical(PlanMetric metric) =>
        [.. Enumerable.Range(0, 6).Select(i => new IntervalObservation(60_000L * (i + 1), Side(metric, 0.1 + i * 0.001), Side(metric, 0.1 + i * 0.001)))];

    /// <summary>A side whose reduced value is <paramref name="value"/> for the metric's kind.</summary>
    private static SideObservation Side(PlanMetric metric, double value) => metric.Kind switch
    {
        MetricKind.CountRatio => new SideObservation(Events: value * 1000, Requests: 1000),
        // All requests in (0, value]: every quantile q interpolates to q x value, so sides compare as a pure scale change.
        MetricKind.LatencyHistogram => new SideObservation(Histogram: new HistogramCounts([value, double.PositiveInfinity], [100, 0])),
        _ => new SideObservation(Value: value),
    };
}
