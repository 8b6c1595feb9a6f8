using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;

namespace Vigil.Core.Tests.Telemetry.Intake;

public class SpanMetricsAggregatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void DurationBounds_Neighbours_AreLessThanFivePercentApart()
    {
        var bounds = SpanMetricsAggregator.DurationBounds;

        Assert.Equal(0.001, bounds[0]);
        Assert.True(bounds[^1] > 30, "bounds reach past 30 s");
        for (var i = 1; i < bounds.Count; i++)
        {
            var ratio = bounds[i] / bounds[i - 1];
            Assert.InRange(ratio, 1.03, 1.05);
        }
    }

    [Theory]
    [InlineData(0.0012)]
    [InlineData(0.05)]
    [InlineData(0.2)]
    [InlineData(1.3)]
    [InlineData(20)]
    public void DurationBounds_FivePercentShift_CrossesABucketBound(double latency)
    {
        var bounds = SpanMetricsAggregator.DurationBounds.ToArray();

        static int Bucket(double[] b, double v)
        {
            var i = Array.BinarySearch(b, v);
            return i < 0 ? ~i : i;
        }

        Assert.NotEqual(Bucket(bounds, latency), Bucket(bounds, latency * 1.05));
    }

    [Fact]
    public void Collect_ObservedSpans_EmitsCallsAndFullHistogram()
    {
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions());
        aggregator.Observe("checkout", "1.2.0", "prod", "GET /cart", SpanKind.Server, SpanStatusCode.Unset, 0.010);
        aggregator.Observe("checkout", "1.2.0", "prod", "GET /cart", SpanKind.Server, SpanStatusCode.Unset, 0.020);
        aggregator.Observe("checkout", "1.2.0", "prod", "GET /cart", SpanKind.Server, SpanStatusCode.Error, 0.5);

        var samples = aggregator.Collect(Now).Where(s => s.TimestampMs == Now.ToUnixTimeMilliseconds()).ToList();

        var bucketsPerSet = SpanMetricsAggregator.DurationBounds.Count + 1;
        Assert.Equal(2 * (bucketsPerSet + 3), samples.Count);
        var calls = samples.Single(s => s.Labels.MetricName == SpanMetricsAggregator.CallsMetric && s.Labels.Get("status_code") == "STATUS_CODE_UNSET");
        Assert.Equal(2, calls.Value);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), calls.TimestampMs);
        Assert.Equal("checkout", calls.Labels.Get("service_name"));
        Assert.Equal("1.2.0", calls.Labels.Get("service_version"));
        Assert.Equal("prod", calls.Labels.Get("deployment_environment_name"));
        Assert.Equal("GET /cart", calls.Labels.Get("span_name"));
        Assert.Equal("SPAN_KIND_SERVER", calls.Labels.Get("span_kind"));
        Assert.Equal(7, calls.Labels.Count);

        var unsetBuckets = samples.Where(s => s.Labels.MetricName == "traces_span_metrics_duration_seconds_bucket" && s.Labels.Get("status_code") == "STATUS_CODE_UNSET").ToList();
        Assert.Equal(bucketsPerSet, unsetBuckets.Count);
        double Le(SeriesSample s) => s.Labels.Get("le") == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels.Get("le")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(unsetBuckets.Where(s => Le(s) < 0.010), s => Assert.Equal(0, s.Value));
        Assert.All(unsetBuckets.Where(s => Le(s) >= 0.010 && Le(s) < 0.020), s => Assert.Equal(1, s.Value));
        Assert.All(unsetBuckets.Where(s => Le(s) >= 0.020), s => Assert.Equal(2, s.Value));
        Assert.Equal(2, unsetBuckets.Single(s => s.Labels.Get("le") == "+Inf").Value);
        var sum = samples.Single(s => s.Labels.MetricName == "traces_span_metrics_duration_seconds_sum" && s.Labels.Get("status_code") == "STATUS_CODE_UNSET");
        Assert.Equal(0.030, sum.Value, 9);
    }

    [Fact]
    public void Collect_NewLabelSet_AlsoWritesZerosAtThePreviousCollect()
    {
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions());
        aggregator.Observe("api", "1", "prod", "old", SpanKind.Server, SpanStatusCode.Unset, 0.1);
        var first = aggregator.Collect(Now);
        aggregator.Observe("api", "1", "prod", "new", SpanKind.Server, SpanStatusCode.Error, 0.1);

        var second = aggregator.Collect(Now.AddSeconds(15));

        // First collect: no earlier collect, so the zero sits 1 ms before it; every series of the set gets one.
        var perSet = SpanMetricsAggregator.DurationBounds.Count + 4;
        var firstZeros = first.Where(s => s.TimestampMs == Now.ToUnixTimeMilliseconds() - 1).ToList();
        Assert.Equal(perSet, firstZeros.Count);
        Assert.All(firstZeros, s => Assert.Equal(0, s.Value));

        // Second collect: the new set's zeros sit at the first collect; the old set gets none again.
        var zeros = second.Where(s => s.TimestampMs == Now.ToUnixTimeMilliseconds()).ToList();
        Assert.Equal(perSet, zeros.Count);
        Assert.All(zeros, s => Assert.Equal("new", s.Labels.Get("span_name")));
        Assert.All(zeros, s => Assert.Equal(0, s.Value));
        Assert.Equal(1, second.Single(s => s.Labels.MetricName == SpanMetricsAggregator.CallsMetric && s.Labels.Get("span_name") == "new" && s.Value > 0).Value);
    }

    [Fact]
    public void Collect_Twice_IsCumulative()
    {
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions());
        aggregator.Observe("api", "1", "prod", "op", SpanKind.Client, SpanStatusCode.Ok, 0.1);
        aggregator.Collect(Now);
        aggregator.Observe("api", "1", "prod", "op", SpanKind.Client, SpanStatusCode.Ok, 0.1);

        var samples = aggregator.Collect(Now.AddSeconds(15));

        Assert.Equal(2, samples.Single(s => s.Labels.MetricName == SpanMetricsAggregator.CallsMetric).Value);
        Assert.Equal("STATUS_CODE_OK", samples[0].Labels.Get("status_code"));
        Assert.Equal("SPAN_KIND_CLIENT", samples[0].Labels.Get("span_kind"));
    }

    [Fact]
    public void Observe_BeyondMaxSeries_CountsIntoOverflowSeries()
    {
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions { MaxSeries = 2 });
        aggregator.Observe("api", "1", "prod", "a", SpanKind.Server, SpanStatusCode.Unset, 0.1);
        aggregator.Observe("api", "1", "prod", "b", SpanKind.Server, SpanStatusCode.Unset, 0.1);
        aggregator.Observe("api", "1", "prod", "c", SpanKind.Server, SpanStatusCode.Unset, 0.1);
        aggregator.Observe("api", "1", "prod", "d", SpanKind.Server, SpanStatusCode.Unset, 0.1);

        var samples = aggregator.Collect(Now).Where(s => s.TimestampMs == Now.ToUnixTimeMilliseconds()).ToList();

        Assert.Equal(3, aggregator.SeriesCount);
        var overflow = samples.Single(s => s.Labels.MetricName == SpanMetricsAggregator.CallsMetric && s.Labels.Get(SpanMetricsAggregator.OverflowLabel) == "true");
        Assert.Equal(2, overflow.Value);
        Assert.Null(overflow.Labels.Get("span_name"));
    }

    [Fact]
    public void Collect_IdleLongerThanExpiry_DropsLabelSet()
    {
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions { IdleExpiry = TimeSpan.FromMinutes(5) });
        aggregator.Observe("api", "1", "prod", "op", SpanKind.Server, SpanStatusCode.Unset, 0.1);
        aggregator.Collect(Now);
        Assert.NotEmpty(aggregator.Collect(Now.AddMinutes(4)));

        var samples = aggregator.Collect(Now.AddMinutes(6));

        Assert.Empty(samples);
        Assert.Equal(0, aggregator.SeriesCount);
    }

    [Fact]
    public void Observe_SpanRecord_UsesResourceAndAliasEnvironment()
    {
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions());
        var resource = new TelemetryResource([new("service.name", "cart"), new("service.version", "2"), new("deployment.environment", "staging")]);
        var span = new SpanRecord("t", "s", "", "op", SpanKind.Internal, 0, 2_000_000_000, SpanStatusCode.Unset, "", [], [], [], resource, "scope");

        aggregator.Observe(span);
        var samples = aggregator.Collect(Now);

        var sum = samples.Single(s => s.Labels.MetricName == "traces_span_metrics_duration_seconds_sum" && s.TimestampMs == Now.ToUnixTimeMilliseconds());
        Assert.Equal(2, sum.Value);
        Assert.Equal("staging", sum.Labels.Get("deployment_environment_name"));
        Assert.Equal("SPAN_KIND_INTERNAL", sum.Labels.Get("span_kind"));
    }
}
