namespace Vigil.Core.Verification.Simulation;

/// <summary>
/// Runs <paramref name="inner"/> once, at the plan's last planned look, as a canary analysis with a single interval
/// spanning the whole run does (a Spinnaker canary stage whose analysis interval equals its lifetime). Earlier looks
/// are not decisive and judge nothing. The judge benchmark uses it to show the Kayenta-style judge without the false
/// alarms of repeated looks, so detection can be compared at an equal false-fail rate.
/// </summary>
/// <param name="inner">The judge to run at the last look.</param>
public sealed class FinalLookJudge(IVerificationJudge inner) : IVerificationJudge
{
    /// <inheritdoc/>
    public LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return look < plan.PlannedLooks
            ? new LookVerdict(Verdict.Inconclusive, double.NaN, Decisive: false, look, plan.PlannedLooks, [], $"judged once, at look {plan.PlannedLooks}")
            : inner.Judge(plan, metrics, look, canaryVersion);
    }
}
