using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Verification.Judging;

/// <summary>
/// Vigil's release judge. Each metric is compared on its own terms (count ratios on the cumulative counts with an
/// anytime-valid mixture SPRT, latency quantiles on the histogram's bucket counts, continuous metrics with Mann-Whitney
/// and the Hodges-Lehmann shift), every test is made valid over the plan's repeated looks, and the plan's false-Fail
/// budget is split over the metrics that can fail the release with Holm's step-down. A metric is High or Low only when it
/// is significantly beyond its allowed effect. <c>docs/verification.md</c> writes the statistics down.
/// </summary>
/// <remarks>Pure and deterministic: the same input gives the same verdict; it never reads a clock.</remarks>
public sealed class VerificationJudge : IVerificationJudge
{
    /// <inheritdoc/>
    public LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(metrics);
        look = Math.Max(1, look);
        var planned = plan.PlannedLooks;
        var final = look >= planned;
        var alpha = double.IsFinite(plan.FalseFailRate) ? Math.Clamp(plan.FalseFailRate, 1e-9, 0.5) : 0.01;
        var version = string.IsNullOrWhiteSpace(canaryVersion) ? "the canary" : canaryVersion;

        var cache = new MergedHistograms();
        var analyses = metrics.Where(m => m?.Metric is not null).Select(m => Analyze(plan, m, look, planned, cache)).ToList();

        // Holm over the metrics that can fail the release (weighted or critical); the budget of each is valid over all
        // looks already, so a false Fail at any look has probability at most alpha. Nodata metrics count in m (p = 1)
        // so that m does not change from look to look.
        var budgeted = analyses.Where(a => a.Budgeted).ToList();
        var adjusted = Holm.Adjust(budgeted.Select(a => a.Comparison is null ? 1.0 : a.PBad).ToList());
        for (var i = 0; i < budgeted.Count; i++)
        {
            budgeted[i].PAdjusted = adjusted[i];
        }

        var familyLevel = alpha / Math.Max(1, budgeted.Count);
        var judgements = analyses.Select(a => Classify(a, alpha, familyLevel, version)).ToList();
        return RollUp(plan, analyses, judgements, look, planned, final);
    }

    private static Analysis Analyze(VerificationPlan plan, MetricHistory history, int look, int planned, MergedHistograms cache)
    {
        var metric = history.Metric;
        var analysis = new Analysis(metric);
        var intervals = history.Intervals ?? [];
        var usable = intervals.Where(i => i?.Canary is not null && i.Baseline is not null && i.Error is null).ToList();
        var failed = intervals.Where(i => i is not null && i.Error is not null).ToList();
        if (failed.Count > 0 && usable.Count == 0)
        {
            analysis.NodataReason = $"the query failed: {failed[^1].Error}";
            return analysis;
        }

        if (failed.Count > 0)
        {
            analysis.Notes.Add($"{failed.Count} of {intervals.Count} intervals were left out because the query failed ({failed[^1].Error})");
        }

        if (usable.Count == 0)
        {
            analysis.NodataReason = "no intervals yet";
            analysis.LackOfData = true;
            return analysis;
        }

        var comparison = Compare(metric, usable, look, planned, cache, out var problem);
        if (comparison is null)
        {
            analysis.NodataReason = problem;
            analysis.LackOfData = true;
            return analysis;
        }

        analysis.Comparison = comparison;
        var minimum = metric.Kind == MetricKind.Continuous ? plan.MinimumIntervals : plan.MinimumRequests;
        if (comparison.CanarySamples < minimum || comparison.BaselineSamples < minimum)
        {
            analysis.NodataReason = $"needs at least {Text.Count(minimum)} {comparison.Unit} on each side, has {Text.Count(comparison.CanarySamples)} on the canary and {Text.Count(comparison.BaselineSamples)} on the baseline";
            analysis.LackOfData = true;
            return analysis;
        }

        var allowed = double.IsFinite(metric.AllowedEffect) ? Math.Max(0, metric.AllowedEffect) : 0.1;
        var (guardUp, guardDown) = plan.Mode == ComparisonMode.BeforeAfter ? SeasonalGuard(analysis, history, look, planned) : (0, 0);
        analysis.HighMargin = allowed + guardUp;
        analysis.LowMargin = comparison.Relative ? -Math.Min(0.99, allowed + guardDown) : -(allowed + guardDown);
        var harmlessLow = comparison.Relative ? -Math.Min(0.99, allowed) : -allowed;
        switch (metric.Direction)
        {
            case MetricDirection.Increase:
                analysis.BadHigh = true;
                analysis.PBad = comparison.PGreater(analysis.HighMargin);
                analysis.PHarmless = () => comparison.PLess(harmlessLow);
                break;
            case MetricDirection.Decrease:
                analysis.BadHigh = false;
                analysis.PBad = comparison.PLess(analysis.LowMargin);
                analysis.PHarmless = () => comparison.PGreater(allowed);
                break;
            default:
                var greater = comparison.PGreater(analysis.HighMargin);
                var less = comparison.PLess(analysis.LowMargin);
                analysis.BadHigh = greater < less || (greater == less && comparison.Effect.Estimate >= 0);
                analysis.PBad = Math.Min(1, 2 * Math.Min(greater, less));
                break;
        }

        analysis.EValue = comparison.EValue(analysis.BadHigh ? analysis.HighMargin : analysis.LowMargin, analysis.BadHigh);
        return analysis;
    }

    private static MetricComparison? Compare(PlanMetric metric, IReadOnlyList<IntervalObservation> intervals, int look, int planned, MergedHistograms? cache, out string problem)
    {
        problem = string.Empty;
        switch (metric.Kind)
        {
            case MetricKind.CountRatio:
                return CountRatioComparison.Create(intervals);
            case MetricKind.LatencyHistogram:
                if (metric.Quantile is not { } q || !(q > 0 && q < 1))
                {
                    problem = "the plan gives this histogram metric no quantile between 0 and 1";
                    return null;
                }

                var histogram = HistogramComparison.Create(intervals, q, look, planned, cache);
                if (histogram is null)
                {
                    problem = "no histogram buckets on either side";
                }

                return histogram;
            default:
                return ContinuousComparison.Create(intervals, look, planned);
        }
    }

    private static (double Up, double Down) SeasonalGuard(Analysis analysis, MetricHistory history, int look, int planned)
    {
        var main = analysis.Comparison!;
        double? Effect(IReadOnlyList<IntervalObservation>? intervals)
        {
            var usable = intervals?.Where(i => i?.Canary is not null && i.Baseline is not null && i.Error is null).ToList();
            if (usable is null || usable.Count == 0)
            {
                return null;
            }

            var comparison = Compare(history.Metric, usable, look, planned, null, out _);
            return comparison is null || comparison.CanarySamples <= 0 || comparison.BaselineSamples <= 0
                || comparison.Relative != main.Relative || !double.IsFinite(comparison.Effect.Estimate)
                ? null
                : comparison.Effect.Estimate;
        }

        var day = Effect(history.Seasonal?.OneDayEarlier);
        var week = Effect(history.Seasonal?.OneWeekEarlier);
        if (day is null && week is null)
        {
            analysis.Notes.Add("before/after guard skipped: no history of the same windows one day or one week earlier");
            return (0, 0);
        }

        var seen = new[] { day, week }.Where(e => e is not null).Select(e => e!.Value).ToList();
        var up = Math.Max(0, seen.Max());
        var down = Math.Max(0, -seen.Min());
        var parts = new List<string>();
        parts.Add(day is null ? "no history one day earlier" : $"{Signed(day.Value, main.Relative)} one day earlier");
        parts.Add(week is null ? "no history one week earlier" : $"{Signed(week.Value, main.Relative)} one week earlier");
        var bar = history.Metric.Direction == MetricDirection.Decrease
            ? $"Low needs more than {Text.Effect(Math.Min(0.99, history.Metric.AllowedEffect + down), main.Relative)} lower"
            : $"High needs more than {Text.Effect(history.Metric.AllowedEffect + up, main.Relative)}";
        analysis.Notes.Add($"before/after guard: the same windows moved {string.Join(" and ", parts)}, so {bar}");
        return (up, down);

        static string Signed(double value, bool relative) => (value >= 0 ? "+" : string.Empty) + Text.Effect(value, relative);
    }

    private static MetricJudgement Classify(Analysis a, double alpha, double familyLevel, string version)
    {
        var metric = a.Metric;
        var label = Text.Label(metric.Name);
        var c = a.Comparison;
        if (a.NodataReason is not null)
        {
            var sentence = $"{label}: no verdict, {a.NodataReason}";
            return Judgement(a, MetricClassification.Nodata, null, sentence, Reason(a, a.NodataReason));
        }

        // Budgeted metrics use their Holm-adjusted p against the whole budget; informational ones their own p.
        var p = a.Budgeted ? a.PAdjusted : a.PBad;
        var main = MainSentence(label, c!, version);
        if (p <= alpha)
        {
            a.Failing = a.Budgeted;
            var classification = a.BadHigh ? MetricClassification.High : MetricClassification.Low;
            var margin = a.BadHigh ? a.HighMargin : a.LowMargin;
            var why = $"significantly {(a.BadHigh ? "above" : "below")} the allowed effect of {Text.Effect(margin, c!.Relative)} (p = {Text.Probability(p)} after Holm and looks, budget {Text.Probability(alpha)})";
            return Judgement(a, classification, p, main, Reason(a, why));
        }

        var harmlessLevel = a.Budgeted ? familyLevel : alpha;
        if (metric.Direction != MetricDirection.Either && a.PHarmless() <= harmlessLevel)
        {
            var classification = a.BadHigh ? MetricClassification.Low : MetricClassification.High;
            var why = $"significantly {(a.BadHigh ? "lower" : "higher")}, which is the harmless direction for this metric";
            return Judgement(a, classification, p, main, Reason(a, why));
        }

        var estimate = c!.Effect.Estimate;
        var beyondHigh = metric.Direction != MetricDirection.Decrease && estimate > a.HighMargin;
        var beyondLow = metric.Direction != MetricDirection.Increase && estimate < a.LowMargin;
        if (c is CountRatioComparison counts)
        {
            // Counts: no event on the side that would be bad means nothing points to a regression. Otherwise, when even
            // every event on the bad side could not reach the budget, the counts are too sparse to decide: never a Pass.
            var checkHigh = metric.Direction != MetricDirection.Decrease;
            var checkLow = metric.Direction != MetricDirection.Increase;
            var badEvents = (checkHigh ? counts.CanaryEvents : 0) + (checkLow ? counts.BaselineEvents : 0);
            if (badEvents <= 0)
            {
                var why = counts.CanaryEvents + counts.BaselineEvents <= 0
                    ? "no events on either side"
                    : $"no events on the {(checkHigh ? "canary" : "baseline")}, so nothing points to a {(checkHigh ? "rise" : "fall")}";
                return Judgement(a, MetricClassification.Pass, p, main, Reason(a, why));
            }

            var extreme = Math.Max(
                checkHigh ? counts.ExtremeEValue(a.HighMargin, greater: true) : 0,
                checkLow ? counts.ExtremeEValue(a.LowMargin, greater: false) : 0);
            if (extreme < 1 / familyLevel)
            {
                a.LackOfData = true;
                a.Undecided = true;
                var minimum = Math.Min(
                    checkHigh ? counts.MinimumEvents(a.HighMargin, greater: true, familyLevel) : double.PositiveInfinity,
                    checkLow ? counts.MinimumEvents(a.LowMargin, greater: false, familyLevel) : double.PositiveInfinity);
                var events = counts.CanaryEvents + counts.BaselineEvents;
                var rate = events / (counts.CanarySamples + counts.BaselineSamples);
                var requests = double.IsFinite(minimum) && rate > 0 ? $" (about {Text.Count(Math.Ceiling(Math.Max(0, minimum - events) / rate))} more requests at the current rates)" : string.Empty;
                var why = $"{Text.Count(counts.CanaryEvents)} vs {Text.Count(counts.BaselineEvents)} events are too sparse to decide at the error budget: even with every event on the {(checkHigh ? "canary" : "baseline")} the e-value would reach only {Text.Probability(extreme)} of the {Text.Probability(1 / familyLevel)} needed; it takes at least {Text.Count(minimum)} events in all{requests}";
                return Judgement(a, MetricClassification.Nodata, p, main, Reason(a, why));
            }
        }

        // The estimate is past the allowed effect and the plain 95% interval does not reach below no change, but the
        // evidence is short of the budget: undecided rather than a silent Pass.
        var suggestive = (beyondHigh && c.Effect.Lower >= 0) || (beyondLow && c.Effect.Upper <= 0);
        if (suggestive)
        {
            a.LackOfData = true;
            a.Undecided = true;
            var margin = beyondHigh ? a.HighMargin : a.LowMargin;
            var evidence = c is CountRatioComparison sparse
                ? $"the counts ({Text.Count(sparse.CanaryEvents)} vs {Text.Count(sparse.BaselineEvents)} events, e-value {Text.Probability(a.EValue ?? 1)}, needs {Text.Probability(1 / familyLevel)}) do not decide it at the error budget yet"
                : $"the difference is not significant at the error budget yet (p = {Text.Probability(p)}, needs {Text.Probability(alpha)})";
            var need = c.Needed(margin, beyondHigh, familyLevel);
            var more = need is not null ? $"; {need} would decide it if the difference holds"
                : c is HistogramComparison ? "; the histogram's buckets may be too coarse to resolve this difference"
                : string.Empty;
            var why = $"{(beyondHigh ? "higher" : "lower")} than the allowed {Text.Effect(Math.Abs(margin), c.Relative)}, but {evidence}{more}";
            return Judgement(a, MetricClassification.Nodata, p, main, Reason(a, why));
        }

        var noise = beyondHigh || beyondLow
            ? $"the estimate is past the allowed {Text.Effect(Math.Abs(beyondHigh ? a.HighMargin : a.LowMargin), c.Relative)} but its 95% interval includes no change, so it is within noise"
            : null;
        return Judgement(a, MetricClassification.Pass, p, main, Reason(a, noise));
    }

    private static string MainSentence(string label, MetricComparison c, string version)
    {
        var samples = $"over {Text.Count(c.CanarySamples)} vs {Text.Count(c.BaselineSamples)} {c.Unit}";
        if (c is CountRatioComparison { CanaryEvents: <= 0, BaselineEvents: <= 0 })
        {
            return $"{label} has no events on either side {samples}";
        }

        var e = c.Effect;
        return $"{label} is {Text.Change(e.Estimate, e.Relative)} on {version} (95% CI {Text.Effect(e.Lower, e.Relative)}..{Text.Effect(e.Upper, e.Relative)}) {samples}: {c.Values}";
    }

    private static string? Reason(Analysis a, string? main)
    {
        var parts = new List<string>();
        if (main is not null)
        {
            parts.Add(main);
        }

        parts.AddRange(a.Notes);
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static MetricJudgement Judgement(Analysis a, MetricClassification classification, double? p, string sentence, string? reason)
    {
        var c = a.Comparison;
        a.Classification = classification;
        a.Sentence = sentence;
        a.Reason = reason;
        var metric = a.Metric;
        return new MetricJudgement(
            metric.Name,
            metric.Group,
            metric.Kind,
            metric.Critical,
            metric.Weight,
            classification,
            a.NodataReason is null ? c?.Effect : null,
            p,
            a.NodataReason is null ? a.EValue : null,
            c?.CanarySamples ?? 0,
            c?.BaselineSamples ?? 0,
            c?.Unit ?? (metric.Kind == MetricKind.Continuous ? "intervals" : "requests"),
            sentence,
            c?.Method ?? MethodName(metric.Kind),
            reason);
    }

    private static string MethodName(MetricKind kind) => kind switch
    {
        MetricKind.CountRatio => "mixture SPRT on the conditional binomial of the event counts",
        MetricKind.LatencyHistogram => "quantile ratio from order statistics over the histogram buckets",
        _ => "Mann-Whitney U and Hodges-Lehmann shift",
    };

    private static LookVerdict RollUp(VerificationPlan plan, List<Analysis> analyses, List<MetricJudgement> judgements, int look, int planned, bool final)
    {
        var weighted = analyses.Where(a => a.Metric.Weight > 0 && double.IsFinite(a.Metric.Weight)).ToList();
        var judged = weighted.Where(a => a.Classification != MetricClassification.Nodata).ToList();
        var judgedWeight = judged.Sum(a => a.Metric.Weight);
        var passWeight = judged.Where(a => !a.Failing).Sum(a => a.Metric.Weight);
        var score = judgedWeight > 0 ? Math.Round(100 * passWeight / judgedWeight, 1) : 0;
        var deciding = analyses.Where(a => a.Budgeted).ToList();
        var failing = analyses.Where(a => a.Failing).ToList();
        var criticalFailing = failing.Where(a => a.Metric.Critical).ToList();
        var nodata = deciding.Where(a => a.Classification == MetricClassification.Nodata).ToList();

        Verdict verdict;
        bool decisive;
        string summary;
        if (criticalFailing.Count > 0)
        {
            verdict = Verdict.Fail;
            decisive = true;
            summary = $"Fail: {(criticalFailing.Count == 1 ? "critical metric" : $"{criticalFailing.Count} critical metrics")} failed: {Sentences(criticalFailing)}.";
        }
        else if (deciding.Count == 0 || nodata.Count == deciding.Count)
        {
            verdict = Verdict.Inconclusive;
            decisive = final;
            summary = deciding.Count == 0
                ? "Inconclusive: the plan has no weighted or critical metric."
                : $"Inconclusive: no metric could be judged yet: {Reasons(nodata)}.";
        }
        else if (score < plan.MarginalThreshold && failing.Count > 0)
        {
            verdict = Verdict.Fail;
            decisive = true;
            summary = $"Fail: score {Text.Number(score)} is below the marginal threshold {Text.Number(plan.MarginalThreshold)}: {Sentences(failing)}.";
        }
        else if (nodata.Any(a => a.Metric.Critical) || (final && nodata.Any(a => a.LackOfData && !a.Undecided)))
        {
            // A critical metric without a verdict keeps the release from passing; at the last look so does any weighted
            // metric short of its minimum samples. A non-critical metric that is merely undecided is left out of the score.
            verdict = Verdict.Inconclusive;
            decisive = final;
            var blocking = nodata.Where(a => a.Metric.Critical || (a.LackOfData && !a.Undecided)).ToList();
            summary = $"Inconclusive{(final ? " at the last planned look" : string.Empty)}: {Reasons(blocking)}.";
        }
        else if (score >= plan.PassThreshold)
        {
            verdict = Verdict.Pass;
            decisive = final || deciding.All(Equivalent);
            var shown = deciding.Where(a => a.Metric.Critical && a.Classification != MetricClassification.Nodata).ToList();
            if (shown.Count == 0)
            {
                shown = judged;
            }

            summary = $"Pass: score {Text.Number(score)}; {Sentences(shown)}.";
            if (nodata.Count > 0)
            {
                summary += $" Not judged: {Reasons(nodata)}.";
            }
        }
        else
        {
            verdict = score >= plan.MarginalThreshold ? Verdict.Marginal : Verdict.Fail;
            decisive = verdict == Verdict.Fail || final;
            summary = $"{verdict}: score {Text.Number(score)} (pass needs {Text.Number(plan.PassThreshold)}): {Sentences(failing)}.";
        }

        return new LookVerdict(verdict, score, decisive, look, planned, judgements, summary);
    }

    private static bool Equivalent(Analysis a)
    {
        if (a.Classification == MetricClassification.Nodata || a.Failing || a.Comparison is null)
        {
            return false;
        }

        var e = a.Comparison.Effect;
        return a.Metric.Direction switch
        {
            MetricDirection.Increase => e.Upper <= a.HighMargin,
            MetricDirection.Decrease => e.Lower >= a.LowMargin,
            _ => e.Upper <= a.HighMargin && e.Lower >= a.LowMargin,
        };
    }

    private static string Sentences(IEnumerable<Analysis> analyses) => string.Join("; ", analyses.Select(a => a.Sentence));

    private static string Reasons(IEnumerable<Analysis> analyses) =>
        string.Join("; ", analyses.Select(a => a.NodataReason is not null ? $"{Text.Label(a.Metric.Name)}: {a.NodataReason}" : $"{a.Sentence} ({a.Reason})"));

    private sealed class Analysis(PlanMetric metric)
    {
        public PlanMetric Metric { get; } = metric;

        /// <summary>Weighted or critical: can fail the release, so it takes a share of the budget.</summary>
        public bool Budgeted { get; } = metric.Critical || (metric.Weight > 0 && double.IsFinite(metric.Weight));

        public MetricComparison? Comparison { get; set; }

        public string? NodataReason { get; set; }

        public bool LackOfData { get; set; }

        public bool Undecided { get; set; }

        public double HighMargin { get; set; }

        public double LowMargin { get; set; }

        public bool BadHigh { get; set; } = true;

        public double PBad { get; set; } = 1;

        /// <summary>Computed only when needed: most metrics are decided before the harmless direction matters.</summary>
        public Func<double> PHarmless { get; set; } = static () => 1;

        public double PAdjusted { get; set; } = 1;

        public double? EValue { get; set; }

        public bool Failing { get; set; }

        public MetricClassification Classification { get; set; }

        public string Sentence { get; set; } = string.Empty;

        public string? Reason { get; set; }

        public List<string> Notes { get; } = [];
    }
}
