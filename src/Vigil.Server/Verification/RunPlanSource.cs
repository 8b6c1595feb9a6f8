using Vigil.Core.Declarative;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Plans;

namespace Vigil.Server.Verification;

/// <summary>Where runs get their plans: resolved for a new run, and read back from a stored run's YAML after a restart.</summary>
internal interface IRunPlanSource
{
    /// <summary>The plan for a release of <paramref name="service"/>; null when <paramref name="planName"/> names no applied plan.</summary>
    Task<ResolvedPlan?> ResolveAsync(string service, string? planName, CancellationToken cancellationToken);

    /// <summary>The plan a run started with, from its stored YAML; null (with errors) when it no longer reads.</summary>
    VerificationPlan? Read(VerificationRun run, List<DocumentError> errors);
}

/// <summary>The applied plans (<see cref="VerificationPlanCatalog"/>) and <see cref="VerificationPlanYaml"/>.</summary>
internal sealed class CatalogRunPlanSource(VerificationPlanCatalog catalog) : IRunPlanSource
{
    public Task<ResolvedPlan?> ResolveAsync(string service, string? planName, CancellationToken cancellationToken) =>
        catalog.ResolveAsync(service, planName, cancellationToken);

    public VerificationPlan? Read(VerificationRun run, List<DocumentError> errors) =>
        VerificationPlanYaml.Parse($"run {run.Id} plan {run.PlanName}", run.PlanYaml, errors);
}
