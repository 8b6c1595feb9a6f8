using Vigil.Core.PromQl;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Runs;

namespace Vigil.Core.Tests.Verification.Runs;

public sealed class ObservationCollectorTests
{
    private static readonly DateTimeOffset End = RunTestData.Start.AddMinutes(5);
    private static readonly TemplateValues Canary = new("checkout", "prod", "1.4.2", "1.4.1", TimeSpan.FromMinutes(1));
    private static readonly TemplateValues Baseline = Canary.ForVersion("1.4.1");

    private static RunTestData Data()
    {
        var data = new RunTestData();
        data.AddVersion("1.4.2", RunTestData.Start, End, perSecond: 10, errorShare: 0.05, bucketShares: [0.1, 0.2, 0.3, 0.3, 0.1]);
        data.AddVersion("1.4.1", RunTestData.Start, End, perSecond: 100, errorShare: 0.01);
        return data;
    }

    private static Task<IntervalObservation> CollectAsync(IMetricsSource source, PlanMetric metric) =>
        new ObservationCollector(source).CollectAsync(metric, Canary, End.ToUnixTimeMilliseconds(), Baseline, End.ToUnixTimeMilliseconds(), CancellationToken.None);

    private static PlanMetric Metric(string name) => RunTestData.Plan().Metrics.Single(m => m.Name == name);

    [Fact]
    public async Task CollectAsync_CountRatio_GivesEventsAndRequestsOfEachSideInTheInterval()
    {
        var observation = await CollectAsync(Data().Source, Metric("error-ratio"));

        Assert.Null(observation.Error);
        Assert.Equal(End.ToUnixTimeMilliseconds(), observation.EndMs);
        Assert.Equal(600, observation.Canary.Requests, 1e-6);   // 10/s over one minute
        Assert.Equal(30, observation.Canary.Events, 1e-6);      // 5%
        Assert.Equal(6000, observation.Baseline.Requests, 1e-6);
        Assert.Equal(60, observation.Baseline.Events, 1e-6);
    }

    [Fact]
    public async Task CollectAsync_LatencyHistogram_GivesPerBucketCountsFromTheCumulativeLeSeries()
    {
        var observation = await CollectAsync(Data().Source, Metric("p95-latency"));

        Assert.Null(observation.Error);
        var canary = observation.Canary.Histogram!;
        Assert.Equal([.. RunTestData.Bounds, double.PositiveInfinity], canary.UpperBounds);
        Assert.Equal([60, 120, 180, 180, 60, 0], canary.Counts.Select(c => Math.Round(c, 6)));
        Assert.Equal(6000, observation.Baseline.Histogram!.Total, 1e-6);
    }

    [Fact]
    public async Task CollectAsync_Continuous_OneSeriesGivesItsValue()
    {
        var metric = new PlanMetric("rate", MetricKind.Continuous, MetricDirection.Decrease,
            "sum(rate(traces_span_metrics_calls_total{service_name=\"{{service}}\",service_version=\"{{version}}\"}[{{interval}}]))");

        var observation = await CollectAsync(Data().Source, metric);

        Assert.Null(observation.Error);
        Assert.Equal(10, observation.Canary.Value!.Value, 1e-6);
        Assert.Equal(100, observation.Baseline.Value!.Value, 1e-6);
    }

    [Fact]
    public async Task CollectAsync_NoMatchingSeries_IsNoDataWithoutAnError()
    {
        var metric = new PlanMetric("rate", MetricKind.Continuous, MetricDirection.Decrease, "sum(rate(nothing_total[{{interval}}]))");

        var observation = await CollectAsync(Data().Source, metric);

        Assert.Null(observation.Error);
        Assert.Null(observation.Canary.Value);
        Assert.False(ObservationCollector.HasData(observation.Canary));
        Assert.False(ObservationCollector.HasData(observation.Baseline));
    }

    [Fact]
    public async Task CollectAsync_ContinuousQueryWithSeveralSeries_IsAnErrorNamingTheCount()
    {
        var metric = new PlanMetric("rate", MetricKind.Continuous, MetricDirection.Decrease,
            "sum by (status_code) (rate(traces_span_metrics_calls_total{service_version=\"{{version}}\"}[{{interval}}]))");

        var observation = await CollectAsync(Data().Source, metric);

        Assert.NotNull(observation.Error);
        Assert.Contains("2 series", observation.Error, StringComparison.Ordinal);
        Assert.Null(observation.Canary.Value);
    }

    [Fact]
    public async Task CollectAsync_QueryThatDoesNotParse_IsAnErrorNotAnException()
    {
        var metric = new PlanMetric("broken", MetricKind.CountRatio, MetricDirection.Increase, "sum(rate(x[{{interval}}]", TotalQuery: "vector(1)");

        var observation = await CollectAsync(Data().Source, metric);

        Assert.NotNull(observation.Error);
        Assert.False(ObservationCollector.HasData(observation.Canary));
    }

    [Fact]
    public async Task CollectAsync_SourceRefusesTheQuery_IsAnErrorWithItsMessage()
    {
        var observation = await CollectAsync(new FailingSource(), Metric("error-ratio"));

        Assert.Equal("the source is down", observation.Error);
    }

    [Fact]
    public async Task CollectAsync_HistogramSeriesNotAggregatedByLe_IsAnError()
    {
        var metric = new PlanMetric("p95", MetricKind.LatencyHistogram, MetricDirection.Increase,
            "increase(traces_span_metrics_duration_seconds_bucket[{{interval}}])", Quantile: 0.95);

        var observation = await CollectAsync(Data().Source, metric);

        Assert.Contains("several series have le=", observation.Error, StringComparison.Ordinal);
    }

    private sealed class FailingSource() : IMetricsSource
    {
        public string Name => "down";

        public Task<Vigil.Core.PromQl.Evaluation.PromQlResult> InstantQueryAsync(string query, long timeMs, CancellationToken cancellationToken) =>
            throw new MetricsSourceException("unavailable", 503, "the source is down");

        public Task<Vigil.Core.PromQl.Evaluation.MatrixResult> RangeQueryAsync(string query, long startMs, long endMs, long stepMs, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Vigil.Core.Telemetry.LabelSet>> SeriesAsync(IReadOnlyList<IReadOnlyList<Vigil.Core.Telemetry.LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> LabelNamesAsync(IReadOnlyList<IReadOnlyList<Vigil.Core.Telemetry.LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> LabelValuesAsync(string name, IReadOnlyList<IReadOnlyList<Vigil.Core.Telemetry.LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Vigil.Core.Telemetry.Exposition.MetricMetadata>> MetadataAsync(string? metric, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
