using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry;
using static Vigil.Storage.Tests.Telemetry.TestTelemetry;

namespace Vigil.Storage.Tests.Telemetry;

public sealed partial class EmbeddedTelemetryStoreTests
{
    [Fact]
    public async Task MaintainAsync_BlockOlderThanRetentionAge_DeletesItAndKeepsNewerData()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var labels = Series("up");
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([new SeriesSample(labels, StartMs, 1)]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);
        harness.Clock.Advance(TimeSpan.FromDays(10));
        var tenDays = StartMs + (long)TimeSpan.FromDays(10).TotalMilliseconds;
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([new SeriesSample(labels, tenDays, 2)]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);
        var oldest = Directory.GetFiles(harness.BlocksDirectory).Order(StringComparer.Ordinal).First();

        harness.Clock.Advance(TimeSpan.FromDays(6));
        await harness.Store.MaintainAsync(CancellationToken.None);

        // Advancing the clock also wakes the store's own maintenance, which may be the one that deletes the block.
        Assert.Equal(1, harness.Store.GetStats().Blocks);
        var series = Assert.Single(harness.Store.SelectSamples(Name("up"), 0, long.MaxValue, 10));
        Assert.Equal([new Sample(tenDays, 2)], series.Samples);
        await Eventually(() => !File.Exists(oldest));
        await EventuallyLogged(harness, 2111, "retention age");
    }

    [Fact]
    public async Task OpenAsync_DiskUseOverRetentionBytes_DeletesOldestBlocksFirst()
    {
        await using var harness = await StoreHarness.OpenAsync();
        for (var b = 0; b < 4; b++)
        {
            var samples = Enumerable.Range(0, 2000).Select(i => new SeriesSample(Series("load", ("i", i.ToString(System.Globalization.CultureInfo.InvariantCulture))), StartMs + (b * 60_000L), b)).ToList();
            await harness.Store.AppendAsync(TelemetryBatch.OfSamples(samples), CancellationToken.None);
            await harness.Store.FlushAsync(CancellationToken.None);
        }

        var blocks = Directory.GetFiles(harness.BlocksDirectory).Order(StringComparer.Ordinal).ToArray();
        var sizes = blocks.Select(f => new FileInfo(f).Length).ToArray();
        harness.Options.RetentionBytes = sizes[2] + sizes[3] + 4096;

        await harness.ReopenAsync();

        Assert.Equal(2, harness.Store.GetStats().Blocks);
        Assert.False(File.Exists(blocks[0]));
        Assert.False(File.Exists(blocks[1]));
        Assert.True(File.Exists(blocks[3]));
        Assert.True(harness.Store.GetStats().DiskBytes <= harness.Options.RetentionBytes);
        Assert.Equal([2.0, 3.0], harness.Store.SelectSamples(Name("load"), 0, long.MaxValue, 1)[0].Samples.Select(s => s.Value));
    }

    [Fact]
    public async Task AppendAsync_NewSeriesBeyondMaxSeries_AreRefusedWithReasonWhileExistingSeriesKeepAccepting()
    {
        await using var harness = await StoreHarness.OpenAsync(o => o.MaxSeries = 3);
        var batch = TelemetryBatch.OfSamples([.. Enumerable.Range(0, 5).SelectMany(s => Enumerable.Range(0, 4).Select(k =>
            new SeriesSample(Series("jobs", ("id", s.ToString(System.Globalization.CultureInfo.InvariantCulture))), StartMs + k, k)))]);

        var first = await harness.Store.AppendAsync(batch, CancellationToken.None);
        var again = await harness.Store.AppendAsync(TelemetryBatch.OfSamples([new SeriesSample(Series("jobs", ("id", "0")), StartMs + 10, 10)]), CancellationToken.None);

        Assert.Equal(new AppendResult(8, "series limit of 3 reached"), first);
        Assert.Equal(AppendResult.Accepted, again);
        Assert.Equal(["0", "1", "2"], harness.Store.SelectSeries(Name("jobs"), 0, long.MaxValue, 10).Select(l => l.Get("id")));
        Assert.Equal(3, harness.Store.GetStats().ActiveSeries);
        Assert.Equal(13, harness.Store.GetStats().HeadSamples);
    }

    [Fact]
    public async Task AppendAsync_WriteQueueFull_ThrowsStoreOverloadedWithRetryHintAndKeepsQueuedBatches()
    {
        await using var harness = await StoreHarness.OpenAsync(o => o.MaxPendingWriteBytes = 64 * 1024, simulatedWal: true);
        harness.Wal!.HoldSyncs();
        var first = harness.Store.AppendAsync(SampleBatch("queued", 0, 1000), CancellationToken.None).AsTask();
        await harness.Wal.WaitForSyncAsync();
        var second = harness.Store.AppendAsync(SampleBatch("queued", 1, 1000), CancellationToken.None).AsTask();

        var ex = await Assert.ThrowsAsync<StoreOverloadedException>(() => harness.Store.AppendAsync(SampleBatch("queued", 2, 1000), CancellationToken.None).AsTask());
        harness.Wal.ReleaseSyncs();
        await Task.WhenAll(first, second);

        Assert.True(ex.RetryAfter > TimeSpan.Zero);
        Assert.Contains("write queue is full", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2000, harness.Store.SelectSamples(Name("queued"), 0, long.MaxValue, 100).Sum(s => s.Samples.Count));
    }

    [Fact]
    public async Task AppendAsync_HeadOverMemoryBound_IsWrittenToABlockWithoutWaitingForBlockDuration()
    {
        await using var harness = await StoreHarness.OpenAsync(o => o.MaxHeadBytes = 1 << 20);

        // About 1.2 MB of head: over the bound, under twice it (where appends would be refused until the block is written).
        var body = new string('x', 1000);
        for (var i = 0; i < 5; i++)
        {
            var logs = Enumerable.Range(0, 100).Select(k => Log(StartNs + (((i * 100) + k) * 1000L), body + k)).ToList();
            await harness.Store.AppendAsync(TelemetryBatch.OfLogs(logs), CancellationToken.None);
        }

        await Eventually(() => harness.Store.GetStats().Blocks >= 1);

        Assert.True(harness.Store.GetStats().HeadLogs < 500);
        Assert.Equal(500, harness.Store.QueryLogs(new LogQuery(Limit: 1000)).Records.Count);
        await EventuallyLogged(harness, 2110, "memory bound");
    }

    [Fact]
    public async Task AppendAsync_HeadAtTwiceItsBoundWhileBlocksCannotBeWritten_ThrowsOverloadedThenRecovers()
    {
        await using var harness = await StoreHarness.OpenAsync(o => o.MaxHeadBytes = 1 << 20);
        Directory.Delete(harness.BlocksDirectory);
        await File.WriteAllTextAsync(harness.BlocksDirectory, "a file where the blocks directory should be");
        var body = new string('y', 4000);

        StoreOverloadedException? refused = null;
        for (var i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                await harness.Store.AppendAsync(TelemetryBatch.OfLogs([.. Enumerable.Range(0, 50).Select(k => Log(StartNs + (i * 1000L) + k, body))]), CancellationToken.None);
            }
            catch (StoreOverloadedException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("twice its bound", refused.Message, StringComparison.Ordinal);
        await EventuallyLogged(harness, 2121, "maintenance failed");

        File.Delete(harness.BlocksDirectory);
        Directory.CreateDirectory(harness.BlocksDirectory);
        harness.Clock.Advance(harness.Options.MaintenanceInterval);
        await Eventually(() => harness.Store.GetStats().Blocks >= 1 && harness.Store.GetStats().HeadLogs == 0);
        await harness.Store.AppendAsync(TelemetryBatch.OfLogs([Log(StartNs, "accepted again")]), CancellationToken.None);
    }

    [Fact]
    public async Task Timer_HeadOlderThanBlockDuration_IsWrittenToABlock()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.AppendAsync(SampleBatch("aging", 0, 10), CancellationToken.None);

        harness.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, harness.Store.GetStats().Blocks);
        harness.Clock.Advance(harness.Options.BlockDuration);
        await Eventually(() => harness.Store.GetStats().Blocks == 1);

        Assert.Equal(0, harness.Store.GetStats().HeadSamples);
        Assert.Equal(10, harness.Store.SelectSamples(Name("aging"), 0, long.MaxValue, 10).Sum(s => s.Samples.Count));
    }

    [Fact]
    public async Task GetStats_AfterAppendsAndAFlush_ReportsHeadBlocksAndBytes()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await AppendMixedAsync(harness.Store, batches: 2);
        await harness.Store.FlushAsync(CancellationToken.None);
        await AppendMixedAsync(harness.Store, batches: 1, first: 2);

        var stats = harness.Store.GetStats();

        Assert.Equal(3, stats.ActiveSeries);
        Assert.Equal(30, stats.HeadSamples);
        Assert.Equal(4, stats.HeadLogs);
        Assert.Equal(2, stats.HeadSpans);
        Assert.Equal(1, stats.Blocks);
        Assert.True(stats.WalBytes > 0);
        Assert.Equal(stats.WalBytes + new FileInfo(Directory.GetFiles(harness.BlocksDirectory).Single()).Length, stats.DiskBytes);
    }

    [Fact]
    public async Task OpenAsync_InvalidOptions_ThrowsListingEveryProblem()
    {
        var options = new TelemetryStoreOptions { DataDirectory = " ", MaxSeries = 0, RetentionBytes = -1 };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedTelemetryStore.OpenAsync(options, Clock(), new TestLogger(), CancellationToken.None));

        Assert.Contains("DataDirectory", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSeries", ex.Message, StringComparison.Ordinal);
        Assert.Contains("RetentionBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_CorruptBlockFile_MovesItAsideLogsAndOpens()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await AppendMixedAsync(harness.Store, batches: 1);
        await harness.Store.FlushAsync(CancellationToken.None);
        var block = Directory.GetFiles(harness.BlocksDirectory).Single();
        await harness.Store.DisposeAsync();
        var bytes = await File.ReadAllBytesAsync(block);
        bytes[^30] ^= 0xFF;
        await File.WriteAllBytesAsync(block, bytes);

        await harness.ReopenAsync();

        Assert.Equal(0, harness.Store.GetStats().Blocks);
        Assert.True(File.Exists(block + ".corrupt"));
        Assert.Contains(harness.Logger.Entries, e => e.EventId == 2112);
    }

    [Fact]
    public async Task OpenAsync_UnfinishedBlockFileFromAnInterruptedFlush_IsDeletedAndLogged()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.DisposeAsync();
        var leftover = Path.Combine(harness.BlocksDirectory, "0000000007.block.tmp");
        await File.WriteAllBytesAsync(leftover, [1, 2, 3]);

        await harness.ReopenAsync();

        Assert.False(File.Exists(leftover));
        Assert.Contains(harness.Logger.Entries, e => e.EventId == 2113);
    }

    [Fact]
    public async Task OpenAsync_DirectoryAlreadyOpenByAnotherStore_ThrowsInUse()
    {
        await using var harness = await StoreHarness.OpenAsync();

        var ex = await Assert.ThrowsAsync<IOException>(() => EmbeddedTelemetryStore.OpenAsync(harness.Options, Clock(), new TestLogger(), CancellationToken.None));

        Assert.Contains("in use by another process", ex.Message, StringComparison.Ordinal);
    }

    private static Task EventuallyLogged(StoreHarness harness, int eventId, string text) =>
        Eventually(() => harness.Logger.Entries.Any(e => e.EventId == eventId && e.Message.Contains(text, StringComparison.Ordinal)));

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (30 * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                Assert.Fail("condition not met within 30 s");
            }

            await Task.Delay(10);
        }
    }
}
