using Vigil.Core.PromQl;

namespace Vigil.Core.Verification.Runs;

/// <summary>
/// What a run step needs to know about its run: the run, its plan, the release it verifies, and when its looks count
/// from (<see cref="Anchor"/>: the run's start in canary mode, the release's start in before/after mode).
/// </summary>
/// <param name="Run">The run (its baseline version and mode are used).</param>
/// <param name="Plan">The plan the run started with.</param>
/// <param name="Service">The release's service.</param>
/// <param name="Environment">The release's environment.</param>
/// <param name="CanaryVersion">The release's version.</param>
/// <param name="Anchor">Look <c>k</c> covers the interval ending at <c>Anchor + k × Interval</c>.</param>
public sealed record RunContext(VerificationRun Run, VerificationPlan Plan, string Service, string Environment, string CanaryVersion, DateTimeOffset Anchor)
{
    /// <summary>The anchor for a run of <paramref name="mode"/>: the release's start for before/after, else the run's start.</summary>
    public static DateTimeOffset AnchorFor(ComparisonMode mode, DateTimeOffset runStartedAt, DateTimeOffset releaseStartedAt) =>
        mode == ComparisonMode.BeforeAfter ? releaseStartedAt : runStartedAt;
}

/// <summary>The outcome of one step: the judged interval to store, and the final verdict when the run stops.</summary>
/// <param name="Interval">The new interval (its look's verdict and this interval's observations).</param>
/// <param name="FinalVerdict">Set when the run stops now: the look was decisive or the last planned one.</param>
public sealed record RunStep(RunInterval Interval, Verdict? FinalVerdict);

/// <summary>
/// Advances a verification run by one look. Pure apart from the metrics source's answers: it never reads a clock
/// (<c>now</c> is a parameter). Look <c>k</c> (1-based) is due at <c>Anchor + k × Interval + evaluation delay</c> (the
/// delay lets the last span-metric flush of the interval land). A step collects the new interval of every metric,
/// appends it to the earlier intervals (kept on the stored <see cref="RunInterval"/>s), asks the judge for the look's
/// verdict over all intervals so far, and stops the run when the verdict is decisive or the look is the last planned one.
/// </summary>
/// <remarks>
/// Each stored interval keeps, per metric, only that interval's observation (and its seasonal windows in before/after
/// mode), so a long run's storage grows linearly; <see cref="Histories"/> rebuilds the judge's input from them.
/// In canary mode without a baseline version (none named, none with traffic at the start), the baseline is chosen
/// again at each look; while there is none, the look is Inconclusive with <see cref="BaselineSelector.NoBaselineReason"/>.
/// </remarks>
public sealed class VerificationRunStepper(IMetricsSource source, IVerificationJudge judge, TimeSpan evaluationDelay)
{
    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);
    private static readonly TimeSpan OneWeek = TimeSpan.FromDays(7);
    private readonly ObservationCollector _collector = new(source);

    /// <summary>When look <paramref name="look"/> (1-based) of a run is due.</summary>
    public DateTimeOffset DueAt(RunContext context, int look)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Anchor + (context.Plan.Interval * look) + evaluationDelay;
    }

    /// <summary>The look the next step makes: one after the last stored one.</summary>
    public static int NextLook(IReadOnlyList<RunInterval> previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        return previous.Count == 0 ? 1 : previous.Max(i => i.Look) + 1;
    }

    /// <summary>
    /// Makes the next look if it is due at <paramref name="now"/>; null when it is not due yet. Makes at most one look
    /// (a run behind by several looks catches up one call at a time).
    /// </summary>
    public async Task<RunStep?> StepAsync(RunContext context, IReadOnlyList<RunInterval> previous, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(previous);
        var look = NextLook(previous);
        if (now < DueAt(context, look))
        {
            return null;
        }

        var plan = context.Plan;
        var afterEnd = context.Anchor + (plan.Interval * look);
        var canaryValues = new TemplateValues(context.Service, context.Environment, context.CanaryVersion, context.Run.BaselineVersion, plan.Interval);

        string? baseline = context.Run.BaselineVersion;
        string? noBaseline = null;
        if (context.Run.Mode == ComparisonMode.Canary && string.IsNullOrEmpty(baseline))
        {
            var choice = await BaselineSelector.ChooseAsync(
                source, context.Service, context.Environment, context.CanaryVersion, plan.BaselineVersion, null, plan.Interval,
                afterEnd.ToUnixTimeMilliseconds(), cancellationToken);
            baseline = choice.Version;
            noBaseline = choice.Version is null ? choice.Reason : null;
        }

        var observations = new List<MetricHistory>(plan.Metrics.Count);
        foreach (var metric in plan.Metrics)
        {
            if (noBaseline is not null)
            {
                observations.Add(new MetricHistory(metric, [new IntervalObservation(afterEnd.ToUnixTimeMilliseconds(), SideObservation.Empty, SideObservation.Empty, noBaseline)]));
                continue;
            }

            var sides = canaryValues with { BaselineVersion = baseline };
            var baselineValues = sides.ForVersion(baseline ?? string.Empty);
            var observation = await CollectAsync(context, metric, look, sides, baselineValues, TimeSpan.Zero, cancellationToken);
            SeasonalHistory? seasonal = null;
            if (context.Run.Mode == ComparisonMode.BeforeAfter)
            {
                var day = await CollectAsync(context, metric, look, sides, baselineValues, OneDay, cancellationToken);
                var week = await CollectAsync(context, metric, look, sides, baselineValues, OneWeek, cancellationToken);
                seasonal = new SeasonalHistory([day], [week]);
            }

            observations.Add(new MetricHistory(metric, [observation], seasonal));
        }

        var histories = Histories(plan, previous.Select(p => p.Observations).Append(observations));
        var verdict = noBaseline is not null
            ? NoBaselineVerdict(plan, look, noBaseline)
            : judge.Judge(plan, histories, look, context.CanaryVersion);
        var interval = new RunInterval(context.Run.Id, look, afterEnd.ToUnixTimeMilliseconds(), verdict, observations);
        var stop = verdict.Decisive || look >= plan.PlannedLooks;
        return new RunStep(interval, stop ? verdict.Verdict : null);
    }

    /// <summary>
    /// The judge's input: per plan metric (in plan order), the observations of every look so far, oldest first. The
    /// seasonal windows are kept only when at least one of them has data (else null: the guard is skipped).
    /// </summary>
    public static IReadOnlyList<MetricHistory> Histories(VerificationPlan plan, IEnumerable<IReadOnlyList<MetricHistory>> looks)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(looks);
        var intervals = plan.Metrics.ToDictionary(m => m.Name, _ => new List<IntervalObservation>(), StringComparer.Ordinal);
        var days = plan.Metrics.ToDictionary(m => m.Name, _ => new List<IntervalObservation>(), StringComparer.Ordinal);
        var weeks = plan.Metrics.ToDictionary(m => m.Name, _ => new List<IntervalObservation>(), StringComparer.Ordinal);
        var seasonal = false;
        foreach (var look in looks)
        {
            foreach (var history in look)
            {
                if (!intervals.TryGetValue(history.Metric.Name, out var list))
                {
                    continue;
                }

                list.AddRange(history.Intervals);
                if (history.Seasonal is { } s)
                {
                    seasonal = true;
                    days[history.Metric.Name].AddRange(s.OneDayEarlier ?? []);
                    weeks[history.Metric.Name].AddRange(s.OneWeekEarlier ?? []);
                }
            }
        }

        return plan.Metrics.Select(m => new MetricHistory(
            m,
            intervals[m.Name],
            seasonal ? new SeasonalHistory(WithData(days[m.Name]), WithData(weeks[m.Name])) : null)).ToList();
    }

    /// <summary>The look's verdict when there is no baseline to compare with: Inconclusive, every metric Nodata.</summary>
    public static LookVerdict NoBaselineVerdict(VerificationPlan plan, int look, string reason)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var metrics = plan.Metrics.Select(m => new MetricJudgement(
            m.Name, m.Group, m.Kind, m.Critical, m.Weight, MetricClassification.Nodata, null, null, null, 0, 0,
            m.Kind == MetricKind.Continuous ? "intervals" : "requests",
            $"{m.Name}: not judged, {reason}.",
            "none",
            reason)).ToList();
        return new LookVerdict(Verdict.Inconclusive, 0, false, look, plan.PlannedLooks, metrics, $"Inconclusive: {reason}.");
    }

    private static List<IntervalObservation>? WithData(List<IntervalObservation> list) =>
        list.Any(o => o.Error is null && (ObservationCollector.HasData(o.Canary) || ObservationCollector.HasData(o.Baseline))) ? list : null;

    /// <summary>
    /// One interval of one metric, shifted <paramref name="shift"/> earlier (seasonal history). Canary mode: both sides
    /// at the interval's end. Before/after: the after side ends <c>look</c> intervals after the release start and the
    /// before side mirrors it, ending <c>look - 1</c> intervals before the start, so the before windows of looks
    /// 1..k are exactly the k intervals that end at the release start.
    /// </summary>
    private Task<IntervalObservation> CollectAsync(
        RunContext context, PlanMetric metric, int look, TemplateValues canary, TemplateValues baseline, TimeSpan shift, CancellationToken cancellationToken)
    {
        var interval = context.Plan.Interval;
        var afterEnd = context.Anchor + (interval * look) - shift;
        var beforeEnd = context.Run.Mode == ComparisonMode.BeforeAfter ? context.Anchor - (interval * (look - 1)) - shift : afterEnd;
        return _collector.CollectAsync(metric, canary, afterEnd.ToUnixTimeMilliseconds(), baseline, beforeEnd.ToUnixTimeMilliseconds(), cancellationToken);
    }
}
