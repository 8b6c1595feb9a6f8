namespace Vigil.Core.Verification.Judging;

/// <summary>Vigil's release judge (being written: the judge helper replaces this stub).</summary>
public sealed class VerificationJudge : IVerificationJudge
{
    /// <inheritdoc/>
    public LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion) =>
        throw new NotImplementedException("the verification judge is being written (issue 4, judge)");
}
