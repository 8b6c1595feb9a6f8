using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Vigil.Server.Tests.Integration;

/// <summary>
/// The OpenTelemetry .NET SDK's own OTLP exporters (gRPC and HTTP/protobuf) send every metric type, logs and traces
/// to a running Vigil; the raw query API returns them with values, attributes and resource labels intact.
/// </summary>
public sealed class OpenTelemetrySdkIntakeTests
{
    private static readonly Dictionary<string, string> FastSpanMetrics = new() { ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "1s" };

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Metrics_AllTypesFromSdk_AreQueryableWithResourceLabels(OtlpExportProtocol protocol)
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastSpanMetrics);
        using var client = vigil.CreateClient();
        var service = "checkout-" + protocol.ToString().ToLowerInvariant();
        using var meter = new Meter("vigil.tests." + service);
        var placed = meter.CreateCounter<long>("orders.placed");
        var depth = meter.CreateGauge<double>("queue.depth");
        var latency = meter.CreateHistogram<double>("request.duration", unit: "s");
        var payload = meter.CreateHistogram<double>("payload.size", unit: "By");
        var jobs = meter.CreateCounter<long>("jobs.done");

        using (var cumulative = BuildMeterProvider(vigil, protocol, service, meter.Name, MetricReaderTemporalityPreference.Cumulative, instruments: ["orders.placed", "queue.depth", "request.duration", "payload.size"]))
        using (var delta = BuildMeterProvider(vigil, protocol, service, meter.Name, MetricReaderTemporalityPreference.Delta, instruments: ["jobs.done"]))
        {
            placed.Add(3, new KeyValuePair<string, object?>("payment.method", "card"));
            placed.Add(4, new KeyValuePair<string, object?>("payment.method", "card"));
            depth.Record(17.5);
            foreach (var seconds in new[] { 0.004, 0.02, 0.02, 0.3, 1.7 })
            {
                latency.Record(seconds);
            }

            foreach (var bytes in new[] { 3.0, 5.0, 700.0, 1500.0 })
            {
                payload.Record(bytes);
            }

            jobs.Add(5);
            Assert.True(cumulative.ForceFlush(30_000));
            Assert.True(delta.ForceFlush(30_000));
            jobs.Add(3);
            Assert.True(delta.ForceFlush(30_000));
        }

        var resource = $"service_name=\"{service}\",service_version=\"1.2.3\",deployment_environment_name=\"prod\",service_instance_id=\"i-1\"";
        Assert.Equal(7, await TelemetryApi.LastValueAsync(client, $"orders_placed_total{{{resource},payment_method=\"card\"}}"));
        Assert.Equal(17.5, await TelemetryApi.LastValueAsync(client, $"queue_depth{{{resource}}}"));
        Assert.Equal(5, await TelemetryApi.LastValueAsync(client, $"request_duration_seconds_count{{{resource}}}"));
        Assert.Equal(2.044, await TelemetryApi.LastValueAsync(client, $"request_duration_seconds_sum{{{resource}}}") ?? double.NaN, 6);
        Assert.Equal(3, await TelemetryApi.LastValueAsync(client, $"request_duration_seconds_bucket{{{resource},le=\"0.025\"}}"));
        Assert.Equal(5, await TelemetryApi.LastValueAsync(client, $"request_duration_seconds_bucket{{{resource},le=\"+Inf\"}}"));

        // Delta temporality is accumulated to a cumulative counter at intake: 5 then 3 reads as 8.
        Assert.Equal(8, await TelemetryApi.LastValueAsync(client, $"jobs_done_total{{{resource}}}"));

        // The exponential histogram is also exposed as classic buckets at powers of two.
        Assert.Equal(4, await TelemetryApi.LastValueAsync(client, $"payload_size_bytes_count{{{resource}}}"));
        Assert.Equal(2, await TelemetryApi.LastValueAsync(client, $"payload_size_bytes_bucket{{{resource},le=\"8\"}}"));
        Assert.Equal(3, await TelemetryApi.LastValueAsync(client, $"payload_size_bytes_bucket{{{resource},le=\"1024\"}}"));
        Assert.Equal(4, await TelemetryApi.LastValueAsync(client, $"payload_size_bytes_bucket{{{resource},le=\"+Inf\"}}"));

        // job and instance follow the OpenTelemetry-to-Prometheus rules.
        var series = await TelemetryApi.SeriesAsync(client, $"orders_placed_total{{service_name=\"{service}\"}}");
        var labels = Assert.Single(series.Series).Labels;
        Assert.Equal(service, labels["job"]);
        Assert.Equal("i-1", labels["instance"]);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task LogsAndTraces_FromSdk_AreQueryableAndSpanMetricsReflectThem(OtlpExportProtocol protocol)
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastSpanMetrics);
        using var client = vigil.CreateClient();
        var service = "cart-" + protocol.ToString().ToLowerInvariant();
        using var source = new ActivitySource("vigil.tests." + service);
        ActivityTraceId traceId;
        string rootSpanId;
        using (var tracing = Sdk.CreateTracerProviderBuilder()
                   .SetResourceBuilder(Resource(service))
                   .AddSource(source.Name)
                   .SetSampler(new AlwaysOnSampler())
                   .AddOtlpExporter(o => Configure(o, vigil, protocol, "/v1/traces"))
                   .Build())
        using (var loggerFactory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
               {
                   o.SetResourceBuilder(Resource(service));
                   o.IncludeFormattedMessage = true;
                   o.AddOtlpExporter(e => Configure(e, vigil, protocol, "/v1/logs"));
               })))
        {
            var logger = loggerFactory.CreateLogger("cart");
            using (var root = source.StartActivity("GET /cart", ActivityKind.Server)!)
            {
                traceId = root.TraceId;
                rootSpanId = root.SpanId.ToHexString();
                root.SetTag("http.route", "/cart");
                root.SetTag("cart.items", 3);
                root.AddEvent(new ActivityEvent("cache.miss", tags: new ActivityTagsCollection { ["cache.key"] = "cart:42" }));
                using (var child = source.StartActivity("SELECT carts", ActivityKind.Client, root.Context, links: [new ActivityLink(new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded))])!)
                {
                    child.SetStatus(ActivityStatusCode.Error, "deadlock victim");
                    logger.LogError("Cart {CartId} could not be loaded", 42);
                }

                logger.LogInformation("Cart served");
            }

            for (var i = 0; i < 4; i++)
            {
                using var extra = source.StartActivity("GET /cart", ActivityKind.Server);
            }

            Assert.True(tracing.ForceFlush(30_000));
        }

        // Logs, with trace correlation and attributes.
        var logs = await TelemetryApi.LogsAsync(client, $"service={service}");
        Assert.Equal(2, logs.Records.Count);
        Assert.Equal("Cart served", logs.Records[0].Body); // newest first
        var error = logs.Records[1];
        Assert.Equal("Cart 42 could not be loaded", error.Body);
        Assert.Equal(17, error.SeverityNumber);
        Assert.Equal("42", error.Attributes["CartId"]);
        Assert.Equal(traceId.ToHexString(), error.TraceId);
        Assert.Equal("1.2.3", error.Resource["service.version"]);
        Assert.Equal("prod", error.Resource["deployment.environment.name"]);
        var errorsOnly = await TelemetryApi.LogsAsync(client, $"service={service}&severity=error&trace_id={traceId.ToHexString()}");
        Assert.Equal("Cart 42 could not be loaded", Assert.Single(errorsOnly.Records).Body);

        // The trace, with events, links, status and kind.
        var trace = await TelemetryApi.TraceAsync(client, traceId.ToHexString());
        Assert.NotNull(trace);
        Assert.Equal(2, trace.Spans.Count);
        var rootSpan = trace.Spans.Single(s => s.SpanId == rootSpanId);
        Assert.Equal("GET /cart", rootSpan.Name);
        Assert.Equal("server", rootSpan.Kind);
        Assert.Equal("", rootSpan.ParentSpanId);
        Assert.Equal("3", rootSpan.Attributes["cart.items"]);
        Assert.Equal("cart:42", Assert.Single(rootSpan.Events).Attributes["cache.key"]);
        var childSpan = trace.Spans.Single(s => s.SpanId != rootSpanId);
        Assert.Equal(rootSpanId, childSpan.ParentSpanId);
        Assert.Equal("client", childSpan.Kind);
        Assert.Equal("error", childSpan.StatusCode);
        Assert.Equal("deadlock victim", childSpan.StatusMessage);
        Assert.Single(childSpan.Links);
        var errorTraces = await TelemetryApi.TracesAsync(client, $"service={service}&status=error");
        Assert.Equal(traceId.ToHexString(), Assert.Single(errorTraces.Traces).TraceId);

        // Span metrics: 5 server spans named GET /cart, 1 failed client span.
        var calls = $"traces_span_metrics_calls_total{{service_name=\"{service}\",service_version=\"1.2.3\",deployment_environment_name=\"prod\",span_name=\"GET /cart\",span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_UNSET\"}}";
        await TelemetryApi.Eventually(async () => await TelemetryApi.LastValueAsync(client, calls) == 5, "5 calls of GET /cart in span metrics");
        var failed = $"traces_span_metrics_calls_total{{service_name=\"{service}\",span_name=\"SELECT carts\",status_code=\"STATUS_CODE_ERROR\"}}";
        await TelemetryApi.Eventually(async () => await TelemetryApi.LastValueAsync(client, failed) == 1, "1 failed SELECT carts in span metrics");
        var histogramCount = $"traces_span_metrics_duration_seconds_count{{service_name=\"{service}\",span_name=\"GET /cart\"}}";
        await TelemetryApi.Eventually(async () => await TelemetryApi.LastValueAsync(client, histogramCount) == 5, "duration histogram count 5");
        var inf = await TelemetryApi.LastValueAsync(client, $"traces_span_metrics_duration_seconds_bucket{{service_name=\"{service}\",span_name=\"GET /cart\",le=\"+Inf\"}}");
        Assert.Equal(5, inf);
    }

    private static ResourceBuilder Resource(string service) => ResourceBuilder.CreateEmpty().AddAttributes(new Dictionary<string, object>
    {
        ["service.name"] = service,
        ["service.version"] = "1.2.3",
        ["deployment.environment.name"] = "prod",
        ["service.instance.id"] = "i-1",
        ["host.name"] = "test-host",
    });

    private static void Configure(OtlpExporterOptions options, VigilServerProcess vigil, OtlpExportProtocol protocol, string path)
    {
        options.Protocol = protocol;
        options.Endpoint = protocol == OtlpExportProtocol.Grpc
            ? vigil.OtlpGrpcAddress!
            : new Uri(vigil.OtlpHttpAddress!, path);
        options.ExportProcessorType = ExportProcessorType.Simple;
    }

    private static MeterProvider BuildMeterProvider(
        VigilServerProcess vigil,
        OtlpExportProtocol protocol,
        string service,
        string meterName,
        MetricReaderTemporalityPreference temporality,
        string[] instruments)
    {
        var builder = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(Resource(service))
            .AddMeter(meterName)
            .AddView(instrument => instrument.Name switch
            {
                _ when !instruments.Contains(instrument.Name) => MetricStreamConfiguration.Drop,
                "request.duration" => new ExplicitBucketHistogramConfiguration { Boundaries = [0.005, 0.025, 0.1, 0.5, 2.5] },
                "payload.size" => new Base2ExponentialBucketHistogramConfiguration { MaxSize = 160 },
                _ => null,
            })
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, vigil, protocol, "/v1/metrics");
                reader.TemporalityPreference = temporality;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
            });
        return builder.Build()!;
    }
}
