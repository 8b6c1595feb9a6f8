using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.Otlp;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using Vigil.Server.Otlp.Protos.Rpc;
using static Vigil.Server.Tests.Otlp.OtlpTestData;

namespace Vigil.Server.Tests.Otlp;

/// <summary>
/// A minimal Kestrel host (HTTP/2 on loopback, an ephemeral port) with only OTLP intake over the fake store: checks
/// the gRPC binding, the bounded gzip provider and the status details as a client sees them on the wire.
/// </summary>
public sealed class OtlpGrpcHostFixture : IAsyncLifetime
{
    private WebApplication? _app;

    internal FakeTelemetryWriter Writer { get; } = new();

    public HttpClient Client { get; } = new() { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

    public string Address { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ITelemetryWriter>(Writer);
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(IntakeFixture.Now));
        builder.Services.AddSingleton(new VigilMetrics());
        builder.Services.AddOtlpIntake(
            new IntakeOptions { MaxRequestBytes = 1024 * 1024, MaxDecompressedBytes = 4 * 1024 * 1024, MaxInFlightBytes = 8 * 1024 * 1024 },
            new SpanMetricsOptions());
        _app = builder.Build();
        _app.MapOtlpIntake();
        await _app.StartAsync();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

public class OtlpGrpcServiceTests(OtlpGrpcHostFixture host) : IClassFixture<OtlpGrpcHostFixture>
{
    private const string MetricsExport = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

    private async Task<(string Status, string Message, HttpResponseMessage Response, byte[] Body)> CallAsync(string path, byte[] payload, bool compressed)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        using var request = new HttpRequestMessage(HttpMethod.Post, host.Address + path)
        {
            Content = new ByteArrayContent(frame),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (compressed)
        {
            request.Headers.Add("grpc-encoding", "gzip");
        }

        var response = await host.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        string Header(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var t) ? t.First() :
            response.Headers.TryGetValues(name, out var h) ? h.First() : string.Empty;
        return (Header("grpc-status"), Uri.UnescapeDataString(Header("grpc-message")), response, body);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public async Task Export_Metrics_AnswersOkAndStores()
    {
        host.Writer.Overloaded = null;

        var (status, _, _, body) = await CallAsync(MetricsExport, Metrics(Gauge("grpc.gauge", "", Point(1))).ToByteArray(), compressed: false);

        Assert.Equal("0", status);
        var response = ExportMetricsServiceResponse.Parser.ParseFrom(body.AsSpan(5));
        Assert.Null(response.PartialSuccess);
        Assert.Contains(host.Writer.Samples, s => s.Labels.MetricName == "grpc_gauge");
    }

    [Fact]
    public async Task Export_GzipTraces_AreDecompressed()
    {
        host.Writer.Overloaded = null;

        var (status, _, _, _) = await CallAsync("/opentelemetry.proto.collector.trace.v1.TraceService/Export", Gzip(Traces(Span("grpc span")).ToByteArray()), compressed: true);

        Assert.Equal("0", status);
        Assert.Contains(host.Writer.Spans, s => s.Name == "grpc span");
    }

    [Fact]
    public async Task Export_UndecodableMessage_AnswersInvalidArgumentWithParserMessage()
    {
        var (status, message, _, _) = await CallAsync(MetricsExport, [0x0a, 0xff, 0x01], compressed: false);

        Assert.Equal("3", status);
        Assert.StartsWith("invalid protobuf ExportMetricsServiceRequest", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_GzipBomb_AnswersResourceExhausted()
    {
        var before = host.Writer.Batches.Count;

        var (status, message, _, _) = await CallAsync(MetricsExport, Gzip(new byte[64 * 1024 * 1024]), compressed: true);

        // grpc-dotnet applies MaxReceiveMessageSize (MaxRequestBytes) to the inflated size too; the bounded gzip
        // provider's own cap (MaxDecompressedBytes) is the second guard.
        Assert.Equal("8", status);
        Assert.Contains("exceeds the maximum", message, StringComparison.Ordinal);
        Assert.Equal(before, host.Writer.Batches.Count);
    }

    [Fact]
    public async Task Export_InvalidGzip_AnswersInvalidArgument()
    {
        var (status, message, _, _) = await CallAsync(MetricsExport, Metrics(Gauge("g", "", Point(1))).ToByteArray(), compressed: true);

        Assert.Equal("3", status);
        Assert.StartsWith("invalid gzip message", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_StoreOverloaded_AnswersResourceExhaustedWithRetryInfo()
    {
        host.Writer.Overloaded = TimeSpan.FromSeconds(2);
        try
        {
            var (status, _, response, _) = await CallAsync(MetricsExport, Metrics(Gauge("g", "", Point(1))).ToByteArray(), compressed: false);

            Assert.Equal("8", status);
            var details = response.TrailingHeaders.TryGetValues(OtlpGrpcService.StatusDetailsTrailer, out var t) ? t.First() : response.Headers.GetValues(OtlpGrpcService.StatusDetailsTrailer).First();
            var padded = details.PadRight(details.Length + ((4 - (details.Length % 4)) % 4), '=');
            var rpcStatus = Status.Parser.ParseFrom(Convert.FromBase64String(padded));
            Assert.Equal(TimeSpan.FromSeconds(2), rpcStatus.Details.Single().Unpack<RetryInfo>().RetryDelay.ToTimeSpan());
        }
        finally
        {
            host.Writer.Overloaded = null;
        }
    }

    [Fact]
    public async Task HttpRoute_TracesJson_IsMapped()
    {
        host.Writer.Overloaded = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, host.Address + "/v1/traces")
        {
            Content = new StringContent("{\"resourceSpans\":[]}", new MediaTypeHeaderValue("application/json")),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }
}
