using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Vigil.Cli.Apply;
using Vigil.Cli.Output;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Judging;
using Vigil.Core.Verification.Kayenta;
using Vigil.Core.Verification.Plans;
using Vigil.Core.Verification.Simulation;

namespace Vigil.Cli.Bench;

/// <summary>
/// <c>vigil bench judge [--runs N] [--seed S]</c>: runs the generated suite with known truth (A/A pairs, error-rate
/// regressions, latency shifts, canary traffic from 1 to 200 requests per second) through Vigil's judge and the
/// Kayenta-style judge on the same data, every interval in simulated time under the default plan (and the Kayenta-style
/// judge once more, run only at the last look, for a comparison at an equal false-fail rate), prints false-fail and
/// detection figures and checks issue 4's first bar: exit 0 when it is met, 1 when not (saying which part).
/// </summary>
internal static class JudgeBenchCommand
{
    /// <summary>Vigil's judge in the report.</summary>
    public const string Vigil = "vigil";

    /// <summary>The Kayenta-style judge in the report.</summary>
    public const string Kayenta = "kayenta-style";

    /// <summary>The Kayenta-style judge run once, at the last look (no repeated looks, so no inflated false alarms).</summary>
    public const string KayentaOnce = "kayenta-once";

    public static Command Create(CliContext context)
    {
        var runs = new Option<int>("--runs")
        {
            Description = "Runs per scenario. Default 150 (2,250 A/A verdicts per judge; the bar needs at least 2,000).",
            DefaultValueFactory = _ => 150,
        };
        var seed = new Option<long>("--seed") { Description = "Seed of the generated data. Default 1.", DefaultValueFactory = _ => 1 };
        var planFile = new Option<string?>("--plan")
        {
            Description = "A file with one kind: VerificationPlan document to measure instead of the built-in default plan " +
                "(its metrics' kinds, directions, allowed effects, quantiles, weights and its budget count; the simulator " +
                "supplies the data, so queries are not run).",
            HelpName = "FILE",
        };
        var command = new Command(
            "judge",
            "Measure Vigil's release judge against a Kayenta-style judge on simulated canaries with known truth, and check issue 4's first bar.")
        {
            runs, seed, planFile,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var runCount = parseResult.GetValue(runs);
            if (runCount is < 1 or > 100_000)
            {
                await context.Error.WriteLineAsync("error: --runs must be between 1 and 100000.");
                return ExitCodes.Usage;
            }

            var seedValue = parseResult.GetValue(seed);
            if (seedValue < 0)
            {
                await context.Error.WriteLineAsync("error: --seed must be zero or positive.");
                return ExitCodes.Usage;
            }

            var plan = DefaultVerificationPlan.Plan;
            if (parseResult.GetValue(planFile) is { } path)
            {
                var plans = await LocalDocuments.ReadAsync(context, path, VerificationPlanYaml.Kind, VerificationPlanYaml.Parse, cancellationToken);
                if (plans is null)
                {
                    return ExitCodes.Usage;
                }

                if (plans.Count > 1)
                {
                    await context.Error.WriteLineAsync($"error: '{Display.Safe(path)}' holds {plans.Count} verification plans; give a file with one.");
                    return ExitCodes.Usage;
                }

                plan = plans[0];
            }

            var suite = JudgeScenario.Suite();
            BenchJudge[] judges =
            [
                new(Vigil, () => new VerificationJudge()),
                new(Kayenta, () => new KayentaJudge()),
                new(KayentaOnce, () => new FinalLookJudge(new KayentaJudge())),
            ];
            var watch = Stopwatch.StartNew();
            var report = JudgeBenchmark.Run(plan, suite, judges, new JudgeBenchOptions(runCount, (ulong)seedValue), cancellationToken);
            watch.Stop();
            var bar = report.CheckBar(Vigil, Kayenta);
            foreach (var (judge, error) in report.Errors.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                await context.Error.WriteLineAsync($"error: the {judge} judge failed, its runs have no verdict: {error}");
            }

            if (context.Format(parseResult) == OutputFormat.Json)
            {
                WriteJson(context, report, bar, watch.Elapsed);
            }
            else
            {
                await WriteTablesAsync(context.Out, report, bar, watch.Elapsed);
            }

            return bar.All(p => p.Met) && report.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static async Task WriteTablesAsync(TextWriter output, JudgeBenchReport report, IReadOnlyList<BarPart> bar, TimeSpan elapsed)
    {
        var plan = report.Plan;
        var interval = plan.Interval;
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{report.Scenarios.Count} scenarios x {report.Options.Runs} runs, seed {report.Options.Seed}; plan '{plan.Name}' " +
            $"(interval {Minutes(interval.TotalMinutes)}, {plan.PlannedLooks} looks, stop at the first decisive look); " +
            $"baseline traffic {report.Model.BaselineTrafficRatio:0.##}x the canary's; {elapsed.TotalSeconds:0.0} s"));
        await output.WriteLineAsync();

        var summary = new Table("JUDGE", "A/A_VERDICTS", "FALSE_FAIL", "95%_CI", "PASS", "MARGINAL", "INCONCLUSIVE", "DETECTION");
        foreach (var judge in report.Judges)
        {
            var falseFails = report.FalseFails(judge);
            var detections = report.Detections(judge);
            summary.Add(
                judge,
                falseFails.Total.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{Percent(falseFails.Rate, "0.00")} ({falseFails.Count})"),
                string.Create(CultureInfo.InvariantCulture, $"{Percent(falseFails.Lower, "0.00")}..{Percent(falseFails.Upper, "0.00")}"),
                report.EqualVerdicts(judge, Verdict.Pass).ToString(CultureInfo.InvariantCulture),
                report.EqualVerdicts(judge, Verdict.Marginal).ToString(CultureInfo.InvariantCulture),
                report.EqualVerdicts(judge, Verdict.Inconclusive).ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{Percent(detections.Rate, "0.0")} ({detections.Count}/{detections.Total})"));
        }

        summary.WriteTo(output);
        await output.WriteLineAsync();

        // Per effect, pooled over canary traffic: Fail share and median minutes to the Fail.
        var byEffect = new Table([.. new[] { "EFFECT", "RUNS" }.Concat(report.Judges.SelectMany(j => new[] { Column(j, "FAIL"), Column(j, "TTF") }))]);
        foreach (var group in report.Scenarios.GroupBy(s => s.Scenario.Effect))
        {
            var cells = new List<string?> { group.Key, group.Sum(s => s.Of(report.Judges[0]).Outcomes.Count).ToString(CultureInfo.InvariantCulture) };
            foreach (var judge in report.Judges)
            {
                var results = group.Select(s => s.Of(judge)).ToList();
                var runs = results.Sum(r => r.Runs);
                var fails = results.Sum(r => r.Fails);
                cells.Add(Percent(runs == 0 ? double.NaN : (double)fails / runs, "0.0"));
                cells.Add(Minutes(JudgeBenchmark.Median(results.SelectMany(r => r.Outcomes).Where(o => !o.Errored && o.Verdict == Verdict.Fail).Select(o => o.Look * interval.TotalMinutes))));
            }

            byEffect.Add([.. cells]);
        }

        byEffect.WriteTo(output);
        await output.WriteLineAsync();

        var scenarios = new Table([.. new[] { "SCENARIO", "RPS", "RUNS" }.Concat(report.Judges.SelectMany(j => new[] { Column(j, "FAIL"), Column(j, "TTF"), Column(j, "DECIDED") }))]);
        foreach (var scenario in report.Scenarios)
        {
            var cells = new List<string?>
            {
                scenario.Scenario.Effect,
                scenario.Scenario.CanaryRps.ToString("0.#", CultureInfo.InvariantCulture),
                report.Options.Runs.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var judge in report.Judges)
            {
                var result = scenario.Of(judge);
                cells.Add(Percent(result.FailRate, "0.0"));
                cells.Add(Minutes(result.MedianMinutesToFail(interval)));
                cells.Add(Minutes(result.MedianMinutesToDecision(interval)));
            }

            scenarios.Add([.. cells]);
        }

        scenarios.WriteTo(output);
        await output.WriteLineAsync();
        await output.WriteLineAsync("FAIL: share of runs whose verdict was Fail (false fails on A/A, detections otherwise); TTF: median minutes to the Fail;");
        await output.WriteLineAsync("DECIDED: median minutes to the run's decision (its first decisive look, else the last look). 95% CI: Wilson score.");
        await output.WriteLineAsync();
        foreach (var part in bar)
        {
            await output.WriteLineAsync($"bar: {part.Name}: {(part.Met ? "met" : "NOT met")} ({part.Detail})");
        }

        await output.WriteLineAsync(bar.All(p => p.Met) && report.Errors.Count == 0 ? "first bar met" : "first bar NOT met");
    }

    private static void WriteJson(CliContext context, JudgeBenchReport report, IReadOnlyList<BarPart> bar, TimeSpan elapsed)
    {
        var interval = report.Plan.Interval;
        JsonOutput.Write(context.Out, new
        {
            plan = report.Plan.Name,
            intervalSeconds = interval.TotalSeconds,
            looks = report.Plan.PlannedLooks,
            runs = report.Options.Runs,
            seed = report.Options.Seed,
            model = report.Model,
            elapsedSeconds = elapsed.TotalSeconds,
            judges = report.Judges.Select(judge => new
            {
                name = judge,
                falseFails = Rate(report.FalseFails(judge)),
                falseFailsByLook = Enumerable.Range(1, report.Plan.PlannedLooks).Select(look => report.Scenarios
                    .Where(s => !s.Scenario.IsRegression)
                    .Sum(s => s.Of(judge).Outcomes.Count(o => !o.Errored && o.Verdict == Verdict.Fail && o.Look == look))),
                detections = Rate(report.Detections(judge)),
                error = report.Errors.GetValueOrDefault(judge),
            }),
            scenarios = report.Scenarios.Select(s => new
            {
                name = s.Scenario.Name,
                effect = s.Scenario.Effect,
                kind = s.Scenario.Kind.ToString(),
                canaryRps = s.Scenario.CanaryRps,
                baselineErrorRate = s.Scenario.BaselineErrorRate,
                errorFactor = s.Scenario.ErrorFactor,
                latencyShift = s.Scenario.LatencyShift,
                judges = s.Judges.Select(j => new
                {
                    name = j.Judge,
                    runs = j.Runs,
                    pass = j.Count(Verdict.Pass),
                    marginal = j.Count(Verdict.Marginal),
                    fail = j.Fails,
                    inconclusive = j.Count(Verdict.Inconclusive),
                    failRate = Finite(j.FailRate),
                    failWithin5Minutes = Finite(j.FailRateWithin(TimeSpan.FromMinutes(5), interval)),
                    medianMinutesToFail = j.MedianMinutesToFail(interval),
                    medianMinutesToDecision = j.MedianMinutesToDecision(interval),
                }),
            }),
            bar = bar.Select(p => new { name = p.Name, met = p.Met, detail = p.Detail }),
            barMet = bar.All(p => p.Met) && report.Errors.Count == 0,
        });
    }

    private static string Column(string judge, string figure) => judge.ToUpperInvariant().Replace('-', '_') + "_" + figure;

    private static string? Percent(double rate, string format) =>
        double.IsNaN(rate) ? null : (rate * 100).ToString(format, CultureInfo.InvariantCulture) + "%";

    private static string? Minutes(double? minutes) =>
        minutes is { } m ? m.ToString("0.#", CultureInfo.InvariantCulture) + "m" : null;

    private static object Rate(RateEstimate rate) => new
    {
        count = rate.Count,
        total = rate.Total,
        rate = Finite(rate.Rate),
        lower95 = Finite(rate.Lower),
        upper95 = Finite(rate.Upper),
    };

    private static double? Finite(double value) => double.IsNaN(value) ? null : value;
}
