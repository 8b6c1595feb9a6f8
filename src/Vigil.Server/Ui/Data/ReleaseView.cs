using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Client.Contracts;
using Vigil.Core.Declarative;
using Vigil.Core.PromQl;
using Vigil.Core.Releases;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Runs;
using Vigil.Server.Verification;
using Vigil.Storage.State;

namespace Vigil.Server.Ui.Data;

/// <summary>
/// Everything the release page shows, read once per request from the same stores and coordinator the REST API uses
/// (<c>/api/v1/releases/{id}</c>, <c>/verdict</c>, <c>/intervals</c>, <c>/timeline</c>).
/// </summary>
/// <param name="Release">The release.</param>
/// <param name="Run">Its latest verification run, or null when none has started.</param>
/// <param name="Verdict">The verdict as the API answers it (run state, verdict, score, look, metrics).</param>
/// <param name="Plan">The plan the run started with (or, with no run, the plan that would apply); null when it no longer reads.</param>
/// <param name="PlanError">Why the plan could not be read, or null.</param>
/// <param name="Intervals">The latest judged looks, oldest first, at most <see cref="ReleaseViewReader.MaxIntervals"/>.</param>
/// <param name="IntervalCount">How many looks the run has in all.</param>
/// <param name="Events">The latest timeline events, oldest first, at most <see cref="ReleaseViewReader.MaxEvents"/>.</param>
/// <param name="EventCount">How many events were read (at most <see cref="SqliteReleaseStore.MaxEventsLimit"/>).</param>
/// <param name="Charts">A canary-vs-baseline chart per plan metric (empty without a run).</param>
/// <param name="Baseline">The baseline version compared with: the run's, or (a canary run that chooses it at each look) the one the judge would choose now; null when none.</param>
/// <param name="BaselineNote">How <paramref name="Baseline"/> was chosen when the run did not fix it, or null.</param>
/// <param name="NextLookDue">When the next look of a running run is due, or null.</param>
/// <param name="AutoStart">Whether the verification loop starts runs for new releases by itself.</param>
/// <param name="Now">The time the view was read.</param>
public sealed record ReleaseView(
    Release Release,
    VerificationRun? Run,
    VerdictDto Verdict,
    VerificationPlan? Plan,
    string? PlanError,
    IReadOnlyList<RunIntervalDto> Intervals,
    int IntervalCount,
    IReadOnlyList<ReleaseEvent> Events,
    int EventCount,
    IReadOnlyList<ReleaseMetricChart> Charts,
    string? Baseline,
    string? BaselineNote,
    DateTimeOffset? NextLookDue,
    bool AutoStart,
    DateTimeOffset Now)
{
    /// <summary>True once nothing changes without someone acting: the run ended, or no run will start by itself.</summary>
    public bool Final => Run is not null
        ? Run.State != RunState.Running
        : Release.State is not (ReleaseState.Pending or ReleaseState.Verifying) || !AutoStart;

    /// <summary>The release's state as the API writes it (<c>pending</c>, <c>verifying</c>, <c>failed</c>, ...).</summary>
    public string StateText => SqliteReleaseStore.StateText(Release.State);

    /// <summary>The metrics of the latest look, failing ones first (critical first), then no-data ones, then passing ones; plan order within each.</summary>
    public IReadOnlyList<MetricJudgementDto> OrderedMetrics => ReleaseText.Ordered(Verdict.Metrics);
}

/// <summary>Reads a <see cref="ReleaseView"/>: the release, its latest run with its looks, its timeline and its charts.</summary>
internal sealed partial class ReleaseViewReader(
    VerificationCoordinator coordinator,
    IRunPlanSource plans,
    IMetricsSource metrics,
    VerificationOptions options,
    TimeProvider time)
{
    /// <summary>Looks listed in the history: the latest 100 (a long run at a short interval has thousands).</summary>
    public const int MaxIntervals = 100;

    /// <summary>Timeline events listed: the latest 200.</summary>
    public const int MaxEvents = 200;

    /// <summary>How long after a run ends its data counts as settled (the last span-metric flushes have landed): one minute.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMinutes(1);

    /// <summary>Finished runs whose charts are kept: 256, a few hundred kilobytes; all are dropped when full (a guard, not an LRU).</summary>
    public const int MaxSettled = 256;

    // Shared by every request (readers are made per request). A failed query's charts are never kept.
    private static readonly ConcurrentDictionary<string, SettledCharts> Settled = new(StringComparer.Ordinal);

    /// <summary>The longest id looked up (ids are <c>rel_</c> and 16 hex digits; this leaves room for other schemes).</summary>
    public const int MaxIdLength = 100;

    /// <summary>
    /// Checks the shape of an id from the URL: null when it may be a release id (letters, digits, <c>_</c>, <c>-</c>,
    /// <c>.</c>; at most <see cref="MaxIdLength"/>), else what is wrong with it. Only such ids are looked up, so garbage
    /// gets a clear message instead of a lookup.
    /// </summary>
    public static string? CheckId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "the release id is empty";
        }

        if (id.Length > MaxIdLength || !IdShape().IsMatch(id))
        {
            return "a release id is made of letters, digits, _, - and ., such as rel_0123456789abcdef";
        }

        return null;
    }

    /// <summary>The view of release <paramref name="id"/>, or null when no release has that id.</summary>
    public async Task<ReleaseView?> ReadAsync(string id, bool withCharts, CancellationToken cancellationToken)
    {
        var release = await coordinator.Releases.GetAsync(id, cancellationToken);
        if (release is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var run = await coordinator.Runs.LatestForReleaseAsync(release.Id, cancellationToken);
        var verdict = VerdictMapping.ToDto(release, run, run is null ? 0 : coordinator.PlannedLooks(run));
        var events = await coordinator.Releases.EventsAsync(release.Id, SqliteReleaseStore.MaxEventsLimit, cancellationToken);
        var latestEvents = events.Count > MaxEvents ? events.Skip(events.Count - MaxEvents).ToList() : events;

        if (run is null)
        {
            VerificationPlan? wouldApply = null;
            if (release.State is ReleaseState.Pending or ReleaseState.Verifying)
            {
                wouldApply = (await plans.ResolveAsync(release.Service, null, cancellationToken))?.Plan;
            }

            return new ReleaseView(release, null, verdict, wouldApply, null, [], 0, latestEvents, events.Count, [], null, null, null, options.AutoStart, now);
        }

        var errors = new List<DocumentError>();
        VerificationPlan? plan = null;
        string? planError = null;
        try
        {
            plan = plans.Read(run, errors);
            planError = plan is null ? string.Join("; ", errors) : null;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            planError = e.Message;
        }

        var intervals = await coordinator.Runs.IntervalsAsync(run.Id, cancellationToken);
        var latestIntervals = intervals.Skip(Math.Max(0, intervals.Count - MaxIntervals)).Select(VerdictMapping.ToDto).ToList();

        DateTimeOffset? nextDue = null;
        if (run.State == RunState.Running && plan is not null)
        {
            var anchor = RunContext.AnchorFor(run.Mode, run.StartedAt, release.StartedAt);
            nextDue = anchor + (plan.Interval * ((run.Latest?.Look ?? 0) + 1)) + options.EvaluationDelay;
        }

        // A finished run's charts and baseline no longer change once its last data has settled: they are kept.
        var settledKey = run.EndedAt is { } ended && now - ended > SettleTime && withCharts
            ? string.Create(CultureInfo.InvariantCulture, $"{run.Id}|{ended.ToUnixTimeMilliseconds()}")
            : null;
        if (settledKey is not null && Settled.TryGetValue(settledKey, out var kept))
        {
            return new ReleaseView(release, run, verdict, plan, planError, latestIntervals, intervals.Count, latestEvents, events.Count, kept.Charts,
                kept.Baseline, kept.BaselineNote, nextDue, options.AutoStart, now);
        }

        // A canary run without a baseline version chooses one at each look, as the judge does; the page names the one it
        // would choose at the latest look (it is not stored) and draws it.
        var baseline = run.BaselineVersion;
        string? baselineNote = null;
        if (run.Mode == ComparisonMode.Canary && string.IsNullOrEmpty(baseline) && plan is not null)
        {
            var at = intervals.Count > 0 ? intervals[^1].EndMs : now.ToUnixTimeMilliseconds();
            var choice = await BaselineSelector.ChooseAsync(
                metrics, release.Service, release.Environment, release.Version, plan.BaselineVersion, null, plan.Interval, at, cancellationToken);
            baseline = choice.Version;
            baselineNote = choice.Version is null ? choice.Reason : $"chosen at each look; at the latest: {choice.Reason}";
        }

        var charts = withCharts && plan is not null
            ? await new ReleaseChartReader(metrics).ReadAsync(release, run, plan, baseline, now, cancellationToken)
            : [];
        if (settledKey is not null && plan is not null && charts.All(c => c.Error is null))
        {
            if (Settled.Count >= MaxSettled)
            {
                Settled.Clear();
            }

            Settled[settledKey] = new SettledCharts(charts, baseline, baselineNote);
        }

        return new ReleaseView(release, run, verdict, plan, planError, latestIntervals, intervals.Count, latestEvents, events.Count, charts,
            baseline, baselineNote, nextDue, options.AutoStart, now);
    }

    private sealed record SettledCharts(IReadOnlyList<ReleaseMetricChart> Charts, string? Baseline, string? BaselineNote);

    [GeneratedRegex("^[A-Za-z0-9_.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();
}
