using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Judging;
using Vigil.Core.Verification.Plans;
using Vigil.Storage.State;

namespace Vigil.Server.Verification;

/// <summary>Registers release verification: the run store, the coordinator, the loop and the webhook dispatcher.</summary>
public static class VerificationServiceCollectionExtensions
{
    /// <summary>
    /// Adds verification. Needs an <see cref="Core.Releases.IReleaseStore"/>, an <see cref="Core.PromQl.IMetricsSource"/>,
    /// a <see cref="SqliteStateStore"/> and, unless a plan source is registered, what <see cref="VerificationPlanCatalog"/> needs.
    /// </summary>
    public static IServiceCollection AddVerification(this IServiceCollection services, VerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.TryAddSingleton<IVerificationRunStore>(sp => new SqliteVerificationRunStore(sp.GetRequiredService<SqliteStateStore>()));
        services.TryAddSingleton<IVerificationJudge, VerificationJudge>();
        services.TryAddSingleton<VerificationPlanCatalog>();
        services.TryAddSingleton<IRunPlanSource, CatalogRunPlanSource>();
        services.AddSingleton<VerificationCoordinator>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddHostedService<VerificationLoop>();
        return services;
    }
}
