using Vigil.Client.Contracts;
using Vigil.Core.Releases;
using Vigil.Core.Verification;

namespace Vigil.Server.Verification;

/// <summary>Verification runs and judgements as the REST API shows them.</summary>
internal static class VerdictMapping
{
    /// <summary>The verdict of a release: its latest run, or <c>runState: none</c> without one.</summary>
    public static VerdictDto ToDto(Release release, VerificationRun? run, int plannedLooks)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (run is null)
        {
            return new VerdictDto(release.Id, release.Service, release.Version, release.Environment, null, null, null, null, "none",
                null, false, null, false, null, null, null, 0, 0, null, [], null, null);
        }

        var latest = run.Latest;
        return new VerdictDto(
            release.Id,
            release.Service,
            release.Version,
            release.Environment,
            run.Id,
            run.PlanName,
            VerificationCoordinator.ModeText(run.Mode),
            run.BaselineVersion,
            RunStateText(run.State),
            run.EffectiveVerdict?.ToString(),
            run.EffectiveVerdict is not null,
            latest?.Verdict.ToString(),
            run.OverriddenVerdict is not null,
            run.OverrideReason,
            run.AbortReason,
            latest?.Score,
            latest?.Look ?? 0,
            latest?.PlannedLooks ?? plannedLooks,
            latest?.Summary,
            latest?.Metrics.Select(ToDto).ToList() ?? [],
            run.StartedAt,
            run.EndedAt);
    }

    /// <summary>One judged interval.</summary>
    public static RunIntervalDto ToDto(RunInterval interval)
    {
        ArgumentNullException.ThrowIfNull(interval);
        var v = interval.Verdict;
        return new RunIntervalDto(interval.Look, DateTimeOffset.FromUnixTimeMilliseconds(interval.EndMs), v.Verdict.ToString(), v.Score, v.Decisive, v.Summary,
            v.Metrics.Select(ToDto).ToList());
    }

    /// <summary>One metric's judgement.</summary>
    public static MetricJudgementDto ToDto(MetricJudgement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new MetricJudgementDto(m.Name, m.Group, KindText(m.Kind), m.Critical, m.Weight, m.Classification.ToString(),
            m.Effect is { } e ? new EffectDto(e.Estimate, e.Lower, e.Upper, e.Relative, e.Confidence) : null,
            m.PValue, m.EValue, m.CanarySamples, m.BaselineSamples, m.SampleUnit, m.Sentence, m.Method, m.Reason);
    }

    /// <summary>The metric that says most about a look: a critical High/Low first, then any High/Low, then Nodata; null when all passed.</summary>
    public static MetricJudgement? Worst(IReadOnlyList<MetricJudgement> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics
            .Where(m => m.Classification != MetricClassification.Pass)
            .OrderBy(m => m.Classification == MetricClassification.Nodata ? 1 : 0)
            .ThenBy(m => m.Critical ? 0 : 1)
            .ThenBy(m => m.PValue ?? 1)
            .FirstOrDefault();
    }

    /// <summary><c>running</c>, <c>completed</c> or <c>aborted</c>.</summary>
    public static string RunStateText(RunState state) => state switch
    {
        RunState.Running => "running",
        RunState.Completed => "completed",
        _ => "aborted",
    };

    /// <summary><c>continuous</c>, <c>latency_histogram</c> or <c>count_ratio</c>.</summary>
    public static string KindText(MetricKind kind) => kind switch
    {
        MetricKind.LatencyHistogram => "latency_histogram",
        MetricKind.CountRatio => "count_ratio",
        _ => "continuous",
    };

    /// <summary>Parses <c>pass</c>, <c>marginal</c>, <c>fail</c> or <c>inconclusive</c> (any case).</summary>
    public static bool TryParseVerdict(string? text, out Verdict verdict)
    {
        verdict = default;
        return text is not null && text.Trim().Length > 0 && !text.Trim().All(char.IsAsciiDigit)
            && Enum.TryParse(text.Trim(), ignoreCase: true, out verdict) && Enum.IsDefined(verdict);
    }
}
