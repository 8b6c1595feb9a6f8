using System.Diagnostics;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Judging;
using Vigil.Core.Verification.Plans;
using Xunit.Abstractions;

namespace Vigil.Core.Tests.Verification.Judging;

/// <summary>The judge's error budget and power on seeded simulated runs, every look judged as a run would.</summary>
public sealed class VerificationJudgeSimulationTests(ITestOutputHelper output)
{
    private static readonly VerificationPlan Plan = DefaultVerificationPlan.Plan;

    [Fact]
    public void Judge_AaRunsWithTheDefaultPlan_FalseFailAtMostOnePercent()
    {
        const int Seed = 4101;
        const int Runs = 500;
        var simulation = new JudgeSimulation(Seed);
        var judge = new VerificationJudge();
        var side = new JudgeSimulation.Side(RequestsPerInterval: 600, ErrorRate: 0.01);
        var fails = 0;
        var passes = 0;
        var calls = 0;
        var judging = new Stopwatch();
        for (var run = 0; run < Runs; run++)
        {
            var series = simulation.DefaultPlanIntervals(Plan.PlannedLooks, side, side);
            judging.Start();
            var outcome = RunToDecision(judge, series, Plan);
            judging.Stop();
            calls += outcome.Look;
            fails += outcome.Verdict == Verdict.Fail ? 1 : 0;
            passes += outcome.Verdict == Verdict.Pass ? 1 : 0;
        }

        // Printed for the record only (never asserted): the time of one judge call on this machine.
        output.WriteLine($"seed {Seed}: {fails} false Fail, {passes} Pass of {Runs} A/A runs; {calls} judge calls, {judging.Elapsed.TotalMilliseconds / calls:F3} ms per call");
        Assert.True(fails <= Runs / 100, $"seed {Seed}: {fails} false Fail in {Runs} A/A runs is above 1%.");
        Assert.True(passes >= Runs * 0.9, $"seed {Seed}: only {passes} of {Runs} A/A runs passed.");
    }

    [Fact]
    public void Judge_AaWithSixtyLooksAndATenPercentBudget_SpendsTheBudgetAcrossLooks()
    {
        // One continuous metric (Mann-Whitney over intervals) looked at 60 times: testing every look at a fixed 10% would
        // fail far more than 10% of A/A runs; spending the 10% over the looks keeps it at most 10%.
        const int Seed = 4102;
        const int Runs = 300;
        var metric = new PlanMetric("throughput", MetricKind.Continuous, MetricDirection.Increase, "q", Critical: true, AllowedEffect: 0);
        var plan = Plan with { Duration = TimeSpan.FromMinutes(60), Metrics = [metric], FalseFailRate = 0.1 };
        var simulation = new JudgeSimulation(Seed);
        var judge = new VerificationJudge();
        var fails = 0;
        for (var run = 0; run < Runs; run++)
        {
            var intervals = Enumerable.Range(1, plan.PlannedLooks)
                .Select(i => new IntervalObservation(60_000L * i, new SideObservation(Value: 100 + 5 * simulation.Normal()), new SideObservation(Value: 100 + 5 * simulation.Normal())))
                .ToList();
            for (var look = 1; look <= plan.PlannedLooks; look++)
            {
                var verdict = judge.Judge(plan, [new MetricHistory(metric, intervals.Take(look).ToList())], look, "2.0.0");
                if (verdict.Verdict == Verdict.Fail)
                {
                    fails++;
                    break;
                }
            }
        }

        output.WriteLine($"seed {Seed}: {fails} false Fail of {Runs} A/A runs over 60 looks at a 10% budget");
        Assert.True(fails <= Runs * 0.1, $"seed {Seed}: {fails} of {Runs} A/A runs failed; the 10% budget was overspent across looks.");
    }

    [Fact]
    public void Judge_DoubledErrorRateAtFiftyRequestsPerSecond_FailsWithinFiveLooksInMostRuns()
    {
        const int Seed = 4103;
        const int Runs = 60;
        var simulation = new JudgeSimulation(Seed);
        var judge = new VerificationJudge();
        var detected = 0;
        for (var run = 0; run < Runs; run++)
        {
            var series = simulation.DefaultPlanIntervals(5, new JudgeSimulation.Side(3000, 0.02), new JudgeSimulation.Side(3000, 0.01));
            var outcome = RunToDecision(judge, series, Plan, maxLooks: 5);
            detected += outcome.Verdict == Verdict.Fail && outcome.Metrics[0].Classification == MetricClassification.High ? 1 : 0;
        }

        output.WriteLine($"seed {Seed}: 2x error rate at 1% detected within 5 looks in {detected} of {Runs} runs");
        Assert.True(detected >= Runs * 0.85, $"seed {Seed}: only {detected} of {Runs} runs detected a doubled error rate within 5 looks.");
    }

    [Theory]
    [InlineData("error-ratio", 1.1, 1.0, 0.02)]
    [InlineData("p95-latency", 1.0, 1.1, 0.01)]
    [InlineData("p50-latency", 1.0, 1.1, 0.01)]
    public void Judge_RegressionExactlyAtTheAllowedEffect_FailsAtMostAtTheBudgetRate(string name, double errorFactor, double latencyFactor, double errorRate)
    {
        // The null hypothesis is "within the allowed effect", so its hardest case is a regression exactly at it
        // (errors 1.2x with 20% allowed; latency 1.1x with 10% allowed). Over 15 looks at a 5% budget it may fail at
        // most 5% of runs.
        const int Seed = 4104;
        const int Runs = 200;
        var index = Plan.Metrics.ToList().FindIndex(m => m.Name == name);
        var metric = Plan.Metrics[index];
        var plan = Plan with { Metrics = [metric], FalseFailRate = 0.05 };
        var simulation = new JudgeSimulation(Seed);
        var judge = new VerificationJudge();
        var fails = 0;
        for (var run = 0; run < Runs; run++)
        {
            var series = simulation.DefaultPlanIntervals(15, new JudgeSimulation.Side(1200, errorRate * errorFactor, LatencyFactor: latencyFactor), new JudgeSimulation.Side(1200, errorRate));
            for (var look = 1; look <= 15; look++)
            {
                if (judge.Judge(plan, [new MetricHistory(metric, series[index].Take(look).ToList())], look, "2.0.0").Verdict == Verdict.Fail)
                {
                    fails++;
                    break;
                }
            }
        }

        output.WriteLine($"seed {Seed}: {name} at the allowed effect failed {fails} of {Runs} runs at a 5% budget");
        Assert.True(fails <= Runs * 0.05, $"seed {Seed}: {name} at exactly the allowed effect failed {fails} of {Runs} runs, above the 5% budget.");
    }

    /// <summary>Judges look after look until a decisive verdict or the last look, as a verification run does.</summary>
    internal static LookVerdict RunToDecision(VerificationJudge judge, List<IntervalObservation>[] series, VerificationPlan plan, int? maxLooks = null)
    {
        LookVerdict? verdict = null;
        var last = Math.Min(maxLooks ?? plan.PlannedLooks, series[0].Count);
        for (var look = 1; look <= last; look++)
        {
            verdict = judge.Judge(plan, JudgeSimulation.AtLook(plan, series, look), look, "2.0.0");
            if (verdict.Decisive)
            {
                break;
            }
        }

        return verdict!;
    }
}
