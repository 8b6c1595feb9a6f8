using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Core.Checks;
using Vigil.Core.Declarative;
using Vigil.Server.Diagnostics;
using Vigil.Storage.State;

namespace Vigil.Server.Checks;

/// <summary>Registers synthetic checks in the host.</summary>
public static class ChecksServiceCollectionExtensions
{
    /// <summary>
    /// Adds checks: the catalog of stored Check objects, the result store (bounded by
    /// <see cref="ChecksOptions.ResultsPerLocation"/>), the result processor (store, series, release timelines), the
    /// executor and the service that runs location <c>local</c>. Needs the declarative store, the release store, a
    /// <see cref="SqliteStateStore"/> and an <see cref="Core.Telemetry.IDerivedSeriesWriter"/>.
    /// </summary>
    public static IServiceCollection AddChecks(this IServiceCollection services, ChecksOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(new DeclarativeKindLimit(CheckYaml.Kind, options.MaxChecks, "checks.maxChecks"));
        services.AddSingleton(sp => new SqliteCheckResultStore(sp.GetRequiredService<SqliteStateStore>(), options.ResultsPerLocation));
        services.AddSingleton<ICheckResultStore>(sp => sp.GetRequiredService<SqliteCheckResultStore>());
        services.TryAddSingleton<ICheckExecutor>(sp => new CheckExecutor(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<CheckCatalog>();
        services.AddSingleton<CheckReleaseLink>();
        services.AddSingleton(sp =>
        {
            var processor = ActivatorUtilities.CreateInstance<CheckResultProcessor>(sp);
            sp.GetService<VigilMetrics>()?.Register(processor.WriteMetrics);
            return processor;
        });
        services.AddHostedService<ChecksService>();
        return services;
    }
}
