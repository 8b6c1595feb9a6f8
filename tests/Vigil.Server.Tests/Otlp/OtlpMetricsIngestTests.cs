using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Otlp;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Metrics;
using static Vigil.Server.Tests.Otlp.OtlpTestData;

namespace Vigil.Server.Tests.Otlp;

public class OtlpMetricsIngestTests
{
    private readonly IntakeFixture _fixture = new();

    private List<SeriesSample> Convert(ExportMetricsServiceRequest request, out Rejections rejections)
    {
        rejections = new Rejections();
        return _fixture.MetricsIngest.Convert(request, rejections);
    }

    [Fact]
    public void Convert_Gauge_HasNamingContractLabels()
    {
        var samples = Convert(Metrics(Gauge("queue.depth", "", Point(4, null, Attr("queue.name", "orders")))), out var rejections);

        Assert.Equal(0, rejections.Count);
        var sample = samples.Single(s => s.Labels.MetricName == "queue_depth");
        Assert.Equal(4, sample.Value);
        Assert.Equal(IntakeFixture.Now.ToUnixTimeMilliseconds(), sample.TimestampMs);
        Assert.Equal("shop/checkout", sample.Labels.Get("job"));
        Assert.Equal("pod-7", sample.Labels.Get("instance"));
        Assert.Equal("checkout", sample.Labels.Get("service_name"));
        Assert.Equal("1.4.2", sample.Labels.Get("service_version"));
        Assert.Equal("prod", sample.Labels.Get("deployment_environment_name"));
        Assert.Equal("pod-7", sample.Labels.Get("service_instance_id"));
        Assert.Equal("orders", sample.Labels.Get("queue_name"));
        Assert.Null(sample.Labels.Get("host_name"));
    }

    [Fact]
    public void Convert_ResourceWithOtherAttributes_WritesTargetInfo()
    {
        var samples = Convert(Metrics(Gauge("g", "", Point(1))), out _);

        var info = samples.Single(s => s.Labels.MetricName == "target_info");
        Assert.Equal(1, info.Value);
        Assert.Equal("node-1", info.Labels.Get("host_name"));
        Assert.Equal("shop/checkout", info.Labels.Get("job"));
        Assert.Equal("pod-7", info.Labels.Get("instance"));
        Assert.Null(info.Labels.Get("service_namespace"));
    }

    [Fact]
    public void Convert_OlderDeploymentEnvironment_IsAcceptedAsAlias()
    {
        var request = Metrics(Resource(("service.name", "api"), ("deployment.environment", "staging")), Gauge("g", "", Point(1)));

        var samples = Convert(request, out _);

        Assert.Equal("staging", samples.Single(s => s.Labels.MetricName == "g").Labels.Get("deployment_environment_name"));
        Assert.Equal("api", samples[0].Labels.Get("job"));
    }

    [Fact]
    public void Convert_MonotonicCumulativeSum_IsCounterWithTotalAndUnit()
    {
        var samples = Convert(Metrics(Sum("http.server.request.size", "By", true, AggregationTemporality.Cumulative, Point(100))), out _);

        Assert.Contains(samples, s => s.Labels.MetricName == "http_server_request_size_bytes_total" && s.Value == 100);
    }

    [Fact]
    public void Convert_NonMonotonicSum_IsGaugeWithoutTotal()
    {
        var samples = Convert(Metrics(Sum("db.connections.usage", "{connection}", false, AggregationTemporality.Cumulative, Point(7))), out _);

        Assert.Contains(samples, s => s.Labels.MetricName == "db_connections_usage" && s.Value == 7);
    }

    [Fact]
    public void Convert_DeltaSums_AccumulateAcrossRequests()
    {
        NumberDataPoint Delta(double value, int startSeconds, int endSeconds) => new()
        {
            AsDouble = value,
            StartTimeUnixNano = Nanos(IntakeFixture.Now.AddSeconds(startSeconds)),
            TimeUnixNano = Nanos(IntakeFixture.Now.AddSeconds(endSeconds)),
        };

        Convert(Metrics(Sum("jobs", "", true, AggregationTemporality.Delta, Delta(3, -30, -20))), out _);
        var second = Convert(Metrics(Sum("jobs", "", true, AggregationTemporality.Delta, Delta(4, -20, -10))), out _);

        Assert.Equal(7, second.Single(s => s.Labels.MetricName == "jobs_total").Value);
    }

    [Fact]
    public void Convert_NoRecordedValueFlag_WritesStaleMarker()
    {
        var point = Point(5);
        point.Flags = (uint)DataPointFlags.NoRecordedValueMask;

        var samples = Convert(Metrics(Gauge("g", "", point)), out _);

        var value = samples.Single(s => s.Labels.MetricName == "g").Value;
        Assert.Equal(0x7ff0000000000002UL, BitConverter.DoubleToUInt64Bits(value));
    }

    [Fact]
    public void Convert_Histogram_WritesCumulativeBucketsSumAndCount()
    {
        var point = new HistogramDataPoint { TimeUnixNano = Nanos(IntakeFixture.Now), Count = 6, Sum = 1.5 };
        point.ExplicitBounds.AddRange([0.1, 0.5]);
        point.BucketCounts.AddRange([1UL, 2UL, 3UL]);
        var histogram = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative };
        histogram.DataPoints.Add(point);

        var samples = Convert(Metrics(new Metric { Name = "rpc.duration", Unit = "s", Histogram = histogram }), out _);

        var buckets = samples.Where(s => s.Labels.MetricName == "rpc_duration_seconds_bucket").ToDictionary(s => s.Labels.Get("le")!, s => s.Value);
        Assert.Equal(new Dictionary<string, double> { ["0.1"] = 1, ["0.5"] = 3, ["+Inf"] = 6 }, buckets);
        Assert.Equal(1.5, samples.Single(s => s.Labels.MetricName == "rpc_duration_seconds_sum").Value);
        Assert.Equal(6, samples.Single(s => s.Labels.MetricName == "rpc_duration_seconds_count").Value);
    }

    [Fact]
    public void Convert_ExponentialHistogram_WritesBase2ClassicBuckets()
    {
        var point = new ExponentialHistogramDataPoint
        {
            TimeUnixNano = Nanos(IntakeFixture.Now),
            Count = 10,
            Sum = 20,
            Scale = 1,
            ZeroCount = 1,
            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = 0 },
        };
        point.Positive.BucketCounts.AddRange([2UL, 3UL, 4UL]); // (1,√2], (√2,2], (2,2√2]
        var histogram = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Cumulative };
        histogram.DataPoints.Add(point);

        var samples = Convert(Metrics(new Metric { Name = "payload", Unit = "By", ExponentialHistogram = histogram }), out _);

        var buckets = samples.Where(s => s.Labels.MetricName == "payload_bytes_bucket").ToDictionary(s => s.Labels.Get("le")!, s => s.Value);
        Assert.Equal(new Dictionary<string, double> { ["0"] = 1, ["2"] = 6, ["4"] = 10, ["+Inf"] = 10 }, buckets);
        Assert.Equal(20, samples.Single(s => s.Labels.MetricName == "payload_bytes_sum").Value);
    }

    [Fact]
    public void Convert_Summary_WritesQuantilesSumAndCount()
    {
        var point = new SummaryDataPoint { TimeUnixNano = Nanos(IntakeFixture.Now), Count = 100, Sum = 12 };
        point.QuantileValues.Add(new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.5, Value = 0.1 });
        point.QuantileValues.Add(new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.99, Value = 0.9 });
        var summary = new Summary();
        summary.DataPoints.Add(point);

        var samples = Convert(Metrics(new Metric { Name = "gc.pause", Unit = "s", Summary = summary }), out _);

        var quantiles = samples.Where(s => s.Labels.MetricName == "gc_pause_seconds").ToDictionary(s => s.Labels.Get("quantile")!, s => s.Value);
        Assert.Equal(new Dictionary<string, double> { ["0.5"] = 0.1, ["0.99"] = 0.9 }, quantiles);
        Assert.Equal(100, samples.Single(s => s.Labels.MetricName == "gc_pause_seconds_count").Value);
    }

    [Fact]
    public void Convert_InvalidPoints_AreCountedWithFirstReason()
    {
        var tooOld = Point(1, IntakeFixture.Now.AddDays(-30));
        var future = Point(1, IntakeFixture.Now.AddHours(1));
        var fine = Point(1);

        var samples = Convert(Metrics(Gauge("g", "", tooOld, future, fine), Gauge("", "", Point(1), Point(2))), out var rejections);

        Assert.Equal(4, rejections.Count);
        Assert.Contains("older than the limit", rejections.FirstMessage, StringComparison.Ordinal);
        Assert.Contains(rejections.ByReason, r => r == (OtlpConstants.Reasons.TooFarInFuture, 1));
        Assert.Contains(rejections.ByReason, r => r == (OtlpConstants.Reasons.EmptyMetricName, 2));
        Assert.Single(samples, s => s.Labels.MetricName == "g");
    }

    [Fact]
    public void Convert_TooManyLabels_IsRejected()
    {
        var point = Point(1);
        for (var i = 0; i < 70; i++)
        {
            point.Attributes.Add(Attr($"a{i}", "v"));
        }

        var samples = Convert(Metrics(Gauge("g", "", point)), out var rejections);

        Assert.Equal(1, rejections.Count);
        Assert.Equal(OtlpConstants.Reasons.TooManyLabels, rejections.ByReason.Single().Reason);
        Assert.Contains("more than the limit of 64", rejections.FirstMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(samples, s => s.Labels.MetricName == "g");
    }

    [Fact]
    public void Convert_LabelValueTooLong_IsRejectedWithLabelName()
    {
        var samples = Convert(Metrics(Gauge("g", "", Point(1, null, Attr("url.full", new string('x', 3000))))), out var rejections);

        Assert.Equal(OtlpConstants.Reasons.LabelValueTooLong, rejections.ByReason.Single().Reason);
        Assert.Contains("url_full", rejections.FirstMessage, StringComparison.Ordinal);
        Assert.Empty(samples);
    }

    [Fact]
    public void Convert_AttributeNamedLikeReservedLabel_CannotOverrideName()
    {
        var samples = Convert(Metrics(Gauge("g", "", Point(1, null, Attr("__name__", "evil"), Attr("job", "spoofed")))), out _);

        var sample = samples.Single(s => s.Labels.Get("key__name__") == "evil");
        Assert.Equal("g", sample.Labels.MetricName);
        Assert.Equal("shop/checkout", sample.Labels.Get("job"));
    }

    [Fact]
    public void Convert_IntAttribute_IsInvariantText()
    {
        var samples = Convert(Metrics(Gauge("g", "", Point(1, null, Attr("http.response.status_code", 503)))), out _);

        Assert.Equal("503", samples.Single(s => s.Labels.MetricName == "g").Labels.Get("http_response_status_code"));
    }

    [Fact]
    public void Convert_SameSeriesTwice_ReusesLabelSet()
    {
        var first = Convert(Metrics(Gauge("g", "", Point(1, null, Attr("a", "b")))), out _);
        var second = Convert(Metrics(Gauge("g", "", Point(2, null, Attr("a", "b")))), out _);

        Assert.Same(first.Single(s => s.Labels.MetricName == "g").Labels, second.Single(s => s.Labels.MetricName == "g").Labels);
    }

    [Fact]
    public async Task IngestAsync_StoreRefusesSamples_AddsThemToPartialSuccess()
    {
        _fixture.Writer.RejectSamples = 1;

        var outcome = await _fixture.MetricsIngest.IngestAsync(Metrics(Gauge("g", "", Point(1), Point(2, IntakeFixture.Now.AddSeconds(-1)))), "http", CancellationToken.None);

        Assert.Equal(IngestStatus.Accepted, outcome.Status);
        Assert.Equal(1, outcome.Rejected);
        Assert.Contains("series limit of 10", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IngestAsync_StoreOverloaded_ReturnsOverloadedWithRetryAfter()
    {
        _fixture.Writer.Overloaded = TimeSpan.FromSeconds(3);

        var outcome = await _fixture.MetricsIngest.IngestAsync(Metrics(Gauge("g", "", Point(1))), "grpc", CancellationToken.None);

        Assert.Equal(IngestStatus.Overloaded, outcome.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), outcome.RetryAfter);
        Assert.Equal(0, _fixture.VigilMetrics.AcceptedTotal(OtlpConstants.Metrics));
    }

    [Fact]
    public async Task IngestAsync_Accepted_CountsSamples()
    {
        await _fixture.MetricsIngest.IngestAsync(Metrics(Gauge("g", "", Point(1), Point(2, IntakeFixture.Now.AddDays(-100)))), "http", CancellationToken.None);

        Assert.Equal(2, _fixture.VigilMetrics.AcceptedTotal(OtlpConstants.Metrics)); // g and target_info
        Assert.Equal(1, _fixture.VigilMetrics.Rejected(OtlpConstants.Metrics, OtlpConstants.Reasons.TooOld));
    }
}
