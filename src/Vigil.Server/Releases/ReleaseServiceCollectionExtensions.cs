using Vigil.Core.Releases;
using Vigil.Storage.State;

namespace Vigil.Server.Releases;

/// <summary>Registers releases in the host.</summary>
public static class ReleaseServiceCollectionExtensions
{
    /// <summary>
    /// Registers the release store (<see cref="IReleaseStore"/>, over the registered <see cref="SqliteStateStore"/>) and
    /// the detection of new versions in telemetry: the detector OTLP intake reports resources to, and the background
    /// service that turns new versions into releases.
    /// </summary>
    public static IServiceCollection AddReleases(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SqliteReleaseStore(sp.GetRequiredService<SqliteStateStore>()));
        services.AddSingleton<IReleaseStore>(sp => sp.GetRequiredService<SqliteReleaseStore>());
        services.AddSingleton<ReleaseDetector>();
        services.AddHostedService<ReleaseDetectionService>();
        return services;
    }
}
