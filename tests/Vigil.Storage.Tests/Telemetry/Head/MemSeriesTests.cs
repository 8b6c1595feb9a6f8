using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Chunks;
using Vigil.Storage.Telemetry.Head;

namespace Vigil.Storage.Tests.Telemetry.Head;

public sealed class MemSeriesTests
{
    [Fact]
    public void Read_InOrderSamplesAcrossSealedChunks_ReturnsAllSorted()
    {
        var series = new MemSeries(0, TestTelemetry.Series("up"));
        for (var i = 0; i < 1000; i++)
        {
            series.Append(i * 15_000L, i);
        }

        var samples = new List<Sample>();
        series.Read(long.MinValue, long.MaxValue, samples);

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => new Sample(i * 15_000L, i)), samples);
    }

    [Fact]
    public void Read_SameTimestampWrittenTwice_KeepsOneSampleWithTheLastValue()
    {
        var series = new MemSeries(0, TestTelemetry.Series("up"));
        for (var i = 0; i < 300; i++)
        {
            series.Append(i * 1000L, i);
        }

        series.Append(299_000, -1);
        series.Append(5_000, -5);

        var samples = new List<Sample>();
        series.Read(long.MinValue, long.MaxValue, samples);

        Assert.Equal(300, samples.Count);
        Assert.Equal(-1, samples.Single(s => s.TimestampMs == 299_000).Value);
        Assert.Equal(-5, samples.Single(s => s.TimestampMs == 5_000).Value);
    }

    [Fact]
    public void Read_OutOfOrderSample_IsMergedInTimeOrder()
    {
        var series = new MemSeries(0, TestTelemetry.Series("up"));
        foreach (var t in new long[] { 10, 20, 40, 50 })
        {
            series.Append(t, t);
        }

        series.Append(30, 30);
        series.Append(5, 5);

        var samples = new List<Sample>();
        series.Read(0, 100, samples);

        Assert.Equal([5L, 10, 20, 30, 40, 50], samples.Select(s => s.TimestampMs));
    }

    [Fact]
    public void ChunksForBlock_WithOutOfOrderSamples_ProducesSortedChunksWithoutDuplicates()
    {
        var series = new MemSeries(0, TestTelemetry.Series("up"));
        for (var i = 0; i < 250; i++)
        {
            series.Append(i * 10L, i);
        }

        series.Append(15, 1.5);
        series.Append(20, 99);

        var decoded = new List<Sample>();
        foreach (var chunk in series.ChunksForBlock())
        {
            XorChunk.Decode(chunk.Data, long.MinValue, long.MaxValue, decoded);
        }

        Assert.Equal(251, decoded.Count);
        Assert.Equal(decoded.OrderBy(s => s.TimestampMs).Select(s => s.TimestampMs), decoded.Select(s => s.TimestampMs));
        Assert.Equal(99, decoded.Single(s => s.TimestampMs == 20).Value);
    }

    [Theory]
    [InlineData(0, 5, true)]
    [InlineData(11, 19, false)]
    [InlineData(15, 25, true)]
    [InlineData(2000, 3000, false)]
    public void HasSampleIn_Window_TellsWhetherASampleFallsInside(long minT, long maxT, bool expected)
    {
        var series = new MemSeries(0, TestTelemetry.Series("up"));
        for (var i = 0; i < 130; i++)
        {
            series.Append(i * 10L, i);
        }

        Assert.Equal(expected, series.HasSampleIn(minT, maxT));
    }
}
