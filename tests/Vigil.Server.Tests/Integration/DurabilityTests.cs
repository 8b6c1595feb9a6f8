namespace Vigil.Server.Tests.Integration;

/// <summary>What intake acknowledged survives <c>kill -9</c>, exactly once.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Kill9_AfterAcknowledgedBatches_RestartReturnsAllExactlyOnce()
    {
        const int batches = 40;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-durability-" + Guid.NewGuid().ToString("N"));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        try
        {
            await using (var first = await VigilServerProcess.StartAsync(dataDirectory))
            {
                using var client = first.CreateClient();
                for (var i = 0; i < batches; i++)
                {
                    var at = now.AddSeconds(-batches + i);
                    var metrics = await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(OtlpPayloads.Gauges("durable", at, ("durability_probe", i.ToString(System.Globalization.CultureInfo.InvariantCulture), i))));
                    var logs = await client.PostAsync("/v1/logs", OtlpPayloads.Protobuf(OtlpPayloads.Logs("durable", at, $"batch {i}")));
                    var spans = await client.PostAsync("/v1/traces", OtlpPayloads.Protobuf(OtlpPayloads.Spans("durable", at, (OtlpPayloads.TraceId(i), $"op {i}"))));
                    Assert.True(metrics.IsSuccessStatusCode && logs.IsSuccessStatusCode && spans.IsSuccessStatusCode, $"batch {i} was not acknowledged");
                }

                await first.KillAsync();
            }

            await using var second = await VigilServerProcess.StartAsync(dataDirectory);
            using var reader = second.CreateClient();
            var samples = await TelemetryApi.SamplesAsync(reader, "durability_probe{service_name=\"durable\"}");
            Assert.Equal(batches, samples.Series.Count);
            Assert.All(samples.Series, s => Assert.Equal(double.Parse(s.Labels["point"], System.Globalization.CultureInfo.InvariantCulture), Assert.Single(s.Samples).Value));

            var storedLogs = await TelemetryApi.LogsAsync(reader, "service=durable&limit=1000");
            Assert.Equal(batches, storedLogs.Records.Count);
            Assert.Equal(batches, storedLogs.Records.Select(r => r.Body).Distinct().Count());

            var traces = await TelemetryApi.TracesAsync(reader, "service=durable&limit=1000");
            Assert.Equal(batches, traces.Traces.Count);
            Assert.All(traces.Traces, t => Assert.Equal(1, t.SpanCount));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_FlushesAndExitsCleanly_DataSurvives()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-sigterm-" + Guid.NewGuid().ToString("N"));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        try
        {
            await using (var first = await VigilServerProcess.StartAsync(dataDirectory))
            {
                using var client = first.CreateClient();
                var response = await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(OtlpPayloads.Gauges("graceful", now, ("graceful_probe", "a", 42))));
                Assert.True(response.IsSuccessStatusCode);
                Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));
                Assert.Contains("Vigil stopped", first.Output, StringComparison.Ordinal);
            }

            await using var second = await VigilServerProcess.StartAsync(dataDirectory);
            using var reader = second.CreateClient();
            Assert.Equal(42, await TelemetryApi.LastValueAsync(reader, "graceful_probe{service_name=\"graceful\"}"));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
