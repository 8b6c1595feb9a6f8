using Google.Protobuf;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using Vigil.Server.Otlp.Protos.Common;
using Vigil.Server.Otlp.Protos.Logs;
using Vigil.Server.Otlp.Protos.Metrics;
using Vigil.Server.Otlp.Protos.Resource;
using Vigil.Server.Otlp.Protos.Trace;

namespace Vigil.Server.Tests.Integration;

/// <summary>Hand-built OTLP requests for tests that need exact control of the payload.</summary>
internal static class OtlpPayloads
{
    public static Resource Resource(string service, string version = "1.0.0", string environment = "prod") => new()
    {
        Attributes =
        {
            Attribute("service.name", service),
            Attribute("service.version", version),
            Attribute("deployment.environment.name", environment),
            Attribute("service.instance.id", "i-1"),
        },
    };

    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static ulong UnixNano(DateTimeOffset time) => (ulong)((time - DateTimeOffset.UnixEpoch).Ticks * 100);

    /// <summary>One gauge point per (name, attribute set) in <paramref name="points"/>.</summary>
    public static ExportMetricsServiceRequest Gauges(string service, DateTimeOffset time, params (string Name, string Label, double Value)[] points)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "tests" } };
        foreach (var (name, label, value) in points)
        {
            var gauge = new Gauge();
            gauge.DataPoints.Add(new NumberDataPoint
            {
                TimeUnixNano = UnixNano(time),
                AsDouble = value,
                Attributes = { Attribute("point", label) },
            });
            scope.Metrics.Add(new Metric { Name = name, Gauge = gauge });
        }

        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(new ResourceMetrics { Resource = Resource(service), ScopeMetrics = { scope } });
        return request;
    }

    public static ExportLogsServiceRequest Logs(string service, DateTimeOffset time, params string[] bodies)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "tests" } };
        foreach (var body in bodies)
        {
            scope.LogRecords.Add(new LogRecord
            {
                TimeUnixNano = UnixNano(time),
                SeverityNumber = SeverityNumber.Info,
                SeverityText = "Information",
                Body = new AnyValue { StringValue = body },
            });
        }

        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(new ResourceLogs { Resource = Resource(service), ScopeLogs = { scope } });
        return request;
    }

    public static ExportTraceServiceRequest Spans(string service, DateTimeOffset time, params (byte[] TraceId, string Name)[] spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tests" } };
        var spanNumber = 1L;
        foreach (var (traceId, name) in spans)
        {
            scope.Spans.Add(new Span
            {
                TraceId = ByteString.CopyFrom(traceId),
                SpanId = ByteString.CopyFrom(BitConverter.GetBytes(spanNumber++)),
                Name = name,
                Kind = Span.Types.SpanKind.Server,
                StartTimeUnixNano = UnixNano(time),
                EndTimeUnixNano = UnixNano(time.AddMilliseconds(12)),
            });
        }

        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans { Resource = Resource(service), ScopeSpans = { scope } });
        return request;
    }

    public static byte[] TraceId(int n)
    {
        var id = new byte[16];
        BitConverter.GetBytes(n + 1).CopyTo(id, 0);
        id[15] = 0xAB;
        return id;
    }

    public static ByteArrayContent Protobuf(IMessage message)
    {
        var content = new ByteArrayContent(message.ToByteArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }
}
