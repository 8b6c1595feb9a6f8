using Google.Protobuf;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Otlp;
using Vigil.Server.Otlp.Protos.Trace;
using static Vigil.Server.Tests.Otlp.OtlpTestData;

namespace Vigil.Server.Tests.Otlp;

public class OtlpTraceIngestTests
{
    private readonly IntakeFixture _fixture = new();

    [Fact]
    public async Task IngestAsync_Span_ConvertsEventsLinksAndStatus()
    {
        var span = Span("GET /cart", 0.25, Vigil.Server.Otlp.Protos.Trace.Span.Types.SpanKind.Client);
        span.ParentSpanId = ByteString.CopyFrom(Convert.FromHexString("2122232425262728"));
        span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = "boom" };
        span.Attributes.Add(Attr("http.route", "/cart"));
        span.Events.Add(new Vigil.Server.Otlp.Protos.Trace.Span.Types.Event { Name = "exception", TimeUnixNano = span.StartTimeUnixNano + 10 });
        span.Links.Add(new Vigil.Server.Otlp.Protos.Trace.Span.Types.Link { TraceId = span.TraceId, SpanId = span.ParentSpanId });

        var outcome = await _fixture.TraceIngest.IngestAsync(Traces(span), "grpc", CancellationToken.None);

        Assert.Equal(0, outcome.Rejected);
        var record = _fixture.Writer.Spans.Single();
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", record.TraceId);
        Assert.Equal("1112131415161718", record.SpanId);
        Assert.Equal("2122232425262728", record.ParentSpanId);
        Assert.Equal(SpanKind.Client, record.Kind);
        Assert.Equal(SpanStatusCode.Error, record.StatusCode);
        Assert.Equal("boom", record.StatusMessage);
        Assert.Equal(0.25, record.DurationSeconds, 6);
        Assert.Equal("exception", record.Events.Single().Name);
        Assert.Equal("2122232425262728", record.Links.Single().SpanId);
        Assert.Equal("/cart", record.Attributes.Single().Value);
        Assert.Equal("tracer", record.ScopeName);
    }

    [Fact]
    public async Task IngestAsync_InvalidIds_AreRejected()
    {
        var noTrace = Span("a");
        noTrace.TraceId = ByteString.Empty;
        var zeroSpan = Span("b");
        zeroSpan.SpanId = ByteString.CopyFrom(new byte[8]);
        var fine = Span("c");

        var outcome = await _fixture.TraceIngest.IngestAsync(Traces(noTrace, zeroSpan, fine), "http", CancellationToken.None);

        Assert.Equal(2, outcome.Rejected);
        Assert.Contains("trace id must be 16 bytes", outcome.Message, StringComparison.Ordinal);
        Assert.Equal("c", _fixture.Writer.Spans.Single().Name);
    }

    [Fact]
    public async Task IngestAsync_AcceptedSpans_FeedSpanMetrics()
    {
        await _fixture.TraceIngest.IngestAsync(Traces(Span("GET /cart"), Span("GET /cart")), "http", CancellationToken.None);

        var calls = _fixture.SpanMetrics.Collect(IntakeFixture.Now)
            .Single(s => s.Labels.MetricName == SpanMetricsAggregator.CallsMetric && s.TimestampMs == IntakeFixture.Now.ToUnixTimeMilliseconds());
        Assert.Equal(2, calls.Value);
        Assert.Equal("checkout", calls.Labels.Get("service_name"));
        Assert.Equal("1.4.2", calls.Labels.Get("service_version"));
        Assert.Equal("prod", calls.Labels.Get("deployment_environment_name"));
        Assert.Equal("SPAN_KIND_SERVER", calls.Labels.Get("span_kind"));
    }

    [Fact]
    public async Task IngestAsync_StoreOverloaded_DoesNotFeedSpanMetrics()
    {
        _fixture.Writer.Overloaded = TimeSpan.FromSeconds(1);

        var outcome = await _fixture.TraceIngest.IngestAsync(Traces(Span("GET /cart")), "http", CancellationToken.None);

        Assert.Equal(IngestStatus.Overloaded, outcome.Status);
        Assert.Empty(_fixture.SpanMetrics.Collect(IntakeFixture.Now));
    }
}
