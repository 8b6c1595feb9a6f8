using Vigil.Core.Verification;
using Vigil.Core.Verification.Kayenta;
using Vigil.Core.Verification.Plans;
using Vigil.Core.Verification.Simulation;

namespace Vigil.Core.Tests.Verification.Simulation;

/// <summary>The benchmark runner: deterministic whatever the threading, every interval judged, the bar checked.</summary>
public sealed class JudgeBenchmarkTests
{
    private static readonly JudgeScenario[] Small =
    [
        new(ScenarioKind.Equal, 20, 0.01),
        new(ScenarioKind.ErrorRate, 50, 0.01, ErrorFactor: 5),
    ];

    [Fact]
    public void Run_SameSeed_GivesTheSameOutcomesOnOneThreadAndOnTwo()
    {
        BenchJudge[] judges = [new("kayenta-style", () => new KayentaJudge())];

        var one = JudgeBenchmark.Run(DefaultVerificationPlan.Plan, Small, judges, new JudgeBenchOptions(Runs: 6, Seed: 3, Parallelism: 1));
        var two = JudgeBenchmark.Run(DefaultVerificationPlan.Plan, Small, judges, new JudgeBenchOptions(Runs: 6, Seed: 3, Parallelism: 2));

        for (var s = 0; s < Small.Length; s++)
        {
            Assert.Equal(one.Scenarios[s].Judges[0].Outcomes, two.Scenarios[s].Judges[0].Outcomes);
        }
    }

    [Fact]
    public void Run_FiveTimesTheErrors_IsDetectedEarly_AndEveryRunStopsAtADecisiveOrTheLastLook()
    {
        BenchJudge[] judges = [new("kayenta-style", () => new KayentaJudge())];

        var report = JudgeBenchmark.Run(DefaultVerificationPlan.Plan, Small, judges, new JudgeBenchOptions(Runs: 10, Seed: 11));

        var regression = report.Scenarios[1].Of("kayenta-style");
        Assert.Equal(10, regression.Fails);
        Assert.True(regression.MedianMinutesToFail(TimeSpan.FromMinutes(1)) <= 3);
        Assert.All(report.Scenarios[0].Of("kayenta-style").Outcomes, o => Assert.True(o.Verdict == Verdict.Fail || o.Look == 15, $"{o}"));
    }

    [Fact]
    public void FinalLookJudge_DecidesNothingBeforeTheLastLook_ThenJudgesLikeItsInnerJudge()
    {
        BenchJudge[] judges = [new("every-look", () => new KayentaJudge()), new("once", () => new FinalLookJudge(new KayentaJudge()))];

        var report = JudgeBenchmark.Run(DefaultVerificationPlan.Plan, Small, judges, new JudgeBenchOptions(Runs: 10, Seed: 11));

        // Five times the errors: every run fails, but only at the last look (15), while the judge at every look fails early.
        var once = report.Scenarios[1].Of("once");
        Assert.Equal(10, once.Fails);
        Assert.All(once.Outcomes, o => Assert.Equal(15, o.Look));
        Assert.Contains(report.Scenarios[1].Of("every-look").Outcomes, o => o.Look < 15);

        // Before the last look nothing is decisive; at it, the inner judge's verdict is returned as it is.
        var plan = DefaultVerificationPlan.Plan;
        var early = new FinalLookJudge(new KayentaJudge()).Judge(plan, [], look: 3, "2.0.0");
        Assert.False(early.Decisive);
        Assert.Equal(Verdict.Inconclusive, early.Verdict);
        Assert.Empty(early.Metrics);
    }

    [Fact]
    public void CheckBar_TooFewEqualRuns_IsNotMetAndSaysHowMany()
    {
        BenchJudge[] judges = [new("a", () => new KayentaJudge()), new("b", () => new KayentaJudge())];
        var report = JudgeBenchmark.Run(DefaultVerificationPlan.Plan, Small, judges, new JudgeBenchOptions(Runs: 4, Seed: 5));

        var bar = report.CheckBar("a", "b");

        Assert.Equal(3, bar.Count);
        Assert.False(bar[0].Met);
        Assert.Contains("only 4 A/A verdicts", bar[0].Detail, StringComparison.Ordinal);
        // Equal judges on equal data: detection is not higher, so the third part fails too.
        Assert.False(bar[2].Met);
    }

    [Fact]
    public void Run_AJudgeThatThrows_IsReportedWithItsErrorAndFailsTheBar()
    {
        BenchJudge[] judges = [new("broken", () => new ThrowingJudge()), new("kayenta-style", () => new KayentaJudge())];

        var report = JudgeBenchmark.Run(DefaultVerificationPlan.Plan, Small, judges, new JudgeBenchOptions(Runs: 2, Seed: 5));

        Assert.Contains("InvalidOperationException: broken on purpose", report.Errors["broken"], StringComparison.Ordinal);
        Assert.All(report.Scenarios, s => Assert.Equal(0, s.Of("broken").Runs));
        Assert.Equal(2, report.Scenarios[0].Of("kayenta-style").Runs);
        Assert.All(report.CheckBar("broken", "kayenta-style"), part => Assert.False(part.Met));
    }

    [Fact]
    public void RateEstimate_WilsonInterval_BracketsTheRate()
    {
        var rate = RateEstimate.Of(9, 2250);

        Assert.Equal(0.004, rate.Rate, 12);
        Assert.InRange(rate.Lower, 0.0020, 0.0022);
        Assert.InRange(rate.Upper, 0.0075, 0.0077);
        Assert.Equal(0, RateEstimate.Of(0, 100).Lower);
    }

    [Fact]
    public void Suite_HasTheIssuesScenarios()
    {
        var suite = JudgeScenario.Suite();

        Assert.Equal(15, suite.Count(s => s.Kind == ScenarioKind.Equal));
        Assert.Equal(60, suite.Count(s => s.Kind == ScenarioKind.ErrorRate));
        Assert.Equal(20, suite.Count(s => s.Kind == ScenarioKind.Latency));
        Assert.Equal([1.0, 5, 20, 50, 200], suite.Select(s => s.CanaryRps).Distinct().Order());
        Assert.Contains(suite, s => s is { Kind: ScenarioKind.ErrorRate, ErrorFactor: 2, BaselineErrorRate: 0.01, CanaryRps: 50 });
        Assert.Equal(suite.Count, suite.Select(s => s.Name).Distinct().Count());
    }

    private sealed class ThrowingJudge : IVerificationJudge
    {
        public LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion) =>
            throw new InvalidOperationException("broken on purpose");
    }
}
