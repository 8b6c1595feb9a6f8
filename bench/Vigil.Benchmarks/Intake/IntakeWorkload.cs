using Google.Protobuf;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using Vigil.Server.Otlp.Protos.Common;
using Vigil.Server.Otlp.Protos.Logs;
using Vigil.Server.Otlp.Protos.Metrics;
using Vigil.Server.Otlp.Protos.Resource;
using Vigil.Server.Otlp.Protos.Trace;

namespace Vigil.Benchmarks.Intake;

/// <summary>
/// The stated workloads of the intake benchmark (issue: foundation): metrics, 10,000 active series with 6 labels,
/// 1,000 points per request; logs, 200-byte bodies with 5 attributes, 1,000 records per request; spans, 8 attributes
/// and 1 event, 100 per request.
/// </summary>
internal static class IntakeWorkload
{
    public const ulong TimestampSentinel = 0x5EE1_7E57_0000_0001;
    private static readonly byte[] TraceSentinelPrefix = [0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF];

    /// <summary>10 requests (one per instance), each 10 metrics x 100 attribute sets: 10,000 series in all.</summary>
    public static IReadOnlyList<PatchablePayload> Metrics()
    {
        var payloads = new List<PatchablePayload>();
        for (var instance = 0; instance < 10; instance++)
        {
            var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "bench" } };
            for (var metric = 0; metric < 10; metric++)
            {
                var gauge = new Gauge();
                for (var combo = 0; combo < 100; combo++)
                {
                    gauge.DataPoints.Add(new NumberDataPoint
                    {
                        TimeUnixNano = TimestampSentinel,
                        AsDouble = combo * 1.5 + metric,
                        Attributes = { Attr("route", "/api/v" + (combo % 10)), Attr("status", (200 + combo / 10).ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                    });
                }

                scope.Metrics.Add(new Metric { Name = "bench.metric." + metric, Gauge = gauge });
            }

            var request = new ExportMetricsServiceRequest();
            request.ResourceMetrics.Add(new ResourceMetrics { Resource = Resource("instance-" + instance), ScopeMetrics = { scope } });
            payloads.Add(new PatchablePayload(request.ToByteArray(), TimestampSentinel, null, 1000));
        }

        return payloads;
    }

    /// <summary>
    /// The same 10,000 series and values as <see cref="Metrics"/>, in the Prometheus text format with millisecond
    /// timestamps, for VictoriaMetrics' <c>/api/v1/import/prometheus</c>: the anchor measured side by side. Labels are
    /// those Vigil gives the OTLP points (name, job, instance, the four promoted labels, route, status).
    /// </summary>
    public static IReadOnlyList<PatchablePayload> MetricsAsPrometheusText()
    {
        const string sentinel = "9999999999999";
        var payloads = new List<PatchablePayload>();
        for (var instance = 0; instance < 10; instance++)
        {
            var text = new System.Text.StringBuilder();
            for (var metric = 0; metric < 10; metric++)
            {
                for (var combo = 0; combo < 100; combo++)
                {
                    text.Append(System.Globalization.CultureInfo.InvariantCulture,
                        $"bench_metric_{metric}{{job=\"bench\",instance=\"instance-{instance}\",service_name=\"bench\",service_version=\"1.0.0\",deployment_environment_name=\"bench\",service_instance_id=\"instance-{instance}\",route=\"/api/v{combo % 10}\",status=\"{200 + (combo / 10)}\"}} {(combo * 1.5) + metric} {sentinel}\n");
                }
            }

            payloads.Add(PatchablePayload.Text(System.Text.Encoding.ASCII.GetBytes(text.ToString()), sentinel, 1000));
        }

        return payloads;
    }

    public static IReadOnlyList<PatchablePayload> Logs()
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "bench" } };
        for (var i = 0; i < 1000; i++)
        {
            var body = $"order {i:D6} processed for customer c-{i * 7919 % 100000:D5} in region eu-west-1 with payment card ending 4242 ";
            body = body.PadRight(200, 'x')[..200];
            scope.LogRecords.Add(new LogRecord
            {
                TimeUnixNano = TimestampSentinel,
                SeverityNumber = SeverityNumber.Info,
                SeverityText = "Information",
                Body = new AnyValue { StringValue = body },
                Attributes = { Attr("order.id", i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)), Attr("customer.tier", "gold"), Attr("region", "eu-west-1"), Attr("payment.method", "card"), Attr("http.route", "/orders") },
            });
        }

        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(new ResourceLogs { Resource = Resource("instance-0"), ScopeLogs = { scope } });
        return [new PatchablePayload(request.ToByteArray(), TimestampSentinel, null, 1000)];
    }

    public static IReadOnlyList<PatchablePayload> Spans()
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench" } };
        for (var i = 0; i < 100; i++)
        {
            // Ten traces of ten spans per request: a root server span and nine children.
            var traceId = new byte[16];
            TraceSentinelPrefix.CopyTo(traceId, 0);
            traceId[15] = 0x01;
            var span = new Span
            {
                TraceId = ByteString.CopyFrom(traceId),
                SpanId = ByteString.CopyFrom(BitConverter.GetBytes(0x1000L + i)),
                ParentSpanId = i % 10 == 0 ? ByteString.Empty : ByteString.CopyFrom(BitConverter.GetBytes(0x1000L + (i / 10 * 10))),
                Name = "GET /orders/{id}",
                Kind = i % 10 == 0 ? Span.Types.SpanKind.Server : Span.Types.SpanKind.Client,
                StartTimeUnixNano = TimestampSentinel,
                EndTimeUnixNano = TimestampSentinel,
                Status = new Status { Code = i % 50 == 0 ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset },
                Attributes =
                {
                    Attr("http.method", "GET"), Attr("http.route", "/orders/{id}"), Attr("http.status_code", "200"), Attr("net.peer.name", "10.0.0.12"),
                    Attr("user_agent.original", "bench/1.0"), Attr("order.id", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Attr("customer.tier", "gold"), Attr("region", "eu-west-1"),
                },
                Events = { new Span.Types.Event { Name = "cache.lookup", TimeUnixNano = TimestampSentinel, Attributes = { Attr("cache.hit", "true") } } },
            };
            scope.Spans.Add(span);
        }

        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans { Resource = Resource("instance-0"), ScopeSpans = { scope } });
        return [new PatchablePayload(request.ToByteArray(), TimestampSentinel, TraceSentinelPrefix, 100, spansPerTrace: 10)];
    }

    private static Resource Resource(string instance) => new()
    {
        Attributes = { Attr("service.name", "bench"), Attr("service.version", "1.0.0"), Attr("deployment.environment.name", "bench"), Attr("service.instance.id", instance) },
    };

    private static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };
}
