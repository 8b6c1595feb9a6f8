using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Otlp;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Rpc;
using static Vigil.Server.Tests.Otlp.OtlpTestData;

namespace Vigil.Server.Tests.Otlp;

public class OtlpHttpHandlerTests
{
    private static DefaultHttpContext Request(byte[] body, string? contentType, string? contentEncoding = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentType = contentType;
        if (contentEncoding is not null)
        {
            context.Request.Headers.ContentEncoding = contentEncoding;
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    private static byte[] ResponseBytes(HttpContext context) => ((MemoryStream)context.Response.Body).ToArray();

    private static Status ProtobufStatus(HttpContext context) => Status.Parser.ParseFrom(ResponseBytes(context));

    private static byte[] Gzip(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public async Task HandleMetricsAsync_Protobuf_AnswersEmptyExportResponse()
    {
        var fixture = new IntakeFixture();
        var context = Request(Metrics(Gauge("g", "", Point(1))).ToByteArray(), "application/x-protobuf");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/x-protobuf", context.Response.ContentType);
        var response = ExportMetricsServiceResponse.Parser.ParseFrom(ResponseBytes(context));
        Assert.Null(response.PartialSuccess);
        Assert.Contains(fixture.Writer.Samples, s => s.Labels.MetricName == "g");
    }

    [Fact]
    public async Task HandleMetricsAsync_PartialSuccess_CountsRejectedPoints()
    {
        var fixture = new IntakeFixture();
        var request = Metrics(Gauge("g", "", Point(1), Point(2, IntakeFixture.Now.AddHours(2))));
        var context = Request(request.ToByteArray(), "application/x-protobuf");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        var response = ExportMetricsServiceResponse.Parser.ParseFrom(ResponseBytes(context));
        Assert.Equal(1, response.PartialSuccess.RejectedDataPoints);
        Assert.Contains("in the future", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleLogsAsync_Json_AnswersJsonWithPartialSuccess()
    {
        var fixture = new IntakeFixture();
        var json = """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},{"timeUnixNano":"1000","body":{"stringValue":"old"}}]}]}]}""";
        var context = Request(Encoding.UTF8.GetBytes(json), "application/json; charset=utf-8");

        await fixture.Http.HandleLogsAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        using var body = JsonDocument.Parse(ResponseBytes(context));
        Assert.Equal("1", body.RootElement.GetProperty("partialSuccess").GetProperty("rejectedLogRecords").GetString());
        Assert.Equal("ok", fixture.Writer.Logs.Single().Body);
    }

    [Fact]
    public async Task HandleTracesAsync_UnsupportedContentType_Answers415()
    {
        var fixture = new IntakeFixture();
        var context = Request("x"u8.ToArray(), "text/plain");

        await fixture.Http.HandleTracesAsync(context);

        Assert.Equal(415, context.Response.StatusCode);
        Assert.Contains("unsupported Content-Type \\\"text/plain\\\"", Encoding.UTF8.GetString(ResponseBytes(context)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleMetricsAsync_Gzip_IsDecompressed()
    {
        var fixture = new IntakeFixture();
        var context = Request(Gzip(Metrics(Gauge("g", "", Point(1))).ToByteArray()), "application/x-protobuf", "gzip");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Contains(fixture.Writer.Samples, s => s.Labels.MetricName == "g");
    }

    [Fact]
    public async Task HandleMetricsAsync_BadGzip_Answers400SayingSo()
    {
        var fixture = new IntakeFixture();
        var context = Request(Metrics(Gauge("g", "", Point(1))).ToByteArray(), "application/x-protobuf", "gzip");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(400, context.Response.StatusCode);
        var status = ProtobufStatus(context);
        Assert.Equal(3, status.Code);
        Assert.StartsWith("invalid gzip body", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleMetricsAsync_GzipBomb_StopsAtDecompressedLimit()
    {
        var options = new IntakeOptions { MaxRequestBytes = 1024 * 1024, MaxDecompressedBytes = 4 * 1024 * 1024, MaxInFlightBytes = 8 * 1024 * 1024 };
        var fixture = new IntakeFixture(options);
        var bomb = Gzip(new byte[256 * 1024 * 1024], CompressionLevel.SmallestSize);
        Assert.True(bomb.Length < options.MaxRequestBytes, "the bomb itself is small");
        var context = Request(bomb, "application/x-protobuf", "gzip");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(413, context.Response.StatusCode);
        Assert.Contains("inflates to more than 4194304 bytes", ProtobufStatus(context).Message, StringComparison.Ordinal);
        Assert.Empty(fixture.Writer.Batches);
    }

    [Fact]
    public async Task HandleMetricsAsync_BodyOverLimit_Answers413()
    {
        var options = new IntakeOptions { MaxRequestBytes = 64 * 1024 };
        var fixture = new IntakeFixture(options);
        var context = Request(new byte[100 * 1024], "application/x-protobuf");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(413, context.Response.StatusCode);
        Assert.Equal("request body is larger than 65536 bytes", ProtobufStatus(context).Message);
    }

    [Fact]
    public async Task HandleMetricsAsync_TruncatedProtobuf_Answers400WithParserMessage()
    {
        var fixture = new IntakeFixture();
        var bytes = Metrics(Gauge("g", "", Point(1))).ToByteArray();
        var context = Request(bytes[..(bytes.Length - 5)], "application/x-protobuf");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(400, context.Response.StatusCode);
        var status = ProtobufStatus(context);
        Assert.StartsWith("invalid protobuf ExportMetricsServiceRequest", status.Message, StringComparison.Ordinal);
        Assert.Contains("ended unexpectedly", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleMetricsAsync_InvalidJson_Answers400JsonStatusWithPosition()
    {
        var fixture = new IntakeFixture();
        var context = Request("{\"resourceMetrics\": [1,}"u8.ToArray(), "application/json");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        using var body = JsonDocument.Parse(ResponseBytes(context));
        Assert.Equal(3, body.RootElement.GetProperty("code").GetInt32());
        Assert.StartsWith("invalid JSON at line 1, column 24", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleMetricsAsync_StoreOverloaded_Answers429WithRetryAfterAndRetryInfo()
    {
        var fixture = new IntakeFixture();
        fixture.Writer.Overloaded = TimeSpan.FromSeconds(2.5);
        var context = Request(Metrics(Gauge("g", "", Point(1))).ToByteArray(), "application/x-protobuf");

        await fixture.Http.HandleMetricsAsync(context);

        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("3", context.Response.Headers.RetryAfter.ToString());
        var status = ProtobufStatus(context);
        Assert.Equal(8, status.Code);
        var retry = status.Details.Single().Unpack<RetryInfo>();
        Assert.Equal(TimeSpan.FromSeconds(2.5), retry.RetryDelay.ToTimeSpan());
    }

    [Fact]
    public async Task HandleLogsAsync_InFlightLimitReached_Answers429JsonWithRetryInfo()
    {
        var options = new IntakeOptions { MaxRequestBytes = 1024, MaxDecompressedBytes = 1024, MaxInFlightBytes = 1024 };
        var fixture = new IntakeFixture(options);
        Assert.True(fixture.InFlight.TryAcquire(1020));
        var context = Request("{\"resourceLogs\":[]}"u8.ToArray(), "application/json");

        await fixture.Http.HandleLogsAsync(context);

        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        using var body = JsonDocument.Parse(ResponseBytes(context));
        var detail = body.RootElement.GetProperty("details")[0];
        Assert.Equal("type.googleapis.com/google.rpc.RetryInfo", detail.GetProperty("@type").GetString());
        Assert.Equal("1s", detail.GetProperty("retryDelay").GetString());
    }

    [Fact]
    public async Task HandleLogsAsync_Request_ReleasesInFlightBytes()
    {
        var fixture = new IntakeFixture();
        var context = Request(Logs().ToByteArray(), "application/x-protobuf");

        await fixture.Http.HandleLogsAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(0, fixture.InFlight.Current);
        Assert.Empty(ExportLogsServiceResponse.Parser.ParseFrom(ResponseBytes(context)).ToByteArray());
    }
}
