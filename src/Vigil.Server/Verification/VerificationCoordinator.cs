using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Vigil.Core.Declarative;
using Vigil.Core.PromQl;
using Vigil.Core.Releases;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Plans;
using Vigil.Core.Verification.Runs;

namespace Vigil.Server.Verification;

/// <summary>A plan name that no applied plan has.</summary>
internal sealed class UnknownPlanException(string plan) : Exception($"no applied VerificationPlan is named '{plan}'");

/// <summary>
/// Starts, steps, aborts and overrides verification runs, and keeps each release's state and timeline in step with
/// its runs. Both the background loop and the REST endpoints go through it. Run starts are serialised (so a loop
/// tick and a <c>verify</c> request cannot start two runs for one release); looks of one run are made by the loop alone.
/// </summary>
internal sealed partial class VerificationCoordinator(
    IReleaseStore releases,
    IVerificationRunStore runs,
    IRunPlanSource plans,
    IMetricsSource metrics,
    IVerificationJudge judge,
    WebhookDispatcher webhooks,
    VerificationOptions options,
    TimeProvider time,
    ILogger<VerificationCoordinator> log)
{
    /// <summary>A failing run is marked Inconclusive after this many consecutive failed steps (a transient error is retried).</summary>
    public const int MaxConsecutiveFailures = 3;

    /// <summary>The bound on cached plans; they are dropped when a run ends, so this is only a guard.</summary>
    private const int MaxCachedPlans = 10_000;

    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly SemaphoreSlim _startLock = new(1, 1);
    private readonly ConcurrentDictionary<string, VerificationPlan> _plans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly VerificationRunStepper _stepper = new(metrics, judge, options.EvaluationDelay);

    /// <summary>The release store (endpoints read releases through the coordinator's store).</summary>
    public IReleaseStore Releases => releases;

    /// <summary>The run store.</summary>
    public IVerificationRunStore Runs => runs;

    /// <summary>Resolves a plan by name (null name: the plan for the service); throws <see cref="UnknownPlanException"/>.</summary>
    public async Task<ResolvedPlan> ResolvePlanAsync(string service, string? planName, CancellationToken cancellationToken) =>
        await plans.ResolveAsync(service, planName, cancellationToken) ?? throw new UnknownPlanException(planName ?? "(default)");

    /// <summary>
    /// The release's latest run, or a new one when there is none or <paramref name="restart"/> (a running run is then
    /// aborted first, audited). A caller that names a plan (<paramref name="planNamed"/>) while a run of another plan is
    /// still running (typically one the loop started when telemetry showed the release) gets a new run of its plan; a
    /// decided run is answered as it is unless <paramref name="restart"/>. <paramref name="plan"/> is used only when a run starts.
    /// </summary>
    public async Task<(VerificationRun Run, bool Started)> EnsureRunAsync(
        Release release, ResolvedPlan plan, bool planNamed, string? requestedBaseline, bool restart, string actor, CancellationToken cancellationToken)
    {
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            var latest = await runs.LatestForReleaseAsync(release.Id, cancellationToken);
            var otherPlan = planNamed && latest is { State: RunState.Running } && latest.PlanName != plan.Plan.Name;
            if (latest is not null && !restart && !otherPlan)
            {
                return (latest, false);
            }

            if (latest is { State: RunState.Running })
            {
                var reason = otherPlan ? $"replaced by a run of plan {plan.Plan.Name} requested by {actor}" : $"restarted by {actor}";
                if (await runs.AbortAsync(latest.Id, reason, time.GetUtcNow(), cancellationToken))
                {
                    _plans.TryRemove(latest.Id, out _);
                    await AppendAsync(release.Id, ReleaseEventKinds.Aborted, $"Verification {latest.Id} aborted: {reason}", actor,
                        new() { ["runId"] = latest.Id, ["reason"] = reason }, cancellationToken);
                }
            }

            return (await StartAsync(release, plan, requestedBaseline, actor, cancellationToken), true);
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>
    /// One pass of the loop: starts runs for pending releases, then makes the due looks of running runs, at most
    /// <see cref="VerificationOptions.MaxLooksPerTick"/> starts and looks in all (checking whether a look is due costs
    /// no metric query and is not counted). Never throws for one bad release or run. Returns the starts and looks made.
    /// </summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        var budget = options.MaxLooksPerTick;
        var pending = options.AutoStart
            ? await releases.ListAsync(new ReleaseQuery(State: ReleaseState.Pending, Limit: budget), cancellationToken)
            : [];
        foreach (var release in pending.OrderBy(r => r.StartedAt))
        {
            budget--;
            await StartPendingAsync(release, cancellationToken);
        }

        foreach (var run in await runs.RunningAsync(cancellationToken))
        {
            // A run behind by several looks (after a restart) catches up one look at a time, within the budget.
            while (budget > 0)
            {
                var (made, more) = await StepRunAsync(run.Id, cancellationToken);
                if (made)
                {
                    budget--;
                }

                if (!more)
                {
                    break;
                }
            }
        }

        return options.MaxLooksPerTick - budget;
    }

    /// <summary>Aborts the running run of a release; null when there is no running run.</summary>
    public async Task<VerificationRun?> AbortAsync(Release release, string reason, string actor, CancellationToken cancellationToken)
    {
        var run = await runs.LatestForReleaseAsync(release.Id, cancellationToken);
        if (run is not { State: RunState.Running } || !await runs.AbortAsync(run.Id, reason, time.GetUtcNow(), cancellationToken))
        {
            return null;
        }

        _plans.TryRemove(run.Id, out _);
        await releases.SetStateAsync(release.Id, ReleaseState.Aborted, cancellationToken);
        await AppendAsync(release.Id, ReleaseEventKinds.Aborted, $"Verification aborted by {actor}: {reason}", actor,
            new() { ["runId"] = run.Id, ["reason"] = reason }, cancellationToken);
        return await runs.GetAsync(run.Id, cancellationToken);
    }

    /// <summary>
    /// Overrides the verdict of a release's latest run (a running run is stopped first: the override is final); null
    /// when the release has no run. Sets the release's state, audits it, and calls the webhooks of the new verdict.
    /// </summary>
    public async Task<VerificationRun?> OverrideAsync(Release release, Verdict verdict, string reason, string actor, CancellationToken cancellationToken)
    {
        var run = await runs.LatestForReleaseAsync(release.Id, cancellationToken);
        if (run is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (run.State == RunState.Running && await runs.AbortAsync(run.Id, $"overridden by {actor}: {reason}", now, cancellationToken))
        {
            _plans.TryRemove(run.Id, out _);
        }

        await runs.OverrideAsync(run.Id, verdict, reason, now, cancellationToken);
        await releases.SetStateAsync(release.Id, StateOf(verdict), cancellationToken);
        await AppendAsync(release.Id, ReleaseEventKinds.Overridden,
            $"Verdict overridden by {actor}: {run.EffectiveVerdict?.ToString() ?? "none"} -> {verdict}: {reason}", actor,
            new() { ["runId"] = run.Id, ["from"] = run.EffectiveVerdict?.ToString(), ["to"] = verdict.ToString(), ["reason"] = reason }, cancellationToken);
        var updated = (await runs.GetAsync(run.Id, cancellationToken))!;
        webhooks.Enqueue(release, updated, verdict, overridden: true);
        return updated;
    }

    /// <summary>The number of looks a run plans, from its plan (0 when the plan no longer reads).</summary>
    public int PlannedLooks(VerificationRun run) => run.Latest?.PlannedLooks ?? PlanOf(run, out _)?.PlannedLooks ?? 0;

    /// <summary>The release state of a verdict.</summary>
    public static ReleaseState StateOf(Verdict verdict) => verdict switch
    {
        Verdict.Pass => ReleaseState.Passed,
        Verdict.Marginal => ReleaseState.Marginal,
        Verdict.Fail => ReleaseState.Failed,
        _ => ReleaseState.Inconclusive,
    };

    private async Task StartPendingAsync(Release release, CancellationToken cancellationToken)
    {
        try
        {
            var plan = await ResolvePlanAsync(release.Service, null, cancellationToken);
            await _startLock.WaitAsync(cancellationToken);
            try
            {
                // A verify request may have started one meanwhile; a release left pending beside its run (a crash between
                // the two writes) gets its run's state, so it is not looked at again.
                switch (await runs.LatestForReleaseAsync(release.Id, cancellationToken))
                {
                    case null:
                        await StartAsync(release, plan, null, "vigil", cancellationToken);
                        break;
                    case { State: RunState.Running }:
                        await releases.SetStateAsync(release.Id, ReleaseState.Verifying, cancellationToken);
                        break;
                    case { EffectiveVerdict: { } decided }:
                        await releases.SetStateAsync(release.Id, StateOf(decided), cancellationToken);
                        break;
                    default:
                        await releases.SetStateAsync(release.Id, ReleaseState.Aborted, cancellationToken);
                        break;
                }
            }
            finally
            {
                _startLock.Release();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStartFailed(log, release.Id, e);
            await releases.SetStateAsync(release.Id, ReleaseState.Inconclusive, cancellationToken);
            await AppendAsync(release.Id, ReleaseEventKinds.Verdict, $"Inconclusive: the verification could not start: {e.Message}", null,
                new() { ["verdict"] = nameof(Verdict.Inconclusive), ["error"] = e.Message }, cancellationToken);
        }
    }

    private async Task<VerificationRun> StartAsync(Release release, ResolvedPlan resolved, string? requestedBaseline, string actor, CancellationToken cancellationToken)
    {
        var plan = resolved.Plan;
        var now = time.GetUtcNow();
        string? baseline;
        string baselineReason;
        if (plan.Mode == ComparisonMode.Canary)
        {
            var choice = await BaselineSelector.ChooseAsync(
                metrics, release.Service, release.Environment, release.Version, plan.BaselineVersion, requestedBaseline, plan.Interval,
                now.ToUnixTimeMilliseconds(), cancellationToken);
            (baseline, baselineReason) = (choice.Version, choice.Reason);
        }
        else
        {
            baseline = plan.BaselineVersion ?? requestedBaseline;
            baselineReason = baseline is null ? "the previous release" : "named";
            if (baseline is null)
            {
                var earlier = await releases.ListAsync(new ReleaseQuery(release.Service, release.Environment, Limit: 50), cancellationToken);
                baseline = earlier.Where(r => r.Id != release.Id && r.Version != release.Version && r.StartedAt <= release.StartedAt)
                    .OrderByDescending(r => r.StartedAt).FirstOrDefault()?.Version;
                baselineReason = baseline is null ? "no earlier release known; the before window is not filtered by version" : "the previous release";
            }
        }

        var run = await runs.StartAsync(release.Id, plan.Name, resolved.Yaml, plan.Mode, baseline, now, cancellationToken);
        CachePlan(run.Id, plan);
        await releases.SetStateAsync(release.Id, ReleaseState.Verifying, cancellationToken);
        var mode = ModeText(plan.Mode);
        await AppendAsync(release.Id, ReleaseEventKinds.VerificationStarted,
            $"Verification started: plan {plan.Name}, {mode} mode, baseline {baseline ?? "none"} ({baselineReason}), {plan.PlannedLooks} looks every {Vigil.Core.Time.DurationParser.Format(plan.Interval)}",
            actor,
            new()
            {
                ["runId"] = run.Id, ["plan"] = plan.Name, ["mode"] = mode, ["baseline"] = baseline, ["baselineReason"] = baselineReason,
                ["interval"] = Vigil.Core.Time.DurationParser.Format(plan.Interval), ["plannedLooks"] = plan.PlannedLooks,
            },
            cancellationToken);
        LogRunStarted(log, run.Id, release.Id, plan.Name, mode, baseline ?? "none");
        return run;
    }

    /// <summary>Makes the run's next look if it is due: whether a look was made, and whether another may be due now.</summary>
    private async Task<(bool Made, bool More)> StepRunAsync(string runId, CancellationToken cancellationToken)
    {
        VerificationRun? run = null;
        try
        {
            run = await runs.GetAsync(runId, cancellationToken);
            if (run is not { State: RunState.Running })
            {
                return (false, false);
            }

            var release = await releases.GetAsync(run.ReleaseId, cancellationToken);
            if (release is null)
            {
                await runs.AbortAsync(run.Id, "the release no longer exists", time.GetUtcNow(), cancellationToken);
                return (false, false);
            }

            var plan = PlanOf(run, out var planError) ?? throw new InvalidOperationException($"the run's plan no longer reads: {planError}");
            var context = new RunContext(run, plan, release.Service, release.Environment, release.Version,
                RunContext.AnchorFor(run.Mode, run.StartedAt, release.StartedAt));
            var now = time.GetUtcNow();
            if (now < _stepper.DueAt(context, (run.Latest?.Look ?? 0) + 1))
            {
                return (false, false); // Cheap: the stored intervals are read only when a look is due.
            }

            var previous = await runs.IntervalsAsync(run.Id, cancellationToken);
            var step = await _stepper.StepAsync(context, previous, now, cancellationToken);
            _failures.TryRemove(run.Id, out _);
            if (step is null)
            {
                return (false, false);
            }

            await runs.AppendIntervalAsync(step.Interval, cancellationToken);
            await AppendIntervalEventAsync(release, run, step.Interval.Verdict, cancellationToken);
            if (step.FinalVerdict is not { } verdict)
            {
                return (true, true);
            }

            await FinishAsync(release, run, verdict, step.Interval.Verdict, cancellationToken);
            return (true, false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (_failures.Count >= MaxCachedPlans)
            {
                _failures.Clear();
            }

            var failures = _failures.AddOrUpdate(runId, 1, (_, n) => n + 1);
            LogStepFailed(log, runId, failures, e);
            if (failures >= MaxConsecutiveFailures && run is not null)
            {
                _failures.TryRemove(runId, out _);
                var release = await releases.GetAsync(run.ReleaseId, cancellationToken);
                if (release is not null)
                {
                    await FinishAsync(release, run, Verdict.Inconclusive, null, cancellationToken, error: e.Message);
                }
            }

            return (true, false); // A failed attempt counts against the budget: it may have run queries.
        }
    }

    private async Task FinishAsync(Release release, VerificationRun run, Verdict verdict, LookVerdict? look, CancellationToken cancellationToken, string? error = null)
    {
        if (!await runs.CompleteAsync(run.Id, verdict, time.GetUtcNow(), cancellationToken))
        {
            return; // Aborted or overridden meanwhile: that decision stands.
        }

        _plans.TryRemove(run.Id, out _);
        await releases.SetStateAsync(release.Id, StateOf(verdict), cancellationToken);
        var summary = error is null ? look?.Summary ?? string.Empty : $"the run failed: {error}";
        var failing = look?.Metrics.Where(m => m.Classification is MetricClassification.High or MetricClassification.Low).Select(m => m.Name).ToList() ?? [];
        // The judge's summary usually starts with the verdict ("Fail: critical metric failed: ..."); say it once.
        var message = summary.StartsWith(verdict.ToString(), StringComparison.Ordinal) ? summary : $"{verdict}: {summary}";
        await AppendAsync(release.Id, ReleaseEventKinds.Verdict, message, null,
            new()
            {
                ["runId"] = run.Id, ["verdict"] = verdict.ToString(), ["score"] = look?.Score, ["look"] = look?.Look,
                ["plannedLooks"] = look?.PlannedLooks, ["summary"] = summary, ["failing"] = failing, ["error"] = error,
            },
            cancellationToken);
        LogVerdict(log, run.Id, release.Id, message);
        var completed = await runs.GetAsync(run.Id, cancellationToken) ?? run;
        webhooks.Enqueue(release, completed, verdict, overridden: false);
    }

    private Task AppendIntervalEventAsync(Release release, VerificationRun run, LookVerdict look, CancellationToken cancellationToken)
    {
        var worst = VerdictMapping.Worst(look.Metrics);
        var score = look.Score.ToString("0.#", CultureInfo.InvariantCulture);
        return AppendAsync(release.Id, ReleaseEventKinds.IntervalJudged,
            $"Look {look.Look}/{look.PlannedLooks}: {look.Verdict} (score {score}){(worst is null ? string.Empty : "; " + worst.Sentence)}", null,
            new()
            {
                ["runId"] = run.Id, ["look"] = look.Look, ["plannedLooks"] = look.PlannedLooks, ["verdict"] = look.Verdict.ToString(),
                ["score"] = look.Score, ["decisive"] = look.Decisive,
                ["metrics"] = look.Metrics.ToDictionary(m => m.Name, m => m.Classification.ToString(), StringComparer.Ordinal),
            },
            cancellationToken);
    }

    private async Task AppendAsync(string releaseId, string kind, string message, string? actor, Dictionary<string, object?> data, CancellationToken cancellationToken) =>
        await releases.AppendEventAsync(releaseId, time.GetUtcNow(), kind, message, actor, JsonSerializer.Serialize(data, EventJson), cancellationToken);

    private VerificationPlan? PlanOf(VerificationRun run, out string? error)
    {
        error = null;
        if (_plans.TryGetValue(run.Id, out var cached))
        {
            return cached;
        }

        var errors = new List<DocumentError>();
        VerificationPlan? plan;
        try
        {
            plan = plans.Read(run, errors);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            error = e.Message;
            return null;
        }

        if (plan is null)
        {
            error = string.Join("; ", errors);
            return null;
        }

        CachePlan(run.Id, plan);
        return plan;
    }

    private void CachePlan(string runId, VerificationPlan plan)
    {
        if (_plans.Count >= MaxCachedPlans)
        {
            _plans.Clear();
        }

        _plans[runId] = plan;
    }

    /// <summary>The mode as the API writes it: <c>canary</c> or <c>before_after</c>.</summary>
    public static string ModeText(ComparisonMode mode) => mode == ComparisonMode.BeforeAfter ? "before_after" : "canary";

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Verification {RunId} of release {ReleaseId} started: plan {Plan}, {Mode} mode, baseline {Baseline}")]
    private static partial void LogRunStarted(ILogger logger, string runId, string releaseId, string plan, string mode, string baseline);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Verification {RunId} of release {ReleaseId}: {Verdict}")]
    private static partial void LogVerdict(ILogger logger, string runId, string releaseId, string verdict);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Verification of release {ReleaseId} could not start")]
    private static partial void LogStartFailed(ILogger logger, string releaseId, Exception exception);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Verification {RunId}: a step failed ({Failures} in a row)")]
    private static partial void LogStepFailed(ILogger logger, string runId, int failures, Exception exception);
}
