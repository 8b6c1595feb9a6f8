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

        var calls = writer.Samples.Single(s => s.Labels.MetricName == SpanMetricsAggregator.CallsMetric);
        Assert.Equal(1, calls.Value);
        Assert.Equal(IntakeFixture.Now.ToUnixTimeMilliseconds(), calls.TimestampMs);
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

        Assert.Equal(50 * 245, writer.Samples.Count());
        Assert.True(writer.Batches.Count > 1);
        Assert.All(writer.Batches, b => Assert.True(b.Samples.Count <= 10_000));
    }
}
