namespace Vigil.Core.Verification;

/// <summary>How a metric compared, Kayenta's classes.</summary>
public enum MetricClassification
{
    /// <summary>Within the allowed effect, or not significantly different.</summary>
    Pass,

    /// <summary>Significantly higher than the baseline by more than the allowed effect.</summary>
    High,

    /// <summary>Significantly lower than the baseline by more than the allowed effect.</summary>
    Low,

    /// <summary>Too little data (or a query error) to say; the reason says what is missing.</summary>
    Nodata,
}

/// <summary>The verdict of a verification run (or of one look of it).</summary>
public enum Verdict
{
    /// <summary>The release is healthy.</summary>
    Pass,

    /// <summary>Some non-critical metrics moved; the score is between the marginal and pass thresholds.</summary>
    Marginal,

    /// <summary>The release is unhealthy: a critical metric failed or the score is below the marginal threshold.</summary>
    Fail,

    /// <summary>Not enough data (or traffic) to decide; the summary says how much more is needed.</summary>
    Inconclusive,
}

/// <summary>
/// An effect size with its confidence interval. <see cref="Relative"/> effects are fractions (0.38 = 38% higher);
/// others are additive in the metric's unit. Bounds may be infinite when the data cannot bound them.
/// </summary>
public sealed record EffectEstimate(double Estimate, double Lower, double Upper, bool Relative, double Confidence = 0.95);

/// <summary>
/// The judgement of one metric at one look.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>PValue</c>: The (multiplicity- and look-adjusted where the method says so) p-value, when the method gives one.</item>
/// <item><c>EValue</c>: The e-value of an anytime-valid test, when the method gives one.</item>
/// <item><c>CanarySamples</c>: Sample size on the canary side in the method's unit (requests or intervals).</item>
/// <item><c>SampleUnit</c>: <c>requests</c> or <c>intervals</c>.</item>
/// <item><c>Sentence</c>: One readable sentence, such as "p95 latency is 38% higher on 1.4.2 (95% CI 22%..55%) over 4,812 vs 48,305 requests".</item>
/// <item><c>Method</c>: The test used, such as <c>mixture SPRT on Poisson counts</c>.</item>
/// <item><c>Reason</c>: Why the classification is what it is when it is not obvious (Nodata, guard, sparse counts).</item>
/// </list>
/// </remarks>
public sealed record MetricJudgement(
    string Name,
    string Group,
    MetricKind Kind,
    bool Critical,
    double Weight,
    MetricClassification Classification,
    EffectEstimate? Effect,
    double? PValue,
    double? EValue,
    double CanarySamples,
    double BaselineSamples,
    string SampleUnit,
    string Sentence,
    string Method,
    string? Reason = null);

/// <summary>
/// The verdict of one look: every metric's judgement, the score, and whether the run may stop now.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Score</c>: Weighted share (0..100) of the weighted metrics that passed; Nodata metrics are left out.</item>
/// <item><c>Decisive</c>: True when the verdict will not change with more data at the plan's error budget (stop early).</item>
/// <item><c>Summary</c>: One or two readable sentences naming the metrics that decided the verdict and their numbers.</item>
/// </list>
/// </remarks>
public sealed record LookVerdict(
    Verdict Verdict,
    double Score,
    bool Decisive,
    int Look,
    int PlannedLooks,
    IReadOnlyList<MetricJudgement> Metrics,
    string Summary);

/// <summary>
/// Judges one look of a verification: the plan, the history of each metric so far, and which look this is out of the
/// plan's planned looks (the error budget is spent across looks). Pure: same input, same output; never reads a clock.
/// </summary>
public interface IVerificationJudge
{
    /// <summary>Judges look <paramref name="look"/> (1-based) of <see cref="VerificationPlan.PlannedLooks"/>.</summary>
    /// <param name="plan">The plan of the run.</param>
    /// <param name="metrics">Each plan metric's history so far, in plan order.</param>
    /// <param name="look">Which look this is, 1-based; may pass the planned looks when a run is extended.</param>
    /// <param name="canaryVersion">Named in sentences ("38% higher on 1.4.2").</param>
    LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion);
}
