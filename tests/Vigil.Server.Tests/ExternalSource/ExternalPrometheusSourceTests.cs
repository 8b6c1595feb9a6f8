using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.ExternalSource;

/// <summary>
/// A real Prometheus (Debian's 2.42, remote-write receiver on) loaded with the scenario of <see cref="ExternalPrometheus"/>,
/// and a real Vigil with <c>metricsSource.kind: prometheus</c> pointed at it. Shared by the tests of
/// <see cref="ExternalPrometheusSourceTests"/>.
/// </summary>
public sealed class ExternalPrometheusFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-ext-" + Guid.NewGuid().ToString("N"));

    public PrometheusProcess Prometheus { get; private set; } = null!;

    public VigilServerProcess Vigil { get; private set; } = null!;

    /// <summary>The last scenario sample, Unix milliseconds.</summary>
    public long DataEndMs { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, "scenario.om");
        var data = Path.Combine(_directory, "prometheus");
        DataEndMs = ExternalPrometheus.WriteOpenMetrics(file, TimeProvider.System.GetUtcNow());
        await PrometheusProcess.CreateBlocksFromOpenMetricsAsync(file, data);
        Prometheus = await PrometheusProcess.StartAsync(dataDirectory: data, enableRemoteWriteReceiver: true);
        Vigil = await VigilServerProcess.StartAsync(environment: ExternalPrometheus.VigilEnvironment(Prometheus.Address));
    }

    public async Task DisposeAsync()
    {
        if (Vigil is not null)
        {
            await Vigil.DisposeAsync();
        }

        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>
/// Vigil with an external Prometheus as its metrics source: the Prometheus API through Vigil answers as Prometheus does,
/// span metrics Vigil derives are remote-written there, and errors keep Prometheus's envelope.
/// </summary>
public sealed class ExternalPrometheusSourceTests(ExternalPrometheusFixture fixture) : IClassFixture<ExternalPrometheusFixture>
{
    private static readonly string[] Queries =
    [
        "vigil_ext_requests_total",
        "rate(vigil_ext_requests_total[5m])",
        "sum by (job) (increase(vigil_ext_requests_total[10m]))",
        "resets(vigil_ext_requests_total[2h])",
        "histogram_quantile(0.9, sum by (le) (rate(vigil_ext_latency_seconds_bucket[5m])))",
        "avg_over_time(vigil_ext_temperature_celsius[15m]) > 20",
        "vigil_ext_temperature_celsius offset 30m",
        "max_over_time(deriv(vigil_ext_temperature_celsius[10m])[30m:1m])",
        "scalar(sum(vigil_ext_temperature_celsius))",
        "vigil_ext_requests_total / 0",
    ];

    [Fact]
    public async Task QueryAndQueryRange_ThroughVigil_AnswerAsPrometheusDoes()
    {
        using var vigil = fixture.Vigil.CreateClient();
        using var prometheus = fixture.Prometheus.CreateClient();
        var at = ExternalPrometheus.Seconds(fixture.DataEndMs - 300_000);
        var start = ExternalPrometheus.Seconds(fixture.DataEndMs - 5_400_000);
        var end = ExternalPrometheus.Seconds(fixture.DataEndMs - 300_000);

        foreach (var query in Queries.Append("\"hello\""))
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
            {
                await AssertSameAsync(vigil, prometheus, method, "/api/v1/query", [("query", query), ("time", at)]);
            }

            if (query.StartsWith('"'))
            {
                continue;
            }

            var (_, range) = await AssertSameAsync(vigil, prometheus, HttpMethod.Post, "/api/v1/query_range", [("query", query), ("start", start), ("end", end), ("step", "60")]);
            Assert.Equal("matrix", range.GetProperty("data").GetProperty("resultType").GetString());
        }

        // The comparisons are not vacuous: the scenario is there.
        var (_, body) = await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/query", [("query", "count(vigil_ext_requests_total)"), ("time", at)]);
        Assert.Equal("3", body.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
    }

    [Fact]
    public async Task SeriesLabelsAndLabelValues_ThroughVigil_AnswerAsPrometheusDoes()
    {
        using var vigil = fixture.Vigil.CreateClient();
        using var prometheus = fixture.Prometheus.CreateClient();

        // The window ends with the scenario, so span metrics remote-written meanwhile by the other tests cannot differ between the two calls.
        (string, string)[] window = [("start", ExternalPrometheus.Seconds(fixture.DataEndMs - 10_800_000)), ("end", ExternalPrometheus.Seconds(fixture.DataEndMs))];
        var (_, series) = await AssertSameAsync(vigil, prometheus, HttpMethod.Post, "/api/v1/series", [("match[]", "vigil_ext_requests_total"), ("match[]", "{__name__=~\"vigil_ext_temp.*\",room!=\"\"}"), .. window]);
        Assert.Equal(5, series.GetProperty("data").GetArrayLength());
        await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/series", [("match[]", "vigil_ext_latency_seconds_bucket{le=~\"0.1|1\"}"), .. window]);

        var (_, labels) = await AssertSameAsync(vigil, prometheus, HttpMethod.Post, "/api/v1/labels", window);
        Assert.Contains(labels.GetProperty("data").EnumerateArray(), l => l.GetString() == "room");
        await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/labels", [("match[]", "vigil_ext_latency_seconds_sum"), .. window]);

        var (_, jobs) = await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/label/job/values", window);
        Assert.Equal(["api", "worker"], jobs.GetProperty("data").EnumerateArray().Select(j => j.GetString()));
        await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/label/instance/values", [("match[]", "vigil_ext_requests_total{job=\"api\"}"), .. window]);
        await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/label/__name__/values", window);
    }

    [Fact]
    public async Task SpanMetrics_DerivedByVigil_ArriveInPrometheusByRemoteWrite()
    {
        using var vigil = fixture.Vigil.CreateClient();
        using var prometheus = fixture.Prometheus.CreateClient();
        const int Spans = 3;
        var now = TimeProvider.System.GetUtcNow();
        var traces = OtlpPayloads.Spans("ext-checkout", now, [.. Enumerable.Range(0, Spans).Select(i => (OtlpPayloads.TraceId(100 + i), "GET /cart"))]);

        using var sent = await vigil.PostAsync("/v1/traces", OtlpPayloads.Protobuf(traces));
        Assert.True(sent.IsSuccessStatusCode, $"OTLP export answered {(int)sent.StatusCode}");

        var query = "sum(traces_span_metrics_calls_total{service_name=\"ext-checkout\",span_name=\"GET /cart\",span_kind=\"SPAN_KIND_SERVER\"})";
        await TelemetryApi.Eventually(
            async () => await ValueAsync(prometheus, query) == Spans,
            $"{query} = {Spans} in Prometheus\nVigil:\n{fixture.Vigil.Output}",
            TimeSpan.FromSeconds(60));

        // The histogram arrives too, and Vigil, querying through Prometheus, sees the same.
        Assert.Equal(Spans, await ValueAsync(prometheus, "sum(traces_span_metrics_duration_seconds_count{service_name=\"ext-checkout\"})"));
        Assert.Equal(Spans, await ValueAsync(vigil, query));
        var metrics = await vigil.GetStringAsync("/metrics");
        Assert.Matches("vigil_remote_write_samples_total\\{outcome=\"sent\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task BadPromQl_ThroughVigil_GetsPrometheusBadDataAnswer()
    {
        using var vigil = fixture.Vigil.CreateClient();
        using var prometheus = fixture.Prometheus.CreateClient();

        var (status, body) = await AssertSameAsync(vigil, prometheus, HttpMethod.Post, "/api/v1/query", [("query", "sum(rate(x[5m])")]);

        Assert.Equal(400, status);
        Assert.Equal("bad_data", body.GetProperty("errorType").GetString());
        Assert.Contains("parse error", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_ThroughVigil_AnswersAsPrometheusDoes()
    {
        using var vigil = fixture.Vigil.CreateClient();
        using var prometheus = fixture.Prometheus.CreateClient();

        await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/metadata", []);
        await AssertSameAsync(vigil, prometheus, HttpMethod.Get, "/api/v1/metadata", [("metric", "vigil_ext_requests_total")]);
    }

    private static async Task<(int Status, JsonElement Body)> AssertSameAsync(HttpClient vigil, HttpClient prometheus, HttpMethod method, string path, (string, string)[] parameters)
    {
        var expected = await ExternalPrometheus.SendAsync(prometheus, method, path, parameters);
        var actual = await ExternalPrometheus.SendAsync(vigil, method, path, parameters);
        var what = $"{method} {path} {string.Join('&', parameters.Select(p => p.Item1 + "=" + p.Item2))} (seed {ExternalPrometheus.Seed})";
        Assert.True(expected.Status == actual.Status, $"{what}: Prometheus {expected.Status}, Vigil {actual.Status}: {actual.Body}");
        Assert.Equal(ExternalPrometheus.Canonical(expected.Body), ExternalPrometheus.Canonical(actual.Body));
        return actual;
    }

    private static async Task<double?> ValueAsync(HttpClient client, string query)
    {
        var (status, body) = await ExternalPrometheus.SendAsync(client, HttpMethod.Get, "/api/v1/query", [("query", query)]);
        if (status != 200)
        {
            return null;
        }

        var result = body.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }
}

/// <summary>The remote-write queue across a Prometheus outage and a Vigil crash, and an unreachable source.</summary>
public sealed class ExternalPrometheusOutageTests
{
    [Fact]
    public async Task SpanMetrics_FlushedWhilePrometheusIsDown_SurviveKill9AndArriveWhenItIsBack()
    {
        var root = Path.Combine(Path.GetTempPath(), "vigil-outage-" + Guid.NewGuid().ToString("N"));
        var prometheusData = Path.Combine(root, "prometheus");
        var vigilData = Path.Combine(root, "vigil");
        Directory.CreateDirectory(prometheusData);
        Directory.CreateDirectory(vigilData);
        var port = PrometheusProcess.FreePort();
        try
        {
            var first = await PrometheusProcess.StartAsync(dataDirectory: prometheusData, enableRemoteWriteReceiver: true, port: port);
            var environment = ExternalPrometheus.VigilEnvironment(first.Address);
            var vigil = await VigilServerProcess.StartAsync(dataDirectory: vigilData, environment: environment);
            using (var client = vigil.CreateClient())
            using (var up = first.CreateClient())
            {
                // Working at first.
                await SendSpansAsync(client, "ext-before", 2);
                await TelemetryApi.Eventually(async () => await CountAsync(up, "ext-before") == 2, "ext-before in Prometheus\n" + vigil.Output, TimeSpan.FromSeconds(60));

                // Prometheus goes down; spans keep coming and their metrics wait in the queue.
                await first.DisposeAsync();
                await SendSpansAsync(client, "ext-queued", 4);
                await TelemetryApi.Eventually(
                    async () => (await TelemetryApi.SeriesAsync(client, "traces_span_metrics_calls_total{service_name=\"ext-queued\"}")).Series.Count > 0,
                    "ext-queued span metrics flushed in Vigil");
                await TelemetryApi.Eventually(
                    async () => Counter(await client.GetStringAsync("/metrics"), "vigil_remote_write_requests_total{outcome=\"retried\"}") > 0,
                    "a failed remote-write attempt");
                var metrics = await client.GetStringAsync("/metrics");
                Assert.True(Counter(metrics, "vigil_remote_write_queue_pending_bytes") > 0, metrics);
            }

            // Vigil crashes with the samples unsent.
            await vigil.KillAsync();
            await vigil.DisposeAsync();

            // Prometheus comes back on the same folder and port, Vigil restarts on its data folder: the queue drains.
            await using var second = await PrometheusProcess.StartAsync(dataDirectory: prometheusData, enableRemoteWriteReceiver: true, port: port);
            await using var restarted = await VigilServerProcess.StartAsync(dataDirectory: vigilData, environment: environment);
            using var prometheus = second.CreateClient();
            await TelemetryApi.Eventually(
                async () => await CountAsync(prometheus, "ext-queued") == 4,
                "ext-queued in Prometheus after the restarts\n" + restarted.Output,
                TimeSpan.FromSeconds(60));
            using var again = restarted.CreateClient();
            Assert.Equal(4, await CountAsync(again, "ext-queued"));
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    [Fact]
    public async Task Query_WhenTheSourceIsUnreachable_Answers503UnavailableWithoutTheSecret()
    {
        var port = PrometheusProcess.FreePort();
        var environment = ExternalPrometheus.VigilEnvironment(new Uri($"http://127.0.0.1:{port}/"));
        environment["VIGIL__METRICSSOURCE__USERNAME"] = "vigil";
        environment["VIGIL__METRICSSOURCE__PASSWORD"] = "hunter2-do-not-print";
        await using var vigil = await VigilServerProcess.StartAsync(environment: environment);
        using var client = vigil.CreateClient();

        var (status, body) = await ExternalPrometheus.SendAsync(client, HttpMethod.Get, "/api/v1/query", [("query", "up")]);

        Assert.Equal(503, status);
        Assert.Equal("error", body.GetProperty("status").GetString());
        Assert.Equal("unavailable", body.GetProperty("errorType").GetString());
        Assert.Equal($"metrics source http://127.0.0.1:{port} unreachable: connection refused", body.GetProperty("error").GetString());
        Assert.DoesNotContain("hunter2", body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", vigil.Output, StringComparison.Ordinal);
    }

    private static async Task SendSpansAsync(HttpClient client, string service, int count)
    {
        var now = TimeProvider.System.GetUtcNow();
        var traces = OtlpPayloads.Spans(service, now, [.. Enumerable.Range(0, count).Select(i => (OtlpPayloads.TraceId(200 + i), "POST /pay"))]);
        using var response = await client.PostAsync("/v1/traces", OtlpPayloads.Protobuf(traces));
        Assert.True(response.IsSuccessStatusCode, $"OTLP export answered {(int)response.StatusCode}");
    }

    private static async Task<double?> CountAsync(HttpClient client, string service)
    {
        var (status, body) = await ExternalPrometheus.SendAsync(client, HttpMethod.Get, "/api/v1/query", [("query", $"sum(traces_span_metrics_calls_total{{service_name=\"{service}\"}})")]);
        if (status != 200)
        {
            return null;
        }

        var result = body.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private static double Counter(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? -1 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
