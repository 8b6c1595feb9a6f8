using Vigil.Core.Declarative;

namespace Vigil.Core.Verification.Plans;

/// <summary>A plan chosen for a run, with the YAML it was read from (kept on the run so it stays reproducible).</summary>
public sealed record ResolvedPlan(VerificationPlan Plan, string Yaml);

/// <summary>
/// Chooses the plan of a run from the applied <c>VerificationPlan</c> objects: the plan named by the caller; else the
/// applied plan whose <c>services</c> lists the release's service (most specific wins, then name order); else an
/// applied plan named <c>default</c>; else the built-in <see cref="DefaultVerificationPlan"/>.
/// (Being written: the plans helper replaces this stub.)
/// </summary>
public sealed class VerificationPlanCatalog(IDeclarativeStore store)
{
    /// <summary>The plan for a release of <paramref name="service"/>; null when <paramref name="planName"/> names no applied plan.</summary>
    public Task<ResolvedPlan?> ResolveAsync(string service, string? planName, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"plan resolution is being written (issue 4, plans); store {store.GetType().Name}");
}
