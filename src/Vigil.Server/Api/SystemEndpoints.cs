using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Server.Diagnostics;
using Vigil.Server.Security;

namespace Vigil.Server.Api;

/// <summary>Vigil's own health, version and metrics endpoints.</summary>
public static class SystemEndpoints
{
    /// <summary>Maps <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and <c>/api/v1/status/version</c>.</summary>
    public static IEndpointRouteBuilder MapSystemEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Text("ok\n")).RequireScope(ApiKeyScope.Read).ExcludeFromDescription();
        endpoints.MapGet("/readyz", (ReadinessGate gate) => gate.IsReady
                ? Results.Text("ready\n")
                : Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable))
            .RequireScope(ApiKeyScope.Read).ExcludeFromDescription();
        endpoints.MapGet("/metrics", WriteMetrics).RequireScope(ApiKeyScope.Read).ExcludeFromDescription();
        endpoints.MapGet("/api/v1/status/version", () => TypedResults.Ok(Version())).RequireScope(ApiKeyScope.Read).WithTags("Status");
        return endpoints;
    }

    /// <summary>This build's version.</summary>
    public static VersionDto Version()
    {
        var assembly = typeof(SystemEndpoints).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var version = plus < 0 ? informational : informational[..plus];
        var commit = plus < 0 ? "unknown" : informational[(plus + 1)..];
        return new VersionDto(version, commit, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    private static IResult WriteMetrics(VigilMetrics metrics, ITelemetryStore store)
    {
        var sb = new StringBuilder(4096);
        metrics.WriteTo(sb);
        var stats = store.GetStats();
        Gauge(sb, "vigil_store_active_series", "Series in the telemetry store's head.", stats.ActiveSeries);
        Gauge(sb, "vigil_store_head_samples", "Samples held in memory.", stats.HeadSamples);
        Gauge(sb, "vigil_store_head_log_records", "Log records held in memory.", stats.HeadLogs);
        Gauge(sb, "vigil_store_head_spans", "Spans held in memory.", stats.HeadSpans);
        Gauge(sb, "vigil_store_blocks", "Blocks on disk.", stats.Blocks);
        Gauge(sb, "vigil_store_size_bytes", "Bytes of telemetry on disk, blocks and write-ahead log.", stats.DiskBytes);
        Gauge(sb, "vigil_store_wal_size_bytes", "Bytes of the write-ahead log.", stats.WalBytes);
        using var process = Process.GetCurrentProcess();
        sb.Append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"process_cpu_seconds_total {process.TotalProcessorTime.TotalSeconds}\n");
        Gauge(sb, "process_resident_memory_bytes", "Resident memory size in bytes.", process.WorkingSet64);
        Gauge(sb, "dotnet_gc_heap_size_bytes", "Managed heap size in bytes.", GC.GetTotalMemory(forceFullCollection: false));
        return Results.Text(sb.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }

    private static void Gauge(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}

/// <summary>Flips to ready once the server listens and its store is open.</summary>
public sealed class ReadinessGate
{
    private volatile bool _ready;

    /// <summary>True once ready.</summary>
    public bool IsReady => _ready;

    /// <summary>Marks the server ready.</summary>
    public void MarkReady() => _ready = true;
}
