using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Otlp;
using Vigil.Server.RemoteWrite;

namespace Vigil.Server.Tests.Otlp;

public class SpanMetricsFlusherTests
{
    [Fact]
    public async Task StopAsync_AfterSpans_FlushesOnce()
    {
        var time = new FakeTimeProvider(IntakeFixture.Now);
        var writer = new FakeTelemetryWriter();
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions());
        aggregator.Observe("api", "1", "prod", "op", SpanKind.Server, SpanStatusCode.Unset, 0.2);
        var flusher = new SpanMetricsFlusher(aggregator, new DerivedSeriesWriter(writer, null, null, NullLogger<DerivedSeriesWriter>.Instance), new SpanMetricsOptions(), time, NullLogger<SpanMetricsFlusher>.Instance);
        await flusher.StartAsync(CancellationToken.None);

        await flusher.StopAsync(CancellationToken.None);

        // The label set is new, so its zero (1 ms before the first flush) comes with the value.
        var calls = writer.Samples.Where(s => s.Labels.MetricName == SpanMetricsAggregator.CallsMetric).OrderBy(s => s.TimestampMs).ToList();
        Assert.Equal([0, 1], calls.Select(c => c.Value));
        Assert.Equal(IntakeFixture.Now.ToUnixTimeMilliseconds(), calls[1].TimestampMs);
    }

    [Fact]
    public async Task FlushAsync_StoreOverloaded_DoesNotThrow()
    {
        var writer = new FakeTelemetryWriter { Overloaded = TimeSpan.FromSeconds(1) };
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions());
        aggregator.Observe("api", "1", "prod", "op", SpanKind.Server, SpanStatusCode.Unset, 0.2);
        var flusher = new SpanMetricsFlusher(aggregator, new DerivedSeriesWriter(writer, null, null, NullLogger<DerivedSeriesWriter>.Instance), new SpanMetricsOptions(), new FakeTimeProvider(IntakeFixture.Now), NullLogger<SpanMetricsFlusher>.Instance);

        await flusher.FlushAsync(CancellationToken.None);

        Assert.Empty(writer.Batches);
    }

    [Fact]
    public async Task FlushAsync_ManyLabelSets_AppendsInSlices()
    {
        var writer = new FakeTelemetryWriter();
        var aggregator = new SpanMetricsAggregator(new SpanMetricsOptions());
        for (var i = 0; i < 50; i++)
        {
            aggregator.Observe("api", "1", "prod", $"op{i}", SpanKind.Server, SpanStatusCode.Unset, 0.2);
        }

        var flusher = new SpanMetricsFlusher(aggregator, new DerivedSeriesWriter(writer, null, null, NullLogger<DerivedSeriesWriter>.Instance), new SpanMetricsOptions(), new FakeTimeProvider(IntakeFixture.Now), NullLogger<SpanMetricsFlusher>.Instance);

        await flusher.FlushAsync(CancellationToken.None);

        Assert.Equal(2 * 50 * 245, writer.Samples.Count()); // each new series: its zero and its value
        Assert.True(writer.Batches.Count > 1);
        Assert.All(writer.Batches, b => Assert.True(b.Samples.Count <= 10_000));
    }
}
