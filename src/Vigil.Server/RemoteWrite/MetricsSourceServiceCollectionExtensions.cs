using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Server.Configuration;
using Vigil.Server.Diagnostics;
using Vigil.Storage.Prometheus;
using Vigil.Storage.RemoteWrite;

namespace Vigil.Server.RemoteWrite;

/// <summary>Registers the metrics source the options name, and with an external one, the remote-write of derived series.</summary>
internal static class MetricsSourceServiceCollectionExtensions
{
    /// <summary>The queue's folder under the data folder.</summary>
    public const string QueueFolder = "remote-write";

    /// <summary>
    /// Registers <see cref="IMetricsSource"/> (<see cref="EmbeddedMetricsSource"/> over <paramref name="store"/>, or
    /// <see cref="PrometheusMetricsSource"/>) and <see cref="IDerivedSeriesWriter"/>; with an external source and a
    /// <paramref name="queue"/>, also the <see cref="RemoteWriteSender"/> and its metrics. Expects
    /// <see cref="MetricMetadataCatalog"/>, <see cref="VigilMetrics"/>, <see cref="TimeProvider"/> and logging.
    /// </summary>
    public static IServiceCollection AddMetricsSource(this IServiceCollection services, MetricsSourceOptions options, ITelemetryStore store, RemoteWriteQueue? queue)
    {
        if (options.Kind == MetricsSourceKind.Embedded)
        {
            services.AddSingleton<IMetricsSource>(sp => new EmbeddedMetricsSource(store, sp.GetRequiredService<MetricMetadataCatalog>(), new PromQlEngineOptions()));
            services.AddSingleton<IDerivedSeriesWriter>(sp => new DerivedSeriesWriter(store, null, null, sp.GetRequiredService<ILogger<DerivedSeriesWriter>>()));
            return services;
        }

        // Secrets are read here, at start, so an unreadable file fails the start rather than the first query.
        var sourceSettings = options.ToSourceSettings();
        services.AddSingleton<IMetricsSource>(_ => new PrometheusMetricsSource(sourceSettings));
        if (queue is null)
        {
            services.AddSingleton<IDerivedSeriesWriter>(sp => new DerivedSeriesWriter(store, null, null, sp.GetRequiredService<ILogger<DerivedSeriesWriter>>()));
            return services;
        }

        services.AddSingleton(queue);
        services.AddSingleton(sp =>
        {
            var metrics = new RemoteWriteMetrics(queue);
            sp.GetRequiredService<VigilMetrics>().Register(metrics.WriteTo);
            return metrics;
        });
        services.AddSingleton<IDerivedSeriesWriter>(sp => new DerivedSeriesWriter(
            store, queue, sp.GetRequiredService<RemoteWriteMetrics>(), sp.GetRequiredService<ILogger<DerivedSeriesWriter>>()));
        var settings = new RemoteWriteSenderSettings(
            options.RemoteWriteAddress(), options.Authorization(), options.Timeout, options.MaxSamplesPerSend, options.MinBackoff, options.MaxBackoff);
        services.AddHostedService(sp => new RemoteWriteSender(
            queue, settings, sp.GetRequiredService<RemoteWriteMetrics>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RemoteWriteSender>>()));
        return services;
    }
}
