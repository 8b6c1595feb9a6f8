using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Vigil.Server.Otlp.Protos.Rpc;

namespace Vigil.Server.Tests.Integration;

/// <summary>
/// Bad OTLP/HTTP input gets a 4xx whose message says what was wrong, in the request's own encoding; hand-built
/// payloads cover what the .NET exporter never sends (OTLP/JSON with hex ids, summaries, gzip).
/// </summary>
public sealed class IntakeBadInputTests : IAsyncLifetime
{
    private VigilServerProcess _vigil = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _vigil = await VigilServerProcess.StartAsync(environment: new Dictionary<string, string> { ["VIGIL__INTAKE__MAXREQUESTBYTES"] = "256KiB" });
        _client = _vigil.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _vigil.DisposeAsync();
    }

    [Theory]
    [InlineData("/v1/metrics")]
    [InlineData("/v1/logs")]
    [InlineData("/v1/traces")]
    public async Task UndecodableProtobuf_Answers400WithStatusMessage(string path)
    {
        var response = await _client.PostAsync(path, Raw([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01], "application/x-protobuf"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, status.Code); // INVALID_ARGUMENT
        Assert.False(string.IsNullOrWhiteSpace(status.Message));
    }

    [Fact]
    public async Task TruncatedProtobuf_Answers400()
    {
        var whole = OtlpPayloads.Logs("truncated", TimeProvider.System.GetUtcNow(), "a fairly long log body so that the cut lands inside a field").ToByteArray();
        var response = await _client.PostAsync("/v1/logs", Raw(whole[..(whole.Length - 7)], "application/x-protobuf"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("protobuf", Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task InvalidJson_Answers400WithJsonStatus()
    {
        var response = await _client.PostAsync("/v1/metrics", Raw(Encoding.UTF8.GetBytes("{\"resourceMetrics\": [ {"), "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("JSON", body.RootElement.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task WrongContentType_Answers415()
    {
        var response = await _client.PostAsync("/v1/traces", Raw(Encoding.UTF8.GetBytes("hello"), "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/x-protobuf", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizeBody_Answers413()
    {
        var bodies = Enumerable.Range(0, 400).Select(i => new string('x', 1000) + i).ToArray();
        var payload = OtlpPayloads.Logs("oversize", TimeProvider.System.GetUtcNow(), bodies).ToByteArray();
        Assert.True(payload.Length > 256 * 1024);
        var response = await _client.PostAsync("/v1/logs", Raw(payload, "application/x-protobuf"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task BadGzip_Answers400SayingSo()
    {
        var content = Raw(Encoding.UTF8.GetBytes("this is not gzip at all"), "application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");
        var response = await _client.PostAsync("/v1/metrics", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("gzip", Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task GzipBomb_IsRefusedWithoutInflatingItAll()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 256; i++)
            {
                gzip.Write(zeros); // 256 MiB of zeros, a few hundred KiB compressed
            }
        }

        var content = Raw(compressed.ToArray(), "application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");
        var response = await _client.PostAsync("/v1/metrics", content);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"answered {(int)response.StatusCode}");
        Assert.True(_vigil.IsRunning);
    }

    [Fact]
    public async Task GzipProtobuf_IsAccepted()
    {
        var payload = OtlpPayloads.Gauges("gzipped", TimeProvider.System.GetUtcNow(), ("gzip_probe", "a", 3.25)).ToByteArray();
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        var content = Raw(compressed.ToArray(), "application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/v1/metrics", content)).StatusCode);
        Assert.Equal(3.25, await TelemetryApi.LastValueAsync(_client, "gzip_probe{service_name=\"gzipped\"}"));
    }

    [Fact]
    public async Task OtlpJson_WithHexIdsStringInt64AndSummary_IsAcceptedAndQueryable()
    {
        var nowNs = OtlpPayloads.UnixNano(TimeProvider.System.GetUtcNow());
        var resource = """{"attributes":[{"key":"service.name","value":{"stringValue":"jsonsvc"}},{"key":"service.version","value":{"stringValue":"2.0.0"}},{"key":"deployment.environment","value":{"stringValue":"uat"}}]}""";
        var metrics = $$$"""
            {"resourceMetrics":[{"resource":{{{resource}}},"scopeMetrics":[{"scope":{"name":"t"},"metrics":[
              {"name":"rpc.latency","unit":"s","summary":{"dataPoints":[{"timeUnixNano":"{{{nowNs}}}","count":"10","sum":2.5,
                "quantileValues":[{"quantile":0.5,"value":0.2},{"quantile":0.99,"value":0.9}]}]}},
              {"name":"requests","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"timeUnixNano":"{{{nowNs}}}","asInt":"12345678901"}]}}
            ]}]}]}
            """;
        var response = await _client.PostAsync("/v1/metrics", Raw(Encoding.UTF8.GetBytes(metrics), "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var labels = "service_name=\"jsonsvc\",service_version=\"2.0.0\",deployment_environment_name=\"uat\"";
        Assert.Equal(0.9, await TelemetryApi.LastValueAsync(_client, $"rpc_latency_seconds{{{labels},quantile=\"0.99\"}}"));
        Assert.Equal(10, await TelemetryApi.LastValueAsync(_client, $"rpc_latency_seconds_count{{{labels}}}"));
        Assert.Equal(2.5, await TelemetryApi.LastValueAsync(_client, $"rpc_latency_seconds_sum{{{labels}}}"));
        Assert.Equal(12345678901, await TelemetryApi.LastValueAsync(_client, $"requests_total{{{labels}}}"));

        const string traceId = "5b8efff798038103d269b633813fc60c";
        var traces = $$$"""
            {"resourceSpans":[{"resource":{{{resource}}},"scopeSpans":[{"scope":{"name":"t"},"spans":[
              {"traceId":"{{{traceId}}}","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173","name":"charge","kind":3,
               "startTimeUnixNano":"{{{nowNs}}}","endTimeUnixNano":"{{{nowNs + 5_000_000}}}","status":{"code":2,"message":"card declined"},
               "attributes":[{"key":"retry","value":{"intValue":"2"}},{"key":"ok","value":{"boolValue":false}}]}
            ]}]}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/v1/traces", Raw(Encoding.UTF8.GetBytes(traces), "application/json"))).StatusCode);
        var trace = await TelemetryApi.TraceAsync(_client, traceId);
        var span = Assert.Single(trace!.Spans);
        Assert.Equal("eee19b7ec3c1b174", span.SpanId);
        Assert.Equal("eee19b7ec3c1b173", span.ParentSpanId);
        Assert.Equal("client", span.Kind);
        Assert.Equal("error", span.StatusCode);
        Assert.Equal("2", span.Attributes["retry"]);
        Assert.Equal("false", span.Attributes["ok"]);
        Assert.Equal(0.005, span.DurationSeconds, 9);

        var logs = $$$"""
            {"resourceLogs":[{"resource":{{{resource}}},"scopeLogs":[{"scope":{"name":"t"},"logRecords":[
              {"timeUnixNano":"{{{nowNs}}}","severityNumber":17,"severityText":"ERROR","body":{"stringValue":"charge failed"},
               "traceId":"{{{traceId}}}","spanId":"eee19b7ec3c1b174"}
            ]}]}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/v1/logs", Raw(Encoding.UTF8.GetBytes(logs), "application/json"))).StatusCode);
        var found = await TelemetryApi.LogsAsync(_client, $"trace_id={traceId}");
        var record = Assert.Single(found.Records);
        Assert.Equal("charge failed", record.Body);
        Assert.Equal("eee19b7ec3c1b174", record.SpanId);
    }

    [Fact]
    public async Task PartlyInvalidRequest_AnswersPartialSuccessNamingTheFirstReason()
    {
        var now = TimeProvider.System.GetUtcNow();
        var request = OtlpPayloads.Gauges("partial", now, ("partial_ok", "a", 1), ("partial_ok", "b", 2));
        var points = request.ResourceMetrics[0].ScopeMetrics[0].Metrics;
        points[1].Gauge.DataPoints[0].TimeUnixNano = OtlpPayloads.UnixNano(now.AddHours(2)); // too far in the future
        points.Add(new Vigil.Server.Otlp.Protos.Metrics.Metric { Name = "", Gauge = new Vigil.Server.Otlp.Protos.Metrics.Gauge { DataPoints = { new Vigil.Server.Otlp.Protos.Metrics.NumberDataPoint { TimeUnixNano = OtlpPayloads.UnixNano(now), AsDouble = 1 } } } });
        var response = await _client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(request));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = Vigil.Server.Otlp.Protos.Collector.Metrics.ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, answer.PartialSuccess.RejectedDataPoints);
        Assert.Contains("future", answer.PartialSuccess.ErrorMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await TelemetryApi.LastValueAsync(_client, "partial_ok{service_name=\"partial\",point=\"a\"}"));
        Assert.Null(await TelemetryApi.LastValueAsync(_client, "partial_ok{service_name=\"partial\",point=\"b\"}"));
    }

    [Fact]
    public async Task BadQueryParameters_AnswerProblemDetails()
    {
        var response = await _client.GetAsync("/api/v1/telemetry/series?match[]=" + Uri.EscapeDataString("up{job=~\"(\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("match[]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        response = await _client.GetAsync("/api/v1/telemetry/logs?start=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("start", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        response = await _client.GetAsync("/api/v1/telemetry/traces/not-a-trace-id");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return content;
    }
}
