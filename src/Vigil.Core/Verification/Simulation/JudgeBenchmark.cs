using System.Collections.Concurrent;
using System.Globalization;

namespace Vigil.Core.Verification.Simulation;

/// <summary>A judge under benchmark: its name and a factory (each worker thread gets its own instance).</summary>
public sealed record BenchJudge(string Name, Func<IVerificationJudge> Create);

/// <summary>How one simulated run ended for one judge: the verdict and the look it stopped at (decisive or last).</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Errored</c>: The judge threw; the run has no verdict (see <see cref="JudgeBenchReport.Errors"/>).</item>
/// </list>
/// </remarks>
public readonly record struct RunOutcome(Verdict Verdict, int Look, bool Errored = false);

/// <summary>Options of <see cref="JudgeBenchmark.Run"/>.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Runs</c>: Runs per scenario; default 150 (15 A/A scenarios: 2,250 A/A verdicts per judge).</item>
/// <item><c>Seed</c>: The suite's seed; each run's data is drawn from (seed, scenario, run), so results do not depend on threading.</item>
/// <item><c>Parallelism</c>: Worker threads; 0 = one per processor.</item>
/// <item><c>Model</c>: The traffic model; null = <see cref="TrafficModel.Default"/>.</item>
/// </list>
/// </remarks>
public sealed record JudgeBenchOptions(int Runs = 150, ulong Seed = 1, int Parallelism = 0, TrafficModel? Model = null);

/// <summary>One scenario's outcomes for one judge, with the figures the benchmark reports.</summary>
public sealed record ScenarioJudgeResult(string Judge, IReadOnlyList<RunOutcome> Outcomes)
{
    /// <summary>Runs with a verdict.</summary>
    public int Runs => Outcomes.Count(o => !o.Errored);

    /// <summary>Runs whose verdict was Fail (false Fails on A/A, detections otherwise).</summary>
    public int Fails => Outcomes.Count(o => !o.Errored && o.Verdict == Verdict.Fail);

    /// <summary>Share of runs that failed (NaN without runs).</summary>
    public double FailRate => Runs == 0 ? double.NaN : (double)Fails / Runs;

    /// <summary>Runs with the given verdict.</summary>
    public int Count(Verdict verdict) => Outcomes.Count(o => !o.Errored && o.Verdict == verdict);

    /// <summary>Share of runs that failed within <paramref name="limit"/> of the run's start.</summary>
    public double FailRateWithin(TimeSpan limit, TimeSpan interval) =>
        Runs == 0 ? double.NaN : (double)Outcomes.Count(o => !o.Errored && o.Verdict == Verdict.Fail && o.Look * interval <= limit) / Runs;

    /// <summary>Median minutes from the start to a Fail verdict, over the runs that failed (null when none did).</summary>
    public double? MedianMinutesToFail(TimeSpan interval) =>
        JudgeBenchmark.Median(Outcomes.Where(o => !o.Errored && o.Verdict == Verdict.Fail).Select(o => o.Look * interval.TotalMinutes));

    /// <summary>Median minutes from the start to the run's decision (its decisive look, or the last look).</summary>
    public double? MedianMinutesToDecision(TimeSpan interval) =>
        JudgeBenchmark.Median(Outcomes.Where(o => !o.Errored).Select(o => o.Look * interval.TotalMinutes));
}

/// <summary>One scenario and every judge's outcomes on the same simulated data.</summary>
public sealed record ScenarioResult(JudgeScenario Scenario, IReadOnlyList<ScenarioJudgeResult> Judges)
{
    /// <summary>The named judge's outcomes.</summary>
    public ScenarioJudgeResult Of(string judge) => Judges.Single(j => j.Judge == judge);
}

/// <summary>A rate with its count and 95% Wilson score interval.</summary>
public sealed record RateEstimate(int Count, int Total, double Rate, double Lower, double Upper)
{
    /// <summary>The rate of <paramref name="count"/> in <paramref name="total"/> with its 95% Wilson interval.</summary>
    public static RateEstimate Of(int count, int total)
    {
        if (total == 0)
        {
            return new RateEstimate(count, total, double.NaN, double.NaN, double.NaN);
        }

        const double Z = 1.959963984540054;
        var p = (double)count / total;
        var denominator = 1 + Z * Z / total;
        var centre = (p + Z * Z / (2 * total)) / denominator;
        var half = Z * Math.Sqrt(p * (1 - p) / total + Z * Z / (4.0 * total * total)) / denominator;
        return new RateEstimate(count, total, p, count == 0 ? 0 : Math.Max(0, centre - half), count == total ? 1 : Math.Min(1, centre + half));
    }

    /// <summary><c>0.40% (9/2250, 95% CI 0.21%..0.76%)</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Rate:0.00%} ({Count}/{Total}, 95% CI {Lower:0.00%}..{Upper:0.00%})");
}

/// <summary>One part of issue 4's first bar and whether it is met.</summary>
public sealed record BarPart(string Name, bool Met, string Detail);

/// <summary>Everything one benchmark run measured.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Errors</c>: Per judge that threw, the first exception's type and message; its runs have no verdict.</item>
/// </list>
/// </remarks>
public sealed record JudgeBenchReport(
    VerificationPlan Plan,
    JudgeBenchOptions Options,
    TrafficModel Model,
    IReadOnlyList<string> Judges,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyDictionary<string, string> Errors)
{
    /// <summary>The judge's false Fails over every A/A run.</summary>
    public RateEstimate FalseFails(string judge)
    {
        var results = Scenarios.Where(s => !s.Scenario.IsRegression).Select(s => s.Of(judge)).ToList();
        return RateEstimate.Of(results.Sum(r => r.Fails), results.Sum(r => r.Runs));
    }

    /// <summary>The judge's A/A verdicts of one kind.</summary>
    public int EqualVerdicts(string judge, Verdict verdict) =>
        Scenarios.Where(s => !s.Scenario.IsRegression).Sum(s => s.Of(judge).Count(verdict));

    /// <summary>The judge's Fails over every regression run (detection rate).</summary>
    public RateEstimate Detections(string judge)
    {
        var results = Scenarios.Where(s => s.Scenario.IsRegression).Select(s => s.Of(judge)).ToList();
        return RateEstimate.Of(results.Sum(r => r.Fails), results.Sum(r => r.Runs));
    }

    /// <summary>
    /// Issue 4's first bar for <paramref name="vigil"/> against <paramref name="kayenta"/>: false-fail rate at most 1%
    /// over at least 2,000 A/A verdicts; 2x errors at a 1% baseline with 50 canary requests per second detected in at
    /// least 95% of runs within 5 minutes; higher detection than the Kayenta-style judge at equal or lower false-fail rate.
    /// </summary>
    public IReadOnlyList<BarPart> CheckBar(string vigil, string kayenta)
    {
        var parts = new List<BarPart>();
        var falseFails = FalseFails(vigil);
        var errored = Errors.TryGetValue(vigil, out var error) ? $"; the judge failed: {error}" : "";
        parts.Add(new BarPart(
            "false-fail rate <= 1% over >= 2,000 A/A verdicts",
            errored.Length == 0 && falseFails.Total >= 2000 && falseFails.Rate <= 0.01,
            (falseFails.Total < 2000 ? $"only {falseFails.Total} A/A verdicts; " : "") + falseFails + errored));

        var target = Scenarios.FirstOrDefault(s => s.Scenario is { Kind: ScenarioKind.ErrorRate, ErrorFactor: 2, BaselineErrorRate: 0.01, CanaryRps: 50 });
        var limit = TimeSpan.FromMinutes(5);
        var within = target?.Of(vigil).FailRateWithin(limit, Plan.Interval) ?? double.NaN;
        parts.Add(new BarPart(
            "errors x2 @1% at 50 rps detected within 5m in >= 95% of runs",
            errored.Length == 0 && within >= 0.95,
            target is null ? "the suite has no such scenario" : string.Create(CultureInfo.InvariantCulture, $"{within:0.0%} of {target.Of(vigil).Runs} runs{errored}")));

        var detection = Detections(vigil);
        var kayentaDetection = Detections(kayenta);
        var kayentaFalseFails = FalseFails(kayenta);
        parts.Add(new BarPart(
            $"higher detection than {kayenta} at equal or lower false-fail rate",
            errored.Length == 0 && detection.Rate > kayentaDetection.Rate && falseFails.Rate <= kayentaFalseFails.Rate,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{vigil} detects {detection.Rate:0.0%} at {falseFails.Rate:0.00%} false fails; {kayenta} {kayentaDetection.Rate:0.0%} at {kayentaFalseFails.Rate:0.00%}{errored}")));
        return parts;
    }
}

/// <summary>
/// The judge benchmark: every scenario's runs drawn by <see cref="TrafficSimulator"/> and judged by every judge on
/// the same data, every interval as in production (look 1 sees one interval, look k the first k), stopping at the
/// first decisive look or at the plan's last look. Simulated time: nothing waits.
/// </summary>
public static class JudgeBenchmark
{
    /// <summary>The version named in the judges' sentences.</summary>
    public const string CanaryVersion = "canary";

    /// <summary>Runs <paramref name="suite"/> for <paramref name="judges"/> under <paramref name="plan"/>.</summary>
    public static JudgeBenchReport Run(
        VerificationPlan plan,
        IReadOnlyList<JudgeScenario> suite,
        IReadOnlyList<BenchJudge> judges,
        JudgeBenchOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(judges);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Runs, 1);
        var model = options.Model ?? TrafficModel.Default;
        var simulator = new TrafficSimulator(model);
        var looks = plan.PlannedLooks;
        var runs = options.Runs;
        var outcomes = new RunOutcome[suite.Count][][];
        for (var s = 0; s < suite.Count; s++)
        {
            outcomes[s] = [.. judges.Select(_ => new RunOutcome[runs])];
        }

        var errors = new ConcurrentDictionary<string, string>();
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.For(
            0,
            suite.Count * runs,
            parallel,
            () => judges.Select(j => j.Create()).ToArray(),
            (item, _, instances) =>
            {
                var s = item / runs;
                var r = item % runs;
                var intervals = simulator.Generate(suite[s], plan.Interval, looks, RunSeed(options.Seed, s, r));
                var observations = TrafficSimulator.Observations(plan, intervals);
                for (var j = 0; j < instances.Length; j++)
                {
                    outcomes[s][j][r] = Evaluate(plan, instances[j], judges[j].Name, observations, looks, errors);
                }

                return instances;
            },
            _ => { });

        var scenarios = suite.Select((scenario, s) => new ScenarioResult(
            scenario,
            [.. judges.Select((judge, j) => new ScenarioJudgeResult(judge.Name, outcomes[s][j]))])).ToList();
        return new JudgeBenchReport(plan, options, model, [.. judges.Select(j => j.Name)], scenarios, new Dictionary<string, string>(errors));
    }

    /// <summary>The median, or null for no values.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The seed of one run's data: a mix of the suite's seed, the scenario and the run.</summary>
    internal static ulong RunSeed(ulong seed, int scenario, int run) =>
        seed * 0x9E3779B97F4A7C15UL ^ ((ulong)scenario << 32) ^ (ulong)run;

    private static RunOutcome Evaluate(
        VerificationPlan plan, IVerificationJudge judge, string name, IntervalObservation[][] observations, int looks, ConcurrentDictionary<string, string> errors)
    {
        if (errors.ContainsKey(name))
        {
            return new RunOutcome(Verdict.Inconclusive, 0, Errored: true);
        }

        try
        {
            for (var look = 1; ; look++)
            {
                var histories = new MetricHistory[plan.Metrics.Count];
                for (var m = 0; m < histories.Length; m++)
                {
                    histories[m] = new MetricHistory(plan.Metrics[m], new ArraySegment<IntervalObservation>(observations[m], 0, look));
                }

                var verdict = judge.Judge(plan, histories, look, CanaryVersion);
                if (verdict.Decisive || look >= looks)
                {
                    return new RunOutcome(verdict.Verdict, look);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            errors.TryAdd(name, $"{e.GetType().Name}: {e.Message}");
            return new RunOutcome(Verdict.Inconclusive, 0, Errored: true);
        }
    }
}
