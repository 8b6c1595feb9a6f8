using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Server.Api;
using Vigil.Server.Configuration;
using Vigil.Server.Diagnostics;
using Vigil.Server.LogPatterns;
using Vigil.Server.Otlp;
using Vigil.Server.Releases;
using Vigil.Server.RemoteWrite;
using Vigil.Server.Scrape;
using Vigil.Server.Security;
using Vigil.Server.Verification;
using Vigil.Storage.RemoteWrite;
using Vigil.Storage.State;
using Vigil.Storage.Telemetry;

namespace Vigil.Server.Hosting;

/// <summary>Runs the Vigil server until it is stopped (SIGTERM, Ctrl+C or the cancellation token).</summary>
public static partial class VigilServer
{
    /// <summary>Exit code for a configuration error, the CLI's usage-error code.</summary>
    public const int ConfigurationErrorExitCode = 3;

    /// <summary>Exit code when the server could not start (address in use, data folder unusable).</summary>
    public const int StartFailedExitCode = 1;

    /// <summary>Builds and runs the host; returns the process exit code (0 on a clean stop).</summary>
    public static async Task<int> RunAsync(ServeArguments arguments, CancellationToken cancellationToken)
    {
        var options = VigilConfiguration.Load(arguments, out var errors);
        if (errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"vigil serve: the configuration has {errors.Count} error(s):");
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync("  " + error);
            }

            return ConfigurationErrorExitCode;
        }

        var listen = options.ListenAddresses().ToList();
        var keysRequired = options.Security.RequireApiKeys || listen.Any(l => !l.Address.IsLoopback);
        var time = TimeProvider.System;
        var dataDirectory = Path.GetFullPath(options.Server.DataDirectory);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        ConfigureLogging(builder.Logging);
        using var loggerFactory = LoggerFactory.Create(ConfigureLogging);
        var log = loggerFactory.CreateLogger("Vigil.Server");

        ITelemetryStore store;
        SqliteStateStore state;
        RemoteWriteQueue? remoteWriteQueue = null;
        try
        {
            Directory.CreateDirectory(dataDirectory);
            options.Storage.DataDirectory = Path.Combine(dataDirectory, "telemetry");
            store = await EmbeddedTelemetryStore.OpenAsync(options.Storage, time, loggerFactory.CreateLogger("Vigil.Storage.Telemetry"), cancellationToken);
            state = await SqliteStateStore.OpenAsync(dataDirectory, time, cancellationToken);
            if (options.MetricsSource.Kind == MetricsSourceKind.Prometheus && options.MetricsSource.RemoteWrite)
            {
                remoteWriteQueue = RemoteWriteQueue.Open(
                    Path.Combine(dataDirectory, MetricsSourceServiceCollectionExtensions.QueueFolder), options.MetricsSource.QueueMaxBytes, loggerFactory.CreateLogger("Vigil.Storage.RemoteWrite"));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"vigil serve: cannot open the data folder {dataDirectory}: {ex.Message}");
            return StartFailedExitCode;
        }

        try
        {
            var endpoints = new List<(string Name, ListenOptions Options)>();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = options.Intake.MaxRequestBytes;
                foreach (var (name, address) in listen)
                {
                    kestrel.Listen(address.Address, address.Port, listenOptions =>
                    {
                        // gRPC without TLS needs HTTP/2 with prior knowledge; without TLS there is no negotiation, so the HTTP ports speak HTTP/1.1.
                        listenOptions.Protocols = name == "otlpGrpc" ? HttpProtocols.Http2 : HttpProtocols.Http1;
                        endpoints.Add((name, listenOptions));
                    });
                }
            });
            builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.Server.ShutdownTimeout);
            builder.Services.Configure<JsonOptions>(json =>
            {
                json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals;
            });

            var services = builder.Services;
            services.AddSingleton(time);
            services.AddSingleton(options);
            services.AddSingleton(options.Server);
            services.AddSingleton(options.Security);
            services.AddSingleton(options.Query);
            services.AddSingleton<VigilMetrics>();
            services.AddSingleton(new MetricMetadataCatalog());
            services.AddMetricsSource(options.MetricsSource, store, remoteWriteQueue);
            services.AddSingleton<ReadinessGate>();
            services.AddSingleton(store);
            services.AddSingleton<ITelemetryWriter>(store);
            services.AddSingleton<ISeriesSource>(store);
            services.AddSingleton<ILogSource>(store);
            services.AddSingleton<ITraceSource>(store);
            services.AddSingleton(state);
            services.AddSingleton<IApiKeyStore>(_ => new SqliteApiKeyStore(state));
            services.AddSingleton<ApiKeyVerifier>();
            services.AddSingleton(new ApiKeyPolicy(keysRequired));
            services.AddProblemDetails();
            services.AddOpenApi();
            services.AddSingleton(sp => new LogPatterns.LogPatternsService(dataDirectory, sp.GetRequiredService<ILogger<LogPatterns.LogPatternsService>>()));
            services.AddOtlpIntake(options.Intake, options.SpanMetrics);
            services.AddSingleton<RemoteWriteReceiver>();
            services.AddScrape();
            services.AddReleases();
            services.AddSingleton<LogPatterns.ReleasePatternReport>();
            services.AddHostedService<LogPatterns.ReleasePatternTimeline>();
            Declarative.DeclarativeEndpoints.AddDeclarative(services);
            services.AddVerification(options.Verification);
            Checks.ChecksServiceCollectionExtensions.AddChecks(services, options.Checks);
            Drift.DriftEndpoints.AddDrift(services);
            Anomalies.AnomalyEndpoints.AddAnomalies(services, options.Anomalies, dataDirectory);
            Ui.UiEndpoints.AddUi(services);

            var app = builder.Build();
            app.UseStatusCodePages();
            app.UseRouting();
            app.UseMiddleware<ApiKeyMiddleware>();
            app.UseAntiforgery();
            app.MapOpenApi("/openapi/{documentName}.json").RequireScope(ApiKeyScope.Read);
            app.MapSystemEndpoints();
            app.MapTelemetryEndpoints();
            app.MapKeyEndpoints();
            app.MapReleaseEndpoints();
            app.MapReleasePatterns();
            app.MapPrometheusApi();
            app.MapScrapeTargets();
            app.MapOtlpIntake().RequireScope(ApiKeyScope.Ingest);
            app.MapRemoteWrite();
            Declarative.DeclarativeEndpoints.MapDeclarativeEndpoints(app);
            app.MapVerificationEndpoints();
            Checks.CheckEndpoints.MapCheckEndpoints(app);
            Drift.DriftEndpoints.MapDriftEndpoints(app);
            Anomalies.AnomalyEndpoints.MapAnomalyEndpoints(app);
            Ui.UiEndpoints.MapUi(app);

            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"vigil serve: cannot listen: {ex.Message}");
                return StartFailedExitCode;
            }

            var bound = endpoints.ToDictionary(e => e.Name, e => "http://" + FormatEndPoint(e.Options.IPEndPoint!), StringComparer.Ordinal);
            app.Services.GetRequiredService<ReadinessGate>().MarkReady();
            var addresses = string.Join(", ", bound.Select(b => $"{b.Key} {b.Value}"));
            LogListening(log, addresses, dataDirectory, keysRequired);
            if (options.Server.ReadyFile is { Length: > 0 } readyFile)
            {
                await WriteReadyFileAsync(readyFile, bound, dataDirectory, cancellationToken);
            }

            await app.WaitForShutdownAsync(cancellationToken);
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            return 0;
        }
        finally
        {
            using var flushTimeout = new CancellationTokenSource(options.Server.ShutdownTimeout);
            try
            {
                await store.FlushAsync(flushTimeout.Token);
            }
            catch (OperationCanceledException)
            {
                LogFlushTimedOut(log, options.Server.ShutdownTimeout);
            }

            await store.DisposeAsync();
            await state.DisposeAsync();
            remoteWriteQueue?.Dispose();
            LogStopped(log);
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);

        // A failed start (address in use) is reported by RunAsync in one line; the host's own stack trace adds nothing.
        logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        logging.AddFilter("Grpc", LogLevel.Warning);
    }

    private static string FormatEndPoint(IPEndPoint endPoint) =>
        endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]:{endPoint.Port}" : $"{endPoint.Address}:{endPoint.Port}";

    private static async Task WriteReadyFileAsync(string path, IReadOnlyDictionary<string, string> bound, string dataDirectory, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["http"] = bound.GetValueOrDefault("http", string.Empty),
            ["otlpGrpc"] = bound.GetValueOrDefault("otlpGrpc", string.Empty),
            ["otlpHttp"] = bound.GetValueOrDefault("otlpHttp", string.Empty),
            ["dataDirectory"] = dataDirectory,
            ["pid"] = Environment.ProcessId,
        });
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp";
        await File.WriteAllTextAsync(temporary, json, cancellationToken);
        File.Move(temporary, full, overwrite: true);
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Vigil listening on {Addresses}; data in {DataDirectory}; API keys required: {KeysRequired}")]
    private static partial void LogListening(ILogger logger, string addresses, string dataDirectory, bool keysRequired);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Vigil stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Flushing the telemetry store took longer than {Timeout}; the write-ahead log keeps what was acknowledged")]
    private static partial void LogFlushTimedOut(ILogger logger, TimeSpan timeout);
}
