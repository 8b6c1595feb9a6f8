using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Client.Contracts;

namespace Vigil.Server.Tests.Integration;

/// <summary>Small helpers over the raw query API for integration tests.</summary>
internal static class TelemetryApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<SamplesResponse> SamplesAsync(HttpClient client, string selector)
    {
        var response = await client.GetAsync("/api/v1/telemetry/samples?match[]=" + Uri.EscapeDataString(selector));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"samples {selector}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<SamplesResponse>(body, Json)!;
    }

    public static async Task<SeriesListResponse> SeriesAsync(HttpClient client, string selector)
    {
        var response = await client.GetAsync("/api/v1/telemetry/series?match[]=" + Uri.EscapeDataString(selector));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"series {selector}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<SeriesListResponse>(body, Json)!;
    }

    public static async Task<LogsResponse> LogsAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/api/v1/telemetry/logs?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"logs {query}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<LogsResponse>(body, Json)!;
    }

    public static async Task<TracesResponse> TracesAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/api/v1/telemetry/traces?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"traces {query}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<TracesResponse>(body, Json)!;
    }

    public static async Task<TraceResponse?> TraceAsync(HttpClient client, string traceId)
    {
        var response = await client.GetAsync("/api/v1/telemetry/traces/" + traceId);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        return await response.Content.ReadFromJsonAsync<TraceResponse>(Json);
    }

    /// <summary>The last sample value of the single series matching a selector, or null when none matches yet.</summary>
    public static async Task<double?> LastValueAsync(HttpClient client, string selector)
    {
        var samples = await SamplesAsync(client, selector);
        return samples.Series.Count == 0 || samples.Series[0].Samples.Count == 0 ? null : samples.Series[0].Samples[^1].Value;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the deadline passes; never a fixed sleep.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (stopwatch.Elapsed < limit)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"timed out after {limit} waiting for: {what}");
    }
}
