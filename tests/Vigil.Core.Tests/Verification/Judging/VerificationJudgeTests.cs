using Vigil.Core.Verification;
using Vigil.Core.Verification.Judging;
using Vigil.Core.Verification.Plans;
using Xunit.Abstractions;

namespace Vigil.Core.Tests.Verification.Judging;

/// <summary>The judge on hand-made and seeded data: classifications, guards, roll-up and the sentences people read.</summary>
public sealed class VerificationJudgeTests(ITestOutputHelper output)
{
    private static readonly VerificationPlan DefaultPlan = DefaultVerificationPlan.Plan;
    // The worked examples and sentences below use a 20% allowed effect on the error ratio.
    private static readonly PlanMetric ErrorRatio = DefaultPlan.Metrics[0] with { AllowedEffect = 0.2 };
    private static readonly PlanMetric P95 = DefaultPlan.Metrics[2];
    private readonly VerificationJudge _judge = new();

    [Fact]
    public void Judge_FivePercentErrorsAgainstHalfAPercent_FailsNamingTheErrorRatio()
    {
        const int Seed = 4201;
        var series = new JudgeSimulation(Seed).DefaultPlanIntervals(15, new JudgeSimulation.Side(300, 0.05), new JudgeSimulation.Side(300, 0.005));

        var verdict = VerificationJudgeSimulationTests.RunToDecision(_judge, series, DefaultPlan);

        Print(verdict);
        Assert.Equal(Verdict.Fail, verdict.Verdict);
        Assert.True(verdict.Decisive);
        var error = verdict.Metrics.Single(m => m.Name == "error-ratio");
        Assert.Equal(MetricClassification.High, error.Classification);
        Assert.Contains("error ratio is", verdict.Summary, StringComparison.Ordinal);
        Assert.Matches(@"error ratio is [\d,]+% higher on 2\.0\.0 \(95% CI [\d,]+%\.\.[\d,]+%\) over [\d,]+ vs [\d,]+ requests: \d\.\d\d% vs 0\.\d\d%", error.Sentence);
        Assert.True(error.EValue > 100, $"seed {Seed}: e-value {error.EValue}");
    }

    [Fact]
    public void Judge_FiftyPercentSlowerCanary_FailsNamingALatencyMetricAndP95IsHigh()
    {
        const int Seed = 4202;
        var series = new JudgeSimulation(Seed).DefaultPlanIntervals(15, new JudgeSimulation.Side(300, 0.01, LatencyFactor: 1.5), new JudgeSimulation.Side(300, 0.01));

        var early = VerificationJudgeSimulationTests.RunToDecision(_judge, series, DefaultPlan);
        var last = _judge.Judge(DefaultPlan, JudgeSimulation.AtLook(DefaultPlan, series, 15), 15, "2.0.0");

        Print(early);
        Print(last);
        Assert.Equal(Verdict.Fail, early.Verdict);
        Assert.True(early.Decisive);
        Assert.Matches(@"p\d\d latency is \d\d% higher on 2\.0\.0", early.Summary);
        Assert.Equal(Verdict.Fail, last.Verdict);
        var p95 = last.Metrics.Single(m => m.Name == "p95-latency");
        Assert.Equal(MetricClassification.High, p95.Classification);
        Assert.InRange(p95.Effect!.Estimate, 0.35, 0.65);
        Assert.True(p95.Effect.Lower > 0.1, $"seed {Seed}: interval {p95.Effect.Lower}..{p95.Effect.Upper}");
        Assert.StartsWith("Fail: critical metric failed: p95 latency is", last.Summary, StringComparison.Ordinal);
        Assert.Matches(@"^p95 latency is \d\d% higher on 2\.0\.0 \(95% CI \d\d%\.\.\d\d%\) over [\d,]+ vs [\d,]+ requests: \d+ ms vs \d+ ms$", p95.Sentence);
    }

    [Theory]
    [InlineData(1.0, Verdict.Fail, MetricClassification.High, "new error templates is 1 on 2.0.0, above its limit of 0")]
    [InlineData(0.0, Verdict.Pass, MetricClassification.Pass, "new error templates is 0 on 2.0.0, within its limit of 0")]
    public void Judge_CriticalLimitRule_FailsOnTheCanaryValueWhateverTheBaseline(double canary, Verdict expected, MetricClassification classification, string sentence)
    {
        var rule = new PlanMetric("new-error-templates", MetricKind.Continuous, MetricDirection.Increase, "q", Critical: true, Limit: 0);
        var plan = DefaultPlan with { Metrics = [rule], Duration = TimeSpan.FromMinutes(3) };
        var intervals = Enumerable.Range(1, 3)
            .Select(i => new IntervalObservation(i * 60_000L, new SideObservation(Value: i == 3 ? canary : 0), new SideObservation(Value: 5)))
            .ToList();

        var verdict = _judge.Judge(plan, [new MetricHistory(rule, intervals)], 3, "2.0.0");

        Print(verdict);
        Assert.Equal(expected, verdict.Verdict);
        var judgement = Assert.Single(verdict.Metrics);
        Assert.Equal(classification, judgement.Classification);
        Assert.Equal(sentence, judgement.Sentence);
        Assert.Equal("absolute limit on the canary's latest value", judgement.Method);
        Assert.Null(judgement.PValue);
        Assert.True(verdict.Decisive); // a Fail at once; a Pass because this is the last planned look
    }

    [Fact]
    public void Judge_LimitRuleWithoutACanaryValue_IsNodata_AndACriticalOneKeepsTheVerdictInconclusive()
    {
        var rule = new PlanMetric("new-error-templates", MetricKind.Continuous, MetricDirection.Increase, "q", Critical: true, Limit: 0);
        var intervals = new[] { new IntervalObservation(60_000, SideObservation.Empty, new SideObservation(Value: 0)) };

        var verdict = _judge.Judge(DefaultPlan with { Metrics = [rule] }, [new MetricHistory(rule, intervals)], DefaultPlan.PlannedLooks, "2.0.0");

        Assert.Equal(Verdict.Inconclusive, verdict.Verdict);
        var judgement = Assert.Single(verdict.Metrics);
        Assert.Equal(MetricClassification.Nodata, judgement.Classification);
        Assert.Contains("no value on the canary yet", judgement.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_IdenticalSides_PassesEveryMetric()
    {
        const int Seed = 4203;
        var side = new JudgeSimulation.Side(600, 0.01);
        var series = new JudgeSimulation(Seed).DefaultPlanIntervals(15, side, side);

        var verdict = VerificationJudgeSimulationTests.RunToDecision(_judge, series, DefaultPlan);

        Print(verdict);
        Assert.Equal(Verdict.Pass, verdict.Verdict);
        Assert.Equal(100, verdict.Score);
        Assert.True(verdict.Decisive);
        Assert.All(verdict.Metrics, m => Assert.Equal(MetricClassification.Pass, m.Classification));
    }

    [Fact]
    public void Judge_CountRatio_WritesTheIssuesSentenceFormat()
    {
        var verdict = _judge.Judge(DefaultPlan with { Metrics = [ErrorRatio] }, [Counts(ErrorRatio, (150, 3000, 15, 3000))], 1, "1.4.2");

        var metric = verdict.Metrics.Single();
        // Clopper-Pearson for 150 of 165 events (R: binom.test(150, 165)$conf.int), as a rate ratio p/(1-p) at equal traffic.
        Print(verdict);
        Assert.Equal("error ratio is 900% higher on 1.4.2 (95% CI 487%..1,731%) over 3,000 vs 3,000 requests: 5.00% vs 0.50% (150 vs 15 events)", metric.Sentence);
        Assert.Equal(3000, metric.CanarySamples);
        Assert.Equal(3000, metric.BaselineSamples);
        Assert.Equal("requests", metric.SampleUnit);
        Assert.StartsWith("mixture SPRT", metric.Method, StringComparison.Ordinal);
        Assert.Equal(MetricClassification.High, metric.Classification);
        Assert.Equal($"Fail: critical metric failed: {metric.Sentence}.", verdict.Summary);
    }

    [Fact]
    public void Judge_TwoCriticalMetrics_HolmRejectsTheSecondAtTheFullBudgetOnceTheFirstIsRejected()
    {
        // With a 5% budget over two metrics, b's p-value (1/e = 0.029) is above Bonferroni's 2.5% but below Holm's second
        // step (5%) once a is rejected; with a null a, Holm needs 2.5% for b and b is not High.
        var a = ErrorRatio with { Name = "errors-a" };
        var b = ErrorRatio with { Name = "errors-b" };
        var plan = DefaultPlan with { Metrics = [a, b], FalseFailRate = 0.05 };
        var bHistory = Counts(b, Enumerable.Repeat((20.0, 1000.0, 10.0, 1000.0), 5).ToArray());

        var withA = _judge.Judge(plan, [Counts(a, Enumerable.Repeat((40.0, 1000.0, 10.0, 1000.0), 5).ToArray()), bHistory], 5, "1.4.2");
        var withoutA = _judge.Judge(plan, [Counts(a, Enumerable.Repeat((10.0, 1000.0, 10.0, 1000.0), 5).ToArray()), bHistory], 5, "1.4.2");

        Print(withA);
        Print(withoutA);
        var bAlone = withoutA.Metrics[1];
        Assert.InRange(1 / withA.Metrics[1].EValue!.Value, 0.025, 0.05);
        Assert.Equal(MetricClassification.High, withA.Metrics[0].Classification);
        Assert.Equal(MetricClassification.High, withA.Metrics[1].Classification);
        Assert.Equal(1 / withA.Metrics[1].EValue!.Value, withA.Metrics[1].PValue!.Value, 10);
        Assert.NotEqual(MetricClassification.High, bAlone.Classification);
        Assert.Equal(2 / bAlone.EValue!.Value, bAlone.PValue!.Value, 10);
    }

    [Fact]
    public void Judge_BeforeAfterWithSeasonalHistory_RaisesTheBarByTheLargerEarlierEffect()
    {
        // After/before error ratio 3x; the same windows one day earlier moved 2.9x and one week earlier 2.5x, so High needs
        // more than 0.2 + 1.9 = 210%: the metric passes, and the reason says why.
        var plan = DefaultPlan with { Mode = ComparisonMode.BeforeAfter, Metrics = [ErrorRatio] };
        var now = Counts(ErrorRatio, Enumerable.Repeat((30.0, 1000.0, 10.0, 1000.0), 5).ToArray()).Intervals;
        var day = Counts(ErrorRatio, Enumerable.Repeat((29.0, 1000.0, 10.0, 1000.0), 5).ToArray()).Intervals;
        var week = Counts(ErrorRatio, Enumerable.Repeat((25.0, 1000.0, 10.0, 1000.0), 5).ToArray()).Intervals;

        var guarded = _judge.Judge(plan, [new MetricHistory(ErrorRatio, now, new SeasonalHistory(day, week))], 5, "1.4.2");
        var canaryMode = _judge.Judge(plan with { Mode = ComparisonMode.Canary }, [new MetricHistory(ErrorRatio, now, new SeasonalHistory(day, week))], 5, "1.4.2");

        Print(guarded);
        Assert.Equal(MetricClassification.Pass, guarded.Metrics[0].Classification);
        Assert.Contains("before/after guard: the same windows moved +190% one day earlier and +150% one week earlier, so High needs more than 210%", guarded.Metrics[0].Reason, StringComparison.Ordinal);
        Assert.Equal(MetricClassification.High, canaryMode.Metrics[0].Classification);
    }

    [Fact]
    public void Judge_BeforeAfterWithoutHistory_SkipsTheGuardAndSaysSo()
    {
        var plan = DefaultPlan with { Mode = ComparisonMode.BeforeAfter, Metrics = [ErrorRatio] };
        var now = Counts(ErrorRatio, Enumerable.Repeat((30.0, 1000.0, 10.0, 1000.0), 5).ToArray()).Intervals;

        var verdict = _judge.Judge(plan, [new MetricHistory(ErrorRatio, now, Seasonal: null)], 5, "1.4.2");
        var oneMissing = _judge.Judge(plan, [new MetricHistory(ErrorRatio, now, new SeasonalHistory(null, now))], 5, "1.4.2");

        Print(verdict);
        Assert.Equal(MetricClassification.High, verdict.Metrics[0].Classification);
        Assert.Equal(Verdict.Fail, verdict.Verdict);
        Assert.Contains("before/after guard skipped: no history of the same windows one day or one week earlier", verdict.Metrics[0].Reason, StringComparison.Ordinal);
        Assert.Contains("no history one day earlier", oneMissing.Metrics[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_EveryIntervalFailed_NodataWithTheErrorAndInconclusive()
    {
        var failed = new MetricHistory(P95, [new IntervalObservation(60_000, SideObservation.Empty, SideObservation.Empty, "connection refused: prometheus:9090")]);

        var verdict = _judge.Judge(DefaultPlan with { Metrics = [P95] }, [failed], 1, "1.4.2");

        var metric = verdict.Metrics.Single();
        Assert.Equal(MetricClassification.Nodata, metric.Classification);
        Assert.Equal("the query failed: connection refused: prometheus:9090", metric.Reason);
        Assert.Null(metric.Effect);
        Assert.Equal(Verdict.Inconclusive, verdict.Verdict);
        Assert.Contains("connection refused", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_TooFewRequestsAtTheLastLook_InconclusiveWithTheAmountNeeded()
    {
        var plan = DefaultPlan with { Metrics = [ErrorRatio, P95], Duration = TimeSpan.FromMinutes(3) };
        var side = new JudgeSimulation.Side(20, 0.01);
        var series = new JudgeSimulation(4204).DefaultPlanIntervals(3, side, side);
        var histories = new List<MetricHistory> { new(ErrorRatio, series[0]), new(P95, series[2]) };

        var early = _judge.Judge(plan, histories, 2, "1.4.2");
        var last = _judge.Judge(plan, histories, 3, "1.4.2");

        Print(last);
        Assert.Equal(Verdict.Inconclusive, early.Verdict);
        Assert.False(early.Decisive);
        Assert.Equal(Verdict.Inconclusive, last.Verdict);
        Assert.True(last.Decisive);
        Assert.All(last.Metrics, m => Assert.Equal(MetricClassification.Nodata, m.Classification));
        Assert.Matches(@"needs at least 100 requests on each side, has \d+ on the canary and \d+ on the baseline", last.Summary);
    }

    [Fact]
    public void Judge_LookPastThePlannedLooks_SpendsTheReserveAndIsDecisive()
    {
        // An extended run (look 17 of 15) still gets a verdict: the reserve's share for the second extra look is 1.25%
        // of the budget, so a clear regression still fails and a clean run passes decisively.
        var plan = DefaultPlan with { Metrics = [P95] };
        var clean = new JudgeSimulation(4206).DefaultPlanIntervals(17, new JudgeSimulation.Side(300, 0.01), new JudgeSimulation.Side(300, 0.01));
        var slow = new JudgeSimulation(4207).DefaultPlanIntervals(17, new JudgeSimulation.Side(300, 0.01, LatencyFactor: 1.6), new JudgeSimulation.Side(300, 0.01));

        var passed = _judge.Judge(plan, [new MetricHistory(P95, clean[2])], 17, "1.4.2");
        var failed = _judge.Judge(plan, [new MetricHistory(P95, slow[2])], 17, "1.4.2");

        Assert.Equal(0.05 / 4, Vigil.Core.Verification.Statistics.AlphaSpending.Share(17, 15), 12);
        Assert.Equal(Verdict.Pass, passed.Verdict);
        Assert.True(passed.Decisive);
        Assert.Equal(Verdict.Fail, failed.Verdict);
        Assert.Equal(17, failed.Look);
        Assert.Equal(15, failed.PlannedLooks);
    }

    [Fact]
    public void Judge_SameInputTwice_SameVerdict()
    {
        var series = new JudgeSimulation(4205).DefaultPlanIntervals(6, new JudgeSimulation.Side(500, 0.02, LatencyFactor: 1.2), new JudgeSimulation.Side(500, 0.01));
        var histories = JudgeSimulation.AtLook(DefaultPlan, series, 6);

        var first = _judge.Judge(DefaultPlan, histories, 6, "1.4.2");
        var second = new VerificationJudge().Judge(DefaultPlan, histories, 6, "1.4.2");

        Assert.Equal(first.Summary, second.Summary);
        Assert.Equal(first.Metrics, second.Metrics);
    }

    [Fact]
    public void Judge_MalformedObservations_JudgesWithoutThrowing()
    {
        // NaN and negative values, more events than requests, a histogram whose lists disagree, an empty metric list.
        var nan = new IntervalObservation(60_000, new SideObservation(Value: double.NaN, Events: double.NaN, Requests: -5), new SideObservation(Value: double.PositiveInfinity, Events: 50, Requests: 10));
        var badHistogram = new IntervalObservation(60_000, new SideObservation(Histogram: new HistogramCounts([0.1, double.PositiveInfinity], [1])), new SideObservation(Histogram: new HistogramCounts([], [])));
        var throughput = DefaultPlan.Metrics[4];
        var histories = new List<MetricHistory> { new(ErrorRatio, [nan]), new(P95, [badHistogram]), new(throughput, [nan]) };

        var verdict = _judge.Judge(DefaultPlan, histories, 1, string.Empty);
        var empty = _judge.Judge(DefaultPlan, [], 0, "1.4.2");

        Assert.Equal(Verdict.Inconclusive, verdict.Verdict);
        Assert.All(verdict.Metrics, m => Assert.Equal(MetricClassification.Nodata, m.Classification));
        Assert.Equal(Verdict.Inconclusive, empty.Verdict);
        Assert.Equal("Inconclusive: the plan has no weighted or critical metric.", empty.Summary);
    }

    [Fact]
    public void Judge_OverwhelmingCounts_KeepTheEValueFinite()
    {
        var verdict = _judge.Judge(DefaultPlan with { Metrics = [ErrorRatio] }, [Counts(ErrorRatio, (1_000_000, 2_000_000, 1_000, 2_000_000))], 1, "1.4.2");

        var metric = verdict.Metrics.Single();
        Assert.Equal(MetricClassification.High, metric.Classification);
        Assert.True(double.IsFinite(metric.EValue!.Value));
        Assert.True(double.IsFinite(metric.Effect!.Estimate));
    }

    private static MetricHistory Counts(PlanMetric metric, params (double CanaryEvents, double CanaryRequests, double BaselineEvents, double BaselineRequests)[] intervals) =>
        new(metric, [.. intervals.Select((c, i) => new IntervalObservation(60_000L * (i + 1), new SideObservation(Events: c.CanaryEvents, Requests: c.CanaryRequests), new SideObservation(Events: c.BaselineEvents, Requests: c.BaselineRequests)))]);

    private void Print(LookVerdict verdict)
    {
        output.WriteLine($"{verdict.Verdict} score {verdict.Score} decisive {verdict.Decisive} look {verdict.Look}/{verdict.PlannedLooks}: {verdict.Summary}");
        foreach (var m in verdict.Metrics)
        {
            output.WriteLine($"  {m.Name} {m.Classification} p={m.PValue} e={m.EValue}: {m.Sentence} [{m.Reason}]");
        }
    }
}
