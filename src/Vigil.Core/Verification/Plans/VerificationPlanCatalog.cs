using Vigil.Core.Declarative;

namespace Vigil.Core.Verification.Plans;

/// <summary>A plan chosen for a run, with the YAML it was read from (kept on the run so it stays reproducible).</summary>
public sealed record ResolvedPlan(VerificationPlan Plan, string Yaml);

/// <summary>
/// Chooses the plan of a run from the applied <c>VerificationPlan</c> objects: the plan named by the caller; else the
/// applied plan whose <c>services</c> lists the release's service (most specific wins, then name order); else an
/// applied plan named <c>default</c>; else the built-in <see cref="DefaultVerificationPlan"/>.
/// </summary>
/// <remarks>
/// "Most specific" means the fewest services listed: a plan for <c>[checkout]</c> beats one for
/// <c>[checkout, cart]</c>. Applied plans with no services (other than <c>default</c>) apply to any service; they come
/// after every plan that lists the service and before the applied <c>default</c>. Naming <c>default</c> when none
/// is applied gives the built-in plan. A stored plan that no longer reads (validated when applied, so only after a
/// change of the rules) is skipped.
/// </remarks>
public sealed class VerificationPlanCatalog(IDeclarativeStore store)
{
    /// <summary>The plan for a release of <paramref name="service"/>; null when <paramref name="planName"/> names no applied plan.</summary>
    public async Task<ResolvedPlan?> ResolveAsync(string service, string? planName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (planName is not null)
        {
            var named = await store.GetAsync(VerificationPlanYaml.Kind, planName, cancellationToken);
            if (named is not null && Read(named) is { } plan)
            {
                return plan;
            }

            return planName == DefaultVerificationPlan.Name ? BuiltIn() : null;
        }

        var applied = new List<ResolvedPlan>();
        foreach (var stored in await store.ListAsync(VerificationPlanYaml.Kind, cancellationToken))
        {
            if (Read(stored) is { } plan)
            {
                applied.Add(plan);
            }
        }

        var listing = applied
            .Where(p => p.Plan.Services.Contains(service, StringComparer.Ordinal))
            .OrderBy(p => p.Plan.Services.Count)
            .ThenBy(p => p.Plan.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return listing
            ?? applied.Where(p => p.Plan.Services.Count == 0 && p.Plan.Name != DefaultVerificationPlan.Name).OrderBy(p => p.Plan.Name, StringComparer.Ordinal).FirstOrDefault()
            ?? applied.FirstOrDefault(p => p.Plan.Name == DefaultVerificationPlan.Name)
            ?? BuiltIn();
    }

    /// <summary>The built-in default plan with its YAML.</summary>
    public static ResolvedPlan BuiltIn() => new(DefaultVerificationPlan.Plan, VerificationPlanYaml.Write(DefaultVerificationPlan.Plan));

    private static ResolvedPlan? Read(DeclarativeObject stored)
    {
        var errors = new List<DocumentError>();
        var plan = VerificationPlanYaml.Parse($"{stored.Kind}/{stored.Name}", stored.Yaml, errors);
        return plan is null ? null : new ResolvedPlan(plan, stored.Yaml);
    }
}
