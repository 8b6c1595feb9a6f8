using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.Otlp;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using Vigil.Server.Otlp.Protos.Common;
using Vigil.Server.Otlp.Protos.Logs;
using Vigil.Server.Otlp.Protos.Metrics;
using Vigil.Server.Otlp.Protos.Resource;
using Vigil.Server.Otlp.Protos.Trace;
using CoreLogRecord = Vigil.Core.Telemetry.LogRecord;
using ProtoLogRecord = Vigil.Server.Otlp.Protos.Logs.LogRecord;

namespace Vigil.Server.Tests.Otlp;

/// <summary>An in-memory store for unit tests: records batches, can refuse samples or throw overload.</summary>
internal sealed class FakeTelemetryWriter : ITelemetryWriter
{
    public List<TelemetryBatch> Batches { get; } = [];

    public int RejectSamples { get; set; }

    public TimeSpan? Overloaded { get; set; }

    public IEnumerable<SeriesSample> Samples => Batches.SelectMany(b => b.Samples);

    public IEnumerable<CoreLogRecord> Logs => Batches.SelectMany(b => b.Logs);

    public IEnumerable<SpanRecord> Spans => Batches.SelectMany(b => b.Spans);

    public ValueTask<AppendResult> AppendAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        if (Overloaded is { } retry)
        {
            throw new StoreOverloadedException("write queue full", retry);
        }

        Batches.Add(batch);
        return ValueTask.FromResult(RejectSamples > 0 ? new AppendResult(RejectSamples, "series limit of 10 reached") : AppendResult.Accepted);
    }
}

/// <summary>Everything intake needs, wired over a fake store and a fake clock.</summary>
internal sealed class IntakeFixture
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public Vigil.Core.Telemetry.MetricMetadataCatalog Metadata { get; } = new();

    public IntakeFixture(IntakeOptions? options = null)
    {
        Options = options ?? new IntakeOptions();
        MetricsIngest = new OtlpMetricsIngest(Writer, new SeriesLabelCache(Options), new DeltaAccumulator(Options.MaxDeltaSeries, Options.DeltaResetGap, Time), Options, Time, VigilMetrics, Metadata);
        LogsIngest = new OtlpLogsIngest(Writer, Options, Time, VigilMetrics);
        TraceIngest = new OtlpTraceIngest(Writer, SpanMetrics, Options, Time, VigilMetrics);
        InFlight = new InFlightBytes(Options);
        Http = new OtlpHttpHandler(MetricsIngest, LogsIngest, TraceIngest, InFlight, Options, VigilMetrics, NullLogger<OtlpHttpHandler>.Instance);
    }

    public IntakeOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(Now);

    public FakeTelemetryWriter Writer { get; } = new();

    public VigilMetrics VigilMetrics { get; } = new();

    public SpanMetricsAggregator SpanMetrics { get; } = new(new SpanMetricsOptions());

    public OtlpMetricsIngest MetricsIngest { get; }

    public OtlpLogsIngest LogsIngest { get; }

    public OtlpTraceIngest TraceIngest { get; }

    public InFlightBytes InFlight { get; }

    public OtlpHttpHandler Http { get; }
}

internal static class OtlpTestData
{
    public static ulong Nanos(DateTimeOffset time) => (ulong)time.ToUnixTimeMilliseconds() * 1_000_000;

    public static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static KeyValue Attr(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    public static Resource Resource(params (string Key, string Value)[] attributes)
    {
        var resource = new Resource();
        foreach (var (key, value) in attributes)
        {
            resource.Attributes.Add(Attr(key, value));
        }

        return resource;
    }

    public static Resource DefaultResource() => Resource(
        ("service.name", "checkout"),
        ("service.namespace", "shop"),
        ("service.version", "1.4.2"),
        ("service.instance.id", "pod-7"),
        ("deployment.environment.name", "prod"),
        ("host.name", "node-1"));

    public static ExportMetricsServiceRequest Metrics(params Metric[] metrics) => Metrics(DefaultResource(), metrics);

    public static ExportMetricsServiceRequest Metrics(Resource resource, params Metric[] metrics)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "test" } };
        scope.Metrics.AddRange(metrics);
        var resourceMetrics = new ResourceMetrics { Resource = resource };
        resourceMetrics.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resourceMetrics);
        return request;
    }

    public static Metric Gauge(string name, string unit, params NumberDataPoint[] points)
    {
        var gauge = new Gauge();
        gauge.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = unit, Gauge = gauge };
    }

    public static Metric Sum(string name, string unit, bool monotonic, AggregationTemporality temporality, params NumberDataPoint[] points)
    {
        var sum = new Sum { IsMonotonic = monotonic, AggregationTemporality = temporality };
        sum.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = unit, Sum = sum };
    }

    public static NumberDataPoint Point(double value, DateTimeOffset? time = null, params KeyValue[] attributes)
    {
        var point = new NumberDataPoint { AsDouble = value, TimeUnixNano = Nanos(time ?? IntakeFixture.Now) };
        point.Attributes.AddRange(attributes);
        return point;
    }

    public static ExportLogsServiceRequest Logs(params ProtoLogRecord[] records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "app.logger" } };
        scope.LogRecords.AddRange(records);
        var resourceLogs = new ResourceLogs { Resource = DefaultResource() };
        resourceLogs.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resourceLogs);
        return request;
    }

    public static ExportTraceServiceRequest Traces(params Span[] spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tracer" } };
        scope.Spans.AddRange(spans);
        var resourceSpans = new ResourceSpans { Resource = DefaultResource() };
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return request;
    }

    public static Span Span(string name, double seconds = 0.1, Span.Types.SpanKind kind = Vigil.Server.Otlp.Protos.Trace.Span.Types.SpanKind.Server)
    {
        var start = Nanos(IntakeFixture.Now.AddSeconds(-5));
        return new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString("0102030405060708090a0b0c0d0e0f10")),
            SpanId = ByteString.CopyFrom(Convert.FromHexString("1112131415161718")),
            Name = name,
            Kind = kind,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + (ulong)(seconds * 1e9),
        };
    }
}
