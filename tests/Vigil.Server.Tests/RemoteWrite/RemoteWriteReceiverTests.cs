using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Vigil.Server.RemoteWrite;
using Vigil.Server.RemoteWrite.Protos;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary>
/// The remote-write receiver, <c>POST /api/v1/write</c>, against a real <c>vigil serve</c>: hand-built requests for the
/// edge cases, and a real Prometheus 2.42 forwarding what it scrapes.
/// </summary>
public sealed class RemoteWriteReceiverTests
{
    private static readonly double StaleMarker = BitConverter.UInt64BitsToDouble(0x7ff0000000000002);

    [Fact]
    public async Task WrittenSeries_AreQueryableWithLabelsValuesAndMetadataIntact()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var t0 = (TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 600) * 1000;
        var request = new WriteRequest();
        request.Timeseries.Add(Series(
            [("__name__", "rw_requests_total"), ("job", "api"), ("instance", "10.0.0.1:9100"), ("path", "/a b\"c")],
            (t0, 1), (t0 + 15_000, 2), (t0 + 30_000, double.NaN), (t0 + 45_000, double.PositiveInfinity), (t0 + 60_000, -5.5e-300)));
        request.Timeseries.Add(Series([("__name__", "rw_gauge"), ("job", "api")], (t0, 7), (t0 + 15_000, StaleMarker)));
        request.Metadata.Add(new MetricMetadata { MetricFamilyName = "rw_requests", Type = MetricMetadata.Types.MetricType.Counter, Help = "Requests served.", Unit = "" });

        using (var response = await PostAsync(client, RemoteWriteCodec.Encode(request)))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var range = await GetJsonAsync(client, $"/api/v1/query_range?query=rw_requests_total&start={t0 / 1000}&end={(t0 / 1000) + 60}&step=15s");
        var series = Assert.Single(range.GetProperty("data").GetProperty("result").EnumerateArray());
        var metric = series.GetProperty("metric");
        Assert.Equal("/a b\"c", metric.GetProperty("path").GetString());
        Assert.Equal("10.0.0.1:9100", metric.GetProperty("instance").GetString());
        Assert.Equal(["1", "2", "NaN", "+Inf", "-5.5e-300"], series.GetProperty("values").EnumerateArray().Select(v => v[1].GetString()));

        // The stale marker ends rw_gauge at once: 5 s after it, within the 5 m lookback, the series is gone.
        var instant = await GetJsonAsync(client, $"/api/v1/query?query=rw_gauge&time={(t0 / 1000) + 20}");
        Assert.Empty(instant.GetProperty("data").GetProperty("result").EnumerateArray());
        var before = await GetJsonAsync(client, $"/api/v1/query?query=rw_gauge&time={(t0 / 1000) + 10}");
        Assert.Equal("7", Assert.Single(before.GetProperty("data").GetProperty("result").EnumerateArray()).GetProperty("value")[1].GetString());

        var metadata = await GetJsonAsync(client, "/api/v1/metadata?metric=rw_requests");
        var entry = Assert.Single(metadata.GetProperty("data").GetProperty("rw_requests").EnumerateArray());
        Assert.Equal("counter", entry.GetProperty("type").GetString());
        Assert.Equal("Requests served.", entry.GetProperty("help").GetString());
    }

    [Fact]
    public async Task MalformedBodies_Get4xxWithTheReason_AndValidSeriesOfAPartlyBadRequestAreKept()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var t0 = (TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 60) * 1000;

        await AssertRefusedAsync(client, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], HttpStatusCode.BadRequest, "snappy");
        await AssertRefusedAsync(client, Snappier.Snappy.CompressToArray([0x0a, 0x05, 0x01]), HttpStatusCode.BadRequest, "WriteRequest");

        // A snappy header that claims 1 GiB decompressed is refused before anything is allocated.
        await AssertRefusedAsync(client, [0x80, 0x80, 0x80, 0x80, 0x04, 0x00], HttpStatusCode.RequestEntityTooLarge, "over the limit");

        var mixed = new WriteRequest();
        mixed.Timeseries.Add(Series([("__name__", "rw_good"), ("job", "x")], (t0, 1)));
        mixed.Timeseries.Add(Series([("__name__", "rw_bad"), ("0bad", "x")], (t0, 1)));
        mixed.Timeseries.Add(Series([("job", "no-name")], (t0, 1)));
        await AssertRefusedAsync(client, RemoteWriteCodec.Encode(mixed), HttpStatusCode.BadRequest, "invalid label name \"0bad\"");
        var good = await GetJsonAsync(client, $"/api/v1/query?query=rw_good&time={t0 / 1000}");
        Assert.Single(good.GetProperty("data").GetProperty("result").EnumerateArray());

        var native = new WriteRequest();
        var histogramSeries = Series([("__name__", "rw_native"), ("job", "x")]);
        histogramSeries.Histograms.Add(Google.Protobuf.ByteString.CopyFrom(1, 2, 3));
        native.Timeseries.Add(histogramSeries);
        await AssertRefusedAsync(client, RemoteWriteCodec.Encode(native), HttpStatusCode.BadRequest, "unsupported: native histograms");

        var old = new WriteRequest();
        old.Timeseries.Add(Series([("__name__", "rw_old")], (t0 - (400L * 24 * 3600 * 1000), 1)));
        await AssertRefusedAsync(client, RemoteWriteCodec.Encode(old), HttpStatusCode.BadRequest, "older than the retention");

        using var v2 = new ByteArrayContent(RemoteWriteCodec.Encode(mixed));
        v2.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-protobuf;proto=io.prometheus.write.v2.Request");
        v2.Headers.ContentEncoding.Add("snappy");
        using var v2Response = await client.PostAsync("/api/v1/write", v2);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, v2Response.StatusCode);
        Assert.Contains("unsupported", await v2Response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.True(vigil.IsRunning);
    }

    [Fact]
    public async Task MutatedBodies_NeverGetA5xx_AndTheServerKeepsAnswering()
    {
        const int seed = 20261129;
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var t0 = (TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 60) * 1000;
        var request = new WriteRequest();
        for (var i = 0; i < 5; i++)
        {
            request.Timeseries.Add(Series([("__name__", "rw_fuzz"), ("job", "fuzz"), ("i", i.ToString(CultureInfo.InvariantCulture))], (t0, i), (t0 + 1000, i + 1)));
        }

        request.Metadata.Add(new MetricMetadata { MetricFamilyName = "rw_fuzz", Type = MetricMetadata.Types.MetricType.Gauge, Help = "h" });
        var protobuf = Google.Protobuf.MessageExtensions.ToByteArray(request);
        var random = new Random(seed);
        var failures = new List<string>();
        for (var i = 0; i < 3000 && failures.Count < 5; i++)
        {
            // Half mutate the snappy body, half mutate the protobuf inside a valid snappy frame.
            var body = i % 2 == 0
                ? IntakeFuzzTests.Mutate(RemoteWriteCodec.Encode(request), random)
                : Snappier.Snappy.CompressToArray(IntakeFuzzTests.Mutate(protobuf, random));
            using var response = await PostAsync(client, body);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"body {i} (seed {seed}): HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var answer = await GetJsonAsync(client, $"/api/v1/query?query=count(rw_fuzz)&time={(t0 / 1000) + 1}");
        Assert.Equal("success", answer.GetProperty("status").GetString());
        Assert.True(vigil.IsRunning);
    }

    [Fact]
    public async Task ARealPrometheus_RemoteWritesWhatItScrapes_AndVigilHasTheSameSeriesWithLabelsIntact()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        var prometheusPort = PrometheusProcess.FreePort();
        var config = $"""
            global:
              scrape_interval: 1s
              external_labels:
                cluster: rw-test
            scrape_configs:
              - job_name: self
                static_configs:
                  - targets: ['127.0.0.1:{prometheusPort}']
                    labels:
                      team: "observability \"core\""
            remote_write:
              - url: {vigil.HttpAddress}api/v1/write
                queue_config:
                  batch_send_deadline: 1s
            """;
        await using var prometheus = await PrometheusProcess.StartAsync(config, port: prometheusPort);
        using var vigilClient = vigil.CreateClient();
        using var prometheusClient = prometheus.CreateClient();

        // Poll until Vigil has the self-scraped build info and up series, with every label Prometheus has plus the external label.
        const string selector = "{__name__=~\"prometheus_build_info|up|prometheus_tsdb_head_series\",job=\"self\"}";
        var deadline = Stopwatch.StartNew();
        List<Dictionary<string, string>> expected = [];
        List<Dictionary<string, string>> actual = [];
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            expected = await SeriesAsync(prometheusClient, selector);
            actual = await SeriesAsync(vigilClient, selector);
            if (expected.Count == 3 && actual.Count == 3)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.Equal(3, expected.Count);
        foreach (var series in expected)
        {
            series["cluster"] = "rw-test";
        }

        Assert.Equal(expected.Select(Canonical).Order(StringComparer.Ordinal), actual.Select(Canonical).Order(StringComparer.Ordinal));
        Assert.Contains(actual, s => s["team"] == "observability \"core\"");

        // Values match too: up is 1 on both sides.
        var up = await GetJsonAsync(vigilClient, "/api/v1/query?query=" + Uri.EscapeDataString("up{job=\"self\"}"));
        Assert.Equal("1", Assert.Single(up.GetProperty("data").GetProperty("result").EnumerateArray()).GetProperty("value")[1].GetString());
    }

    private static TimeSeries Series((string Name, string Value)[] labels, params (long T, double V)[] samples)
    {
        var series = new TimeSeries();
        foreach (var (name, value) in labels.OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            series.Labels.Add(new Label { Name = name, Value = value });
        }

        foreach (var (t, v) in samples)
        {
            series.Samples.Add(new Sample { Timestamp = t, Value = v });
        }

        return series;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(RemoteWriteCodec.ContentType);
        content.Headers.ContentEncoding.Add(RemoteWriteCodec.ContentEncoding);
        content.Headers.Add(RemoteWriteCodec.VersionHeader, RemoteWriteCodec.Version);
        return await client.PostAsync("/api/v1/write", content);
    }

    private static async Task AssertRefusedAsync(HttpClient client, byte[] body, HttpStatusCode status, string reason)
    {
        using var response = await PostAsync(client, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {text}");
        Assert.Contains(reason, text, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static async Task<List<Dictionary<string, string>>> SeriesAsync(HttpClient client, string selector)
    {
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var data = await GetJsonAsync(client, $"/api/v1/series?match[]={Uri.EscapeDataString(selector)}&start={(now - 600).ToString(CultureInfo.InvariantCulture)}&end={(now + 60).ToString(CultureInfo.InvariantCulture)}");
        return data.GetProperty("data").EnumerateArray()
            .Select(s => s.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal))
            .ToList();
    }

    private static string Canonical(Dictionary<string, string> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}
