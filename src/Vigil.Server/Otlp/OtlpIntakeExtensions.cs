using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;

namespace Vigil.Server.Otlp;

/// <summary>Registers and maps OTLP intake (gRPC and HTTP) in the host.</summary>
public static class OtlpIntakeExtensions
{
    /// <summary>
    /// Registers OTLP intake: the ingest services, the delta accumulator, span metrics and their flusher (a hosted
    /// service), log template mining with its counters and flusher (in memory only unless a <c>LogPatternsService</c>
    /// with a data folder is registered first), and gRPC (<c>AddGrpc</c>, with the message size and bounded gzip from <paramref name="intake"/>).
    /// Expects <c>ITelemetryWriter</c>, <see cref="TimeProvider"/>, <c>VigilMetrics</c> and logging to be registered.
    /// Throws <see cref="ArgumentException"/> listing every invalid option at once.
    /// </summary>
    public static IServiceCollection AddOtlpIntake(this IServiceCollection services, IntakeOptions intake, SpanMetricsOptions spanMetrics)
    {
        ArgumentNullException.ThrowIfNull(intake);
        ArgumentNullException.ThrowIfNull(spanMetrics);
        var errors = intake.Validate().Concat(spanMetrics.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid OTLP intake options:\n" + string.Join('\n', errors));
        }

        services.TryAddSingleton(intake);
        services.TryAddSingleton(spanMetrics);
        services.TryAddSingleton(sp => new DeltaAccumulator(intake.MaxDeltaSeries, intake.DeltaResetGap, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(_ => new SpanMetricsAggregator(spanMetrics));
        services.TryAddSingleton(_ => new SeriesLabelCache(intake));
        services.TryAddSingleton(_ => new InFlightBytes(intake));
        services.TryAddSingleton(_ => new MetricMetadataCatalog());
        services.TryAddSingleton<OtlpMetricsIngest>();
        services.TryAddSingleton<OtlpLogsIngest>();
        services.TryAddSingleton<OtlpTraceIngest>();
        services.TryAddSingleton<OtlpHttpHandler>();
        services.TryAddSingleton<OtlpGrpcService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<OtlpGrpcService>, OtlpGrpcMethodProvider>());
        services.TryAddSingleton<IDerivedSeriesWriter>(sp => new RemoteWrite.DerivedSeriesWriter(
            sp.GetRequiredService<ITelemetryWriter>(), null, null, sp.GetRequiredService<ILogger<RemoteWrite.DerivedSeriesWriter>>()));
        services.AddHostedService<SpanMetricsFlusher>();
        services.TryAddSingleton(sp => new LogPatterns.LogPatternsService(null, sp.GetRequiredService<ILogger<LogPatterns.LogPatternsService>>()));
        services.AddHostedService<LogPatterns.LogPatternsFlusher>();

        var gzip = new BoundedGzipCompressionProvider(intake.MaxDecompressedBytes);
        void Configure(GrpcServiceOptions options)
        {
            options.MaxReceiveMessageSize = (int)intake.MaxRequestBytes;
            options.CompressionProviders = [gzip];
        }

        // gRPC messages are limited to MaxRequestBytes both on the wire and inflated (grpc-dotnet applies the one limit
        // to both). Set globally too: grpc-dotnet merges global and per-service compression providers, and the default
        // gzip provider would otherwise stay registered.
        services.AddGrpc(Configure).AddServiceOptions<OtlpGrpcService>(Configure);
        return services;
    }

    /// <summary>
    /// Maps OTLP/HTTP (<c>POST /v1/metrics</c>, <c>/v1/logs</c>, <c>/v1/traces</c>) and the OTLP/gRPC services. The
    /// returned builder applies conventions (for example <c>RequireAuthorization</c>) to all of them; its
    /// <see cref="OtlpEndpointConventionBuilder.Http"/> and <see cref="OtlpEndpointConventionBuilder.Grpc"/> to one
    /// transport only (for example <c>RequireHost</c> to serve each on its own port).
    /// </summary>
    public static OtlpEndpointConventionBuilder MapOtlpIntake(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var http = new CompositeEndpointConventionBuilder(
        [
            endpoints.MapPost("/v1/metrics", static context => Handler(context).HandleMetricsAsync(context)).WithDisplayName("OTLP/HTTP metrics"),
            endpoints.MapPost("/v1/logs", static context => Handler(context).HandleLogsAsync(context)).WithDisplayName("OTLP/HTTP logs"),
            endpoints.MapPost("/v1/traces", static context => Handler(context).HandleTracesAsync(context)).WithDisplayName("OTLP/HTTP traces"),
        ]);
        var grpc = endpoints.MapGrpcService<OtlpGrpcService>();
        return new OtlpEndpointConventionBuilder(http, grpc);
    }

    private static OtlpHttpHandler Handler(HttpContext context) => context.RequestServices.GetRequiredService<OtlpHttpHandler>();
}

/// <summary>The endpoints of OTLP intake: conventions added here apply to both transports.</summary>
public sealed class OtlpEndpointConventionBuilder : IEndpointConventionBuilder
{
    internal OtlpEndpointConventionBuilder(IEndpointConventionBuilder http, IEndpointConventionBuilder grpc)
    {
        Http = http;
        Grpc = grpc;
    }

    /// <summary>The three OTLP/HTTP routes.</summary>
    public IEndpointConventionBuilder Http { get; }

    /// <summary>The OTLP/gRPC services.</summary>
    public IEndpointConventionBuilder Grpc { get; }

    /// <inheritdoc />
    public void Add(Action<EndpointBuilder> convention)
    {
        Http.Add(convention);
        Grpc.Add(convention);
    }

    /// <inheritdoc />
    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        Http.Finally(finallyConvention);
        Grpc.Finally(finallyConvention);
    }
}

/// <summary>Applies conventions to several endpoint builders.</summary>
internal sealed class CompositeEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
{
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
