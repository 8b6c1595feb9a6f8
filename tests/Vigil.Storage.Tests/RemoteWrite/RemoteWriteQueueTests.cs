using Vigil.Core.Telemetry;
using Vigil.Storage.RemoteWrite;
using Vigil.Storage.Tests.State;

namespace Vigil.Storage.Tests.RemoteWrite;

public sealed class RemoteWriteQueueTests : IDisposable
{
    private const long Bound = 512 * 1024;
    private const int Seed = 20261129;
    private readonly TempDirectory _dir = new();

    private static readonly LabelSet Requests = LabelSet.From(("__name__", "traces_span_metrics_calls_total"), ("service_name", "checkout"), ("span_name", "GET /cart"));
    private static readonly LabelSet Latency = LabelSet.From(("__name__", "traces_span_metrics_duration_seconds_sum"), ("service_name", "checkout"), ("span_name", "GET /cart"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Append_ThenReadBatch_ReturnsEachSeriesOnceWithSamplesSortedByTime()
    {
        using var queue = RemoteWriteQueue.Open(_dir.Path, Bound);

        queue.Append([new(Requests, 2000, 2), new(Latency, 2000, double.NaN), new(Requests, 1000, 1)]);
        queue.Append([new(Latency, 3000, double.PositiveInfinity), new(Requests, 3000, 3)]);
        var batch = queue.ReadBatch(100);

        Assert.NotNull(batch);
        Assert.Equal(5, batch.SampleCount);
        Assert.Equal([Requests, Latency], batch.Series.Select(s => s.Labels));
        Assert.Equal([new Sample(1000, 1), new Sample(2000, 2), new Sample(3000, 3)], batch.Series[0].Samples);
        Assert.True(double.IsNaN(batch.Series[1].Samples[0].Value));
        Assert.Equal(new Sample(3000, double.PositiveInfinity), batch.Series[1].Samples[1]);
    }

    [Fact]
    public void ReadBatch_WithoutCommit_ReturnsTheSameSamplesAgain_AndNothingAfterCommit()
    {
        using var queue = RemoteWriteQueue.Open(_dir.Path, Bound);
        queue.Append([new(Requests, 1000, 1)]);

        var first = queue.ReadBatch(100)!;
        var again = queue.ReadBatch(100)!;
        queue.Commit(again.End);

        Assert.Equal(first.Series[0].Samples, again.Series[0].Samples);
        Assert.Null(queue.ReadBatch(100));
        Assert.Equal(0, queue.PendingBytes);
    }

    [Fact]
    public void ReadBatch_StopsBeforeTheRecordThatWouldExceedMaxSamples_ButAlwaysReadsOne()
    {
        using var queue = RemoteWriteQueue.Open(_dir.Path, Bound);
        queue.Append([new(Requests, 1000, 1), new(Requests, 2000, 2)]);
        queue.Append([new(Requests, 3000, 3)]);

        var one = queue.ReadBatch(1)!;
        queue.Commit(one.End);
        var two = queue.ReadBatch(1)!;

        Assert.Equal(2, one.SampleCount);
        Assert.Equal([new Sample(3000, 3)], two.Series[0].Samples);
    }

    [Fact]
    public void Reopen_KeepsUnsentSamples_AndTheCommittedCursor()
    {
        using (var queue = RemoteWriteQueue.Open(_dir.Path, Bound))
        {
            queue.Append([new(Requests, 1000, 1)]);
            queue.Append([new(Requests, 2000, 2)]);
            var first = queue.ReadBatch(1)!;
            queue.Commit(first.End);
        }

        using var reopened = RemoteWriteQueue.Open(_dir.Path, Bound);
        var rest = reopened.ReadBatch(100)!;
        reopened.Commit(rest.End);

        Assert.Equal([new Sample(2000, 2)], rest.Series[0].Samples);
        Assert.Null(reopened.ReadBatch(100));
        using var again = RemoteWriteQueue.Open(_dir.Path, Bound);
        Assert.Null(again.ReadBatch(100));
    }

    [Fact]
    public void Reopen_AfterATornLastRecord_DropsOnlyThatRecord_AndAppendsAfterTheIntactOnes()
    {
        using (var queue = RemoteWriteQueue.Open(_dir.Path, Bound))
        {
            queue.Append([new(Requests, 1000, 1)]);
            queue.Append([new(Requests, 2000, 2)]);
        }

        // A crash in the middle of the second append: its last bytes never reached the disk.
        var segment = Directory.GetFiles(_dir.Path, "*.seg").Single();
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - 5);
        }

        using var reopened = RemoteWriteQueue.Open(_dir.Path, Bound);
        reopened.Append([new(Requests, 3000, 3)]);
        var batch = reopened.ReadBatch(100)!;

        Assert.Equal([new Sample(1000, 1), new Sample(3000, 3)], batch.Series[0].Samples);
        Assert.Equal(0, reopened.CorruptRecords);
    }

    [Fact]
    public void Reopen_AfterGarbageAppendedToTheTail_CutsTheGarbage()
    {
        using (var queue = RemoteWriteQueue.Open(_dir.Path, Bound))
        {
            queue.Append([new(Requests, 1000, 1)]);
        }

        var segment = Directory.GetFiles(_dir.Path, "*.seg").Single();
        var intact = new FileInfo(segment).Length;
        File.AppendAllText(segment, "not a frame at all, just noise");

        using var reopened = RemoteWriteQueue.Open(_dir.Path, Bound);

        Assert.Equal(intact, new FileInfo(segment).Length);
        Assert.Equal([new Sample(1000, 1)], reopened.ReadBatch(100)!.Series[0].Samples);
    }

    [Fact]
    public void Append_BeyondTheBound_DropsTheOldestUnsentSamples_AndStaysWithinTheBound()
    {
        var random = new Random(Seed);
        using var queue = RemoteWriteQueue.Open(_dir.Path, Bound);
        long dropped = 0;
        const int Records = 200;
        const int PerRecord = 1000;

        for (var r = 0; r < Records; r++)
        {
            // Random values do not compress, so each record is about 10 KB: 200 of them are four times the bound.
            var samples = Enumerable.Range(0, PerRecord).Select(i => new SeriesSample(Requests, (r * PerRecord) + i, random.NextDouble())).ToList();
            dropped += queue.Append(samples).DroppedOldest;
            Assert.True(queue.SizeBytes <= Bound, $"seed {Seed}: {queue.SizeBytes} bytes after record {r}, bound {Bound}");
        }

        var remaining = 0;
        long firstTimestamp = -1;
        long lastTimestamp = -1;
        while (queue.ReadBatch(10_000) is { } batch)
        {
            remaining += batch.SampleCount;
            firstTimestamp = firstTimestamp < 0 ? batch.Series[0].Samples[0].TimestampMs : firstTimestamp;
            lastTimestamp = batch.Series[0].Samples[^1].TimestampMs;
            queue.Commit(batch.End);
        }

        Assert.True(dropped > 0, $"seed {Seed}: nothing was dropped");
        Assert.Equal(dropped, queue.DroppedSamples);
        Assert.Equal(Records * PerRecord, remaining + dropped);
        Assert.Equal((Records * PerRecord) - 1, lastTimestamp);
        Assert.Equal(dropped, firstTimestamp);
    }

    [Fact]
    public void Append_OfMoreThanTheWholeBound_IsRefusedAndCounted()
    {
        var random = new Random(Seed);
        using var queue = RemoteWriteQueue.Open(_dir.Path, 64 * 1024);
        var huge = Enumerable.Range(0, 20_000).Select(i => new SeriesSample(Requests, i, random.NextDouble())).ToList();

        var result = queue.Append(huge);

        Assert.Equal(20_000, result.Refused);
        Assert.Equal(20_000, queue.RefusedSamples);
        Assert.Null(queue.ReadBatch(100));
    }

    [Fact]
    public void ReadBatch_SkipsADamagedRecordInASealedSegment_AndCountsIt()
    {
        var random = new Random(Seed);
        using (var queue = RemoteWriteQueue.Open(_dir.Path, Bound))
        {
            // Fill more than one 64 KiB segment.
            for (var r = 0; r < 10; r++)
            {
                queue.Append(Enumerable.Range(0, 1000).Select(i => new SeriesSample(Requests, (r * 1000) + i, random.NextDouble())).ToList());
            }
        }

        var first = Directory.GetFiles(_dir.Path, "*.seg").Order(StringComparer.Ordinal).First();
        var bytes = File.ReadAllBytes(first);
        bytes[RemoteWriteQueue.FrameHeaderBytes + 8 + 100] ^= 0xFF;
        File.WriteAllBytes(first, bytes);

        using var reopened = RemoteWriteQueue.Open(_dir.Path, Bound);
        var read = 0;
        while (reopened.ReadBatch(1000) is { } batch)
        {
            read += batch.SampleCount;
            reopened.Commit(batch.End);
        }

        Assert.Equal(1, reopened.CorruptRecords);
        Assert.True(read is > 0 and < 10_000, $"seed {Seed}: read {read}");
    }
}
