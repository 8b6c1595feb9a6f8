using Vigil.Core.Telemetry.Intake;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Kayenta;
using Vigil.Core.Verification.Plans;
using Vigil.Core.Verification.Simulation;

namespace Vigil.Core.Tests.Verification.Simulation;

/// <summary>The simulator is seeded and deterministic, A/A is truly equal, and what it draws matches its truth.</summary>
public sealed class TrafficSimulatorTests
{
    private const ulong Seed = 20261129;
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Generate_SameSeed_GivesTheSameNumbers_AndAnotherSeedOthers()
    {
        var simulator = new TrafficSimulator(TrafficModel.Default);
        var scenario = new JudgeScenario(ScenarioKind.ErrorRate, 50, 0.01, ErrorFactor: 2);

        var first = simulator.Generate(scenario, Minute, 15, Seed);
        var again = simulator.Generate(scenario, Minute, 15, Seed);
        var other = simulator.Generate(scenario, Minute, 15, Seed + 1);

        Assert.Equal(Fingerprint(first), Fingerprint(again));
        Assert.NotEqual(Fingerprint(first), Fingerprint(other));
    }

    [Fact]
    public void Generate_EqualScenario_DrawsBothSidesWithEqualParameters()
    {
        var intervals = new TrafficSimulator(TrafficModel.Default).Generate(new JudgeScenario(ScenarioKind.Equal, 20, 0.01), Minute, 15, Seed);

        Assert.All(intervals, i =>
        {
            Assert.Equal(i.Baseline.TrueErrorRate, i.Canary.TrueErrorRate);
            Assert.Equal(i.Baseline.TrueMedianLatency, i.Canary.TrueMedianLatency);
            Assert.Equal(i.Baseline.TrueLatencySpread, i.Canary.TrueLatencySpread);
            Assert.Equal(i.Baseline.ExpectedRequests, i.Canary.ExpectedRequests);
        });
    }

    [Fact]
    public void Generate_EqualScenario_SidesAreExchangeableOverManyRuns()
    {
        // Equal truth: the canary should have more errors (and a higher pooled p95) than the baseline about as often
        // as fewer. 600 runs of 15 intervals; a sign test at |z| < 4 (a broken A/A fails it by far, a fair one ~never).
        var simulator = new TrafficSimulator(TrafficModel.Default);
        var scenario = new JudgeScenario(ScenarioKind.Equal, 20, 0.01);
        int moreErrors = 0, fewerErrors = 0, slower = 0, faster = 0;
        for (var run = 0; run < 600; run++)
        {
            var intervals = simulator.Generate(scenario, Minute, 15, Seed + (ulong)run);
            var canaryErrors = intervals.Sum(i => i.Canary.Errors);
            var baselineErrors = intervals.Sum(i => i.Baseline.Errors);
            moreErrors += canaryErrors > baselineErrors ? 1 : 0;
            fewerErrors += canaryErrors < baselineErrors ? 1 : 0;
            var canaryP95 = KayentaJudge.HistogramQuantile(0.95, Pool(intervals.Select(i => i.Canary.Histogram)));
            var baselineP95 = KayentaJudge.HistogramQuantile(0.95, Pool(intervals.Select(i => i.Baseline.Histogram)));
            slower += canaryP95 > baselineP95 ? 1 : 0;
            faster += canaryP95 < baselineP95 ? 1 : 0;
        }

        Assert.InRange(Math.Abs(moreErrors - fewerErrors) / Math.Sqrt(moreErrors + fewerErrors), 0, 4);
        Assert.InRange(Math.Abs(slower - faster) / Math.Sqrt(slower + faster), 0, 4);
    }

    [Fact]
    public void Generate_Regressions_ChangeOnlyTheCanaryByTheirFactor()
    {
        var simulator = new TrafficSimulator(TrafficModel.Default);

        var errors = simulator.Generate(new JudgeScenario(ScenarioKind.ErrorRate, 20, 0.01, ErrorFactor: 3), Minute, 15, Seed);
        var latency = simulator.Generate(new JudgeScenario(ScenarioKind.Latency, 20, 0.01, LatencyShift: 0.25), Minute, 15, Seed);

        Assert.All(errors, i => Assert.Equal(3 * i.Baseline.TrueErrorRate, i.Canary.TrueErrorRate, 12));
        Assert.All(errors, i => Assert.Equal(i.Baseline.TrueMedianLatency, i.Canary.TrueMedianLatency));
        Assert.All(latency, i => Assert.Equal(1.25 * i.Baseline.TrueMedianLatency, i.Canary.TrueMedianLatency, 12));
        Assert.All(latency, i => Assert.Equal(i.Baseline.TrueErrorRate, i.Canary.TrueErrorRate));
    }

    [Fact]
    public void Generate_ErrorRatio_MatchesItsTruthWithinTolerance()
    {
        // 200 rps for 15 minutes: about 180,000 requests and 9,000 errors per side; the binomial SE is about 1%.
        var intervals = new TrafficSimulator(TrafficModel.Default).Generate(new JudgeScenario(ScenarioKind.ErrorRate, 200, 0.05, ErrorFactor: 1.5), Minute, 15, Seed);

        foreach (var side in new[] { intervals.Select(i => i.Canary).ToList(), intervals.Select(i => i.Baseline).ToList() })
        {
            var observed = (double)side.Sum(s => s.Errors) / side.Sum(s => s.Requests);
            var truth = side.Sum(s => s.TrueErrorRate * s.Requests) / side.Sum(s => s.Requests);
            Assert.InRange(observed / truth, 0.96, 1.04);
        }
    }

    [Fact]
    public void Generate_RequestsAndThroughput_FollowTheTraffic()
    {
        var intervals = new TrafficSimulator(TrafficModel.Default).Generate(new JudgeScenario(ScenarioKind.Equal, 50, 0.01), Minute, 15, Seed);

        Assert.All(intervals, i =>
        {
            // Poisson around the expected count: within 5 standard deviations.
            Assert.InRange(i.Canary.Requests, i.Canary.ExpectedRequests - 5 * Math.Sqrt(i.Canary.ExpectedRequests), i.Canary.ExpectedRequests + 5 * Math.Sqrt(i.Canary.ExpectedRequests));
            Assert.Equal(i.Canary.Requests, i.Canary.Histogram.Total);
            Assert.Equal(i.Canary.Requests / 60.0, i.Canary.ThroughputPerInstance, 12);
        });
        var mean = intervals.Average(i => i.Canary.ExpectedRequests) / 60;
        Assert.InRange(mean, 50 * 0.75, 50 * 1.25);
    }

    [Fact]
    public void Generate_Histogram_UsesTheSpanMetricBucketsAndCentresOnTheTrueMedian()
    {
        var intervals = new TrafficSimulator(TrafficModel.Default).Generate(new JudgeScenario(ScenarioKind.Equal, 200, 0.01), Minute, 15, Seed);

        Assert.All(intervals, i =>
        {
            Assert.Equal([.. SpanMetricsAggregator.DurationBounds, double.PositiveInfinity], i.Canary.Histogram.UpperBounds);
            // About 12,000 requests: the interpolated median is within a bucket (4.4%) plus sampling error of the truth.
            var median = KayentaJudge.HistogramQuantile(0.5, i.Canary.Histogram);
            Assert.InRange(median / i.Canary.TrueMedianLatency, 0.94, 1.06);
        });
    }

    [Fact]
    public void Observations_GiveEachPlanMetricTheDataOfItsKind()
    {
        var plan = DefaultVerificationPlan.Plan;
        var intervals = new TrafficSimulator(TrafficModel.Default).Generate(new JudgeScenario(ScenarioKind.Equal, 5, 0.01), Minute, 3, Seed);

        var observations = TrafficSimulator.Observations(plan, intervals);

        Assert.Equal(plan.Metrics.Count, observations.Length);
        for (var m = 0; m < plan.Metrics.Count; m++)
        {
            Assert.Equal(3, observations[m].Length);
            var first = observations[m][0];
            Assert.Equal(intervals[0].EndMs, first.EndMs);
            switch (plan.Metrics[m].Kind)
            {
                case MetricKind.CountRatio:
                    Assert.Equal(intervals[0].Canary.Errors, first.Canary.Events);
                    Assert.Equal(intervals[0].Canary.Requests, first.Canary.Requests);
                    break;
                case MetricKind.LatencyHistogram:
                    Assert.Same(intervals[0].Baseline.Histogram, first.Baseline.Histogram);
                    break;
                default:
                    Assert.Equal(intervals[0].Canary.ThroughputPerInstance, first.Canary.Value);
                    break;
            }
        }

        Assert.Equal(60_000, intervals[1].EndMs - intervals[0].EndMs);
    }

    [Fact]
    public void RandomVariates_PoissonAndBinomial_HaveTheirMeansAndVariances()
    {
        var random = new RandomVariates(new Random(7));
        var poisson = Enumerable.Range(0, 4000).Select(_ => (double)random.Poisson(1000)).ToList();
        var binomial = Enumerable.Range(0, 4000).Select(_ => (double)random.Binomial(100_000, 0.01)).ToList();
        var small = Enumerable.Range(0, 4000).Select(_ => (double)random.Poisson(0.5)).ToList();

        Assert.InRange(poisson.Average(), 995, 1005);
        Assert.InRange(Variance(poisson), 900, 1100);
        Assert.InRange(binomial.Average(), 995, 1005);
        Assert.InRange(Variance(binomial), 890, 1090);
        Assert.InRange(small.Average(), 0.46, 0.54);
    }

    private static HistogramCounts Pool(IEnumerable<HistogramCounts> histograms)
    {
        var list = histograms.ToList();
        var counts = new double[list[0].Counts.Count];
        foreach (var histogram in list)
        {
            for (var b = 0; b < counts.Length; b++)
            {
                counts[b] += histogram.Counts[b];
            }
        }

        return new HistogramCounts(list[0].UpperBounds, counts);
    }

    private static double Variance(List<double> values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }

    private static string Fingerprint(IReadOnlyList<SimulatedInterval> intervals) => string.Join(
        ";",
        intervals.Select(i => $"{i.Canary.Requests},{i.Canary.Errors},{i.Baseline.Requests},{i.Baseline.Errors}," +
            string.Join(",", i.Canary.Histogram.Counts) + "|" + string.Join(",", i.Baseline.Histogram.Counts)));
}
