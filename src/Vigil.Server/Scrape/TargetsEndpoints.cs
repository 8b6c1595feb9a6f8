using System.Globalization;
using System.Text.Json;
using Vigil.Core.Scrape;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Server.Security;

namespace Vigil.Server.Scrape;

/// <summary>
/// <c>GET /api/v1/targets</c> in Prometheus's shape and envelope: active targets with their discovered and final
/// labels, last scrape, duration, error and health, and targets dropped by relabeling. Supports Prometheus's
/// <c>state</c> (<c>active</c>, <c>dropped</c>, <c>any</c>) and <c>scrapePool</c> parameters.
/// </summary>
public static class TargetsEndpoints
{
    /// <summary>Adds the scrape manager (a hosted service reading <c>scrape_configs</c>).</summary>
    public static IServiceCollection AddScrape(this IServiceCollection services)
    {
        services.AddSingleton<ScrapeManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ScrapeManager>());
        return services;
    }

    /// <summary>Maps <c>/api/v1/targets</c> (read scope).</summary>
    public static IEndpointRouteBuilder MapScrapeTargets(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/targets", WriteTargetsAsync)
            .RequireScope(ApiKeyScope.Read)
            .WithTags("Prometheus API")
            .WithSummary("Scrape targets and their health (Prometheus API).");
        return endpoints;
    }

    private static async Task WriteTargetsAsync(HttpContext context)
    {
        var manager = context.RequestServices.GetRequiredService<ScrapeManager>();
        var state = context.Request.Query["state"].ToString();
        var pool = context.Request.Query["scrapePool"].ToString();
        context.Response.ContentType = "application/json";
        if (state.Length > 0 && state is not ("active" or "dropped" or "any"))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await using var bad = new Utf8JsonWriter(context.Response.Body);
            bad.WriteStartObject();
            bad.WriteString("status", "error");
            bad.WriteString("errorType", "bad_data");
            bad.WriteString("error", $"invalid parameter \"state\": must be active, dropped or any, not \"{state}\"");
            bad.WriteEndObject();
            return;
        }

        var active = state is "" or "active" or "any";
        var dropped = state is "" or "dropped" or "any";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("status", "success");
        writer.WriteStartObject("data");
        writer.WriteStartArray("activeTargets");
        foreach (var p in manager.Pools.Where(p => pool.Length == 0 || p.Config.JobName == pool))
        {
            foreach (var loop in active ? p.Active() : [])
            {
                var (health, lastError, lastScrape, duration) = loop.Status();
                writer.WriteStartObject();
                WriteLabels(writer, "discoveredLabels", loop.Target.DiscoveredLabels);
                WriteLabels(writer, "labels", loop.Target.Labels);
                writer.WriteString("scrapePool", p.Config.JobName);
                writer.WriteString("scrapeUrl", loop.Target.ScrapeUrl.ToString());
                writer.WriteString("globalUrl", loop.Target.ScrapeUrl.ToString());
                writer.WriteString("lastError", lastError);
                writer.WriteString("lastScrape", (lastScrape ?? DateTimeOffset.MinValue).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                writer.WriteNumber("lastScrapeDuration", duration.TotalSeconds);
                writer.WriteString("health", health switch { TargetHealth.Up => "up", TargetHealth.Down => "down", _ => "unknown" });
                writer.WriteString("scrapeInterval", ScrapeLabels.FormatDuration(loop.Target.Interval));
                writer.WriteString("scrapeTimeout", ScrapeLabels.FormatDuration(loop.Target.Timeout));
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
        writer.WriteStartArray("droppedTargets");
        foreach (var p in manager.Pools.Where(p => pool.Length == 0 || p.Config.JobName == pool))
        {
            foreach (var labels in dropped ? p.Dropped() : [])
            {
                writer.WriteStartObject();
                WriteLabels(writer, "discoveredLabels", labels);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteLabels(Utf8JsonWriter writer, string name, LabelSet labels)
    {
        writer.WriteStartObject(name);
        foreach (var label in labels.Labels)
        {
            writer.WriteString(label.Name, label.Value);
        }

        writer.WriteEndObject();
    }
}
