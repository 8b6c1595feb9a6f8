using System.Text.Json;

namespace Vigil.Server.Tests.Integration;

/// <summary>The REST API is described at /openapi/v1.json, query parameters included.</summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task OpenApiDocument_DescribesTelemetryAndKeyEndpointsWithTheirParameters()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/telemetry/series", "/api/v1/telemetry/samples", "/api/v1/telemetry/logs", "/api/v1/telemetry/traces", "/api/v1/telemetry/traces/{traceId}", "/api/v1/keys", "/api/v1/status/version" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        var logParameters = paths.GetProperty("/api/v1/telemetry/logs").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("trace_id", logParameters);
        Assert.Contains("page_token", logParameters);
        var seriesParameters = paths.GetProperty("/api/v1/telemetry/series").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("match[]", seriesParameters);
    }
}
