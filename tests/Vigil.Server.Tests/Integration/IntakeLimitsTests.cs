using System.Net;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Rpc;

namespace Vigil.Server.Tests.Integration;

/// <summary>Limits hold at the real server: overload answers 429 with a retry hint instead of growing; new series beyond the limit are refused as partial success.</summary>
public sealed class IntakeLimitsTests
{
    [Fact]
    public async Task FullWriteQueue_Answers429WithRetryAfterAndRetryInfo()
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["VIGIL__STORAGE__MAXPENDINGWRITEBYTES"] = "64KiB",
        });
        using var client = vigil.CreateClient();
        var bodies = Enumerable.Range(0, 1000).Select(i => $"log line {i} " + new string('x', 150)).ToArray();
        var payload = OtlpPayloads.Logs("overload", TimeProvider.System.GetUtcNow(), bodies);

        HttpResponseMessage? refused = null;
        var accepted = 0;
        for (var round = 0; round < 50 && refused is null; round++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.PostAsync("/v1/logs", OtlpPayloads.Protobuf(payload))));
            accepted += responses.Count(r => r.StatusCode == HttpStatusCode.OK);
            refused = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"answered {(int)r.StatusCode}"));
        }

        Assert.NotNull(refused);
        Assert.True(accepted > 0);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var status = Status.Parser.ParseFrom(await refused.Content.ReadAsByteArrayAsync());
        Assert.Equal(8, status.Code); // RESOURCE_EXHAUSTED
        Assert.Contains(status.Details, d => d.TypeUrl.EndsWith("google.rpc.RetryInfo", StringComparison.Ordinal));

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("vigil_intake_requests_total{outcome=\"overloaded\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeriesBeyondLimit_AreRefusedAsPartialSuccess_ExistingSeriesKeepWorking()
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["VIGIL__STORAGE__MAXSERIES"] = "5",
            ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "10m",
        });
        using var client = vigil.CreateClient();
        var now = TimeProvider.System.GetUtcNow();
        var first = OtlpPayloads.Gauges("limited", now.AddSeconds(-2), ("limited_probe", "0", 0), ("limited_probe", "1", 1), ("limited_probe", "2", 2));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(first))).StatusCode);

        // 3 of the 5 are used (the resource has only promoted attributes, so no target_info); of 4 new series 2 fit.
        var second = OtlpPayloads.Gauges("limited", now.AddSeconds(-1), ("limited_probe", "0", 10), ("limited_probe", "3", 3), ("limited_probe", "4", 4), ("limited_probe", "5", 5), ("limited_probe", "6", 6));
        var response = await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(second));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, answer.PartialSuccess.RejectedDataPoints);
        Assert.Contains("series limit", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(10, await TelemetryApi.LastValueAsync(client, "limited_probe{point=\"0\"}"));
    }

    [Fact]
    public async Task SamplesQueryOverTheSampleBound_Answers422SayingWhy()
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: new Dictionary<string, string> { ["VIGIL__QUERY__MAXSAMPLES"] = "3" });
        using var client = vigil.CreateClient();
        var now = TimeProvider.System.GetUtcNow().AddSeconds(-10);
        for (var i = 0; i < 4; i++)
        {
            var payload = OtlpPayloads.Gauges("bounded", now.AddSeconds(i), ("bounded_probe", "a", i));
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(payload))).StatusCode);
        }

        var response = await client.GetAsync("/api/v1/telemetry/samples?match[]=bounded_probe");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("query.maxSamples", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
