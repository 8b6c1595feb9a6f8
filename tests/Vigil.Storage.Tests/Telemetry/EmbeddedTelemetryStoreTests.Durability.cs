using Microsoft.Extensions.Logging;
using Vigil.Core.Telemetry;
using static Vigil.Storage.Tests.Telemetry.TestTelemetry;

namespace Vigil.Storage.Tests.Telemetry;

public sealed partial class EmbeddedTelemetryStoreTests
{
    [Fact]
    public async Task OpenAsync_AfterDispose_ReturnsEverythingAppended()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await AppendMixedAsync(harness.Store, batches: 5);

        await harness.ReopenAsync();

        AssertMixed(harness.Store, batches: 5);
    }

    [Fact]
    public async Task OpenAsync_AfterFlushAndDispose_ReadsBlocksWithoutReplayingWal()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await AppendMixedAsync(harness.Store, batches: 5);
        await harness.Store.FlushAsync(CancellationToken.None);

        await harness.ReopenAsync();

        AssertMixed(harness.Store, batches: 5);
        Assert.Equal(1, harness.Store.GetStats().Blocks);
        Assert.Contains(harness.Logger.Entries, e => e.EventId == 2103 && e.Message.StartsWith("Replayed 0 WAL records", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAsync_AfterPowerCutWithoutFlush_RecoversEveryAcknowledgedBatchExactlyOnce()
    {
        await using var harness = await StoreHarness.OpenAsync(simulatedWal: true);
        await AppendMixedAsync(harness.Store, batches: 5);

        await harness.CrashAndReopenAsync();

        AssertMixed(harness.Store, batches: 5);
    }

    [Fact]
    public async Task OpenAsync_AfterPowerCutDuringFsync_DropsTheTornUnacknowledgedBatchAndLogsTheOffset()
    {
        await using var harness = await StoreHarness.OpenAsync(simulatedWal: true);
        await AppendMixedAsync(harness.Store, batches: 3);
        var segment = Assert.Single(harness.Wal!.List());
        var durable = harness.Wal.DurableLength(segment);

        // The fourth batch is written but the power goes while its fsync runs: it was never acknowledged.
        harness.Wal.HoldSyncs();
        var unacknowledged = harness.Store.AppendAsync(MixedBatch(3), CancellationToken.None).AsTask();
        await harness.Wal.WaitForSyncAsync();
        await harness.CrashAndReopenAsync(unsynced => unsynced / 2);

        await Assert.ThrowsAsync<IOException>(() => unacknowledged);
        AssertMixed(harness.Store, batches: 3);
        var warning = Assert.Single(harness.Logger.Entries, e => e.EventId == 2100);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"byte offset {durable}", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_AfterPowerCutFollowingAFlush_ReturnsBlockAndWalDataExactlyOnce()
    {
        await using var harness = await StoreHarness.OpenAsync(simulatedWal: true);
        await AppendMixedAsync(harness.Store, batches: 2);
        await harness.Store.FlushAsync(CancellationToken.None);
        await AppendMixedAsync(harness.Store, batches: 2, first: 2);

        await harness.CrashAndReopenAsync();

        AssertMixed(harness.Store, batches: 4);
    }

    [Fact]
    public async Task OpenAsync_WalSegmentsLeftBehindByAFailedDelete_AreNotReplayedTwice()
    {
        await using var harness = await StoreHarness.OpenAsync(simulatedWal: true);
        await AppendMixedAsync(harness.Store, batches: 3);
        harness.Wal!.FailDeletes = true;
        await harness.Store.FlushAsync(CancellationToken.None);
        Assert.Equal(2, harness.Wal.List().Count);

        await harness.CrashAndReopenAsync();

        AssertMixed(harness.Store, batches: 3);
        Assert.Contains(harness.Logger.Entries, e => e.EventId == 2104);
    }

    [Fact]
    public async Task AppendAsync_SameSeriesAndTimestampTwice_StoresOneSampleWithTheLastValue()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var labels = Series("requests_total", ("job", "api"));
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([new SeriesSample(labels, StartMs, 1)]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([new SeriesSample(labels, StartMs, 2)]), CancellationToken.None);
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([new SeriesSample(labels, StartMs, 3)]), CancellationToken.None);

        await harness.ReopenAsync();

        var series = Assert.Single(harness.Store.SelectSamples(Name("requests_total"), StartMs - 1000, StartMs + 1000, 10));
        Assert.Equal([new Sample(StartMs, 3)], series.Samples);
    }

    [Fact]
    public async Task AppendAsync_ManyConcurrentWriters_CommitsInGroupsWithFewerSyncsThanAppends()
    {
        await using var harness = await StoreHarness.OpenAsync(simulatedWal: true);
        var syncsBefore = harness.Wal!.SyncCount;
        harness.Wal.HoldSyncs();
        var first = harness.Store.AppendAsync(SampleBatch("load", 0, 10), CancellationToken.None).AsTask();
        await harness.Wal.WaitForSyncAsync();

        // While the first fsync is held, twenty more appends queue up; they must share the next fsync.
        var queued = Enumerable.Range(1, 20).Select(i => harness.Store.AppendAsync(SampleBatch("load", i, 10), CancellationToken.None).AsTask()).ToList();
        harness.Wal.ReleaseSyncs();
        await first;
        await Task.WhenAll(queued);

        Assert.Equal(2, harness.Wal.SyncCount - syncsBefore);
        Assert.Equal(21 * 10, harness.Store.SelectSamples(Name("load"), StartMs, StartMs + 1_000_000, 100).Sum(s => s.Samples.Count));
    }

    [Fact]
    public async Task AppendAsync_ConcurrentWithQueriesAndFlushes_LosesNothing()
    {
        await using var harness = await StoreHarness.OpenAsync();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested)
            {
                harness.Store.SelectSamples(Name("load"), StartMs, StartMs + 10_000_000, 1000);
                harness.Store.QueryLogs(new LogQuery(Limit: 10));
                harness.Store.QueryTraces(new TraceQuery(Limit: 10));
                reads++;
                await Task.Yield();
            }

            return reads;
        });
        var flusher = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                await harness.Store.FlushAsync(CancellationToken.None);
                await Task.Yield();
            }
        });

        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await harness.Store.AppendAsync(SampleBatch("load", (w * 25) + i, 20), CancellationToken.None);
            }
        })).ToList();
        await Task.WhenAll(writers);
        await flusher;
        await stop.CancelAsync();
        Assert.True(await reader > 0);

        var samples = harness.Store.SelectSamples(Name("load"), StartMs, StartMs + 10_000_000, 1000);
        Assert.Equal(200 * 20, samples.Sum(s => s.Samples.Count));
        Assert.All(samples, s => Assert.Equal(s.Samples.Select(x => x.TimestampMs).Distinct().Order(), s.Samples.Select(x => x.TimestampMs)));
    }

    /// <summary>Batch i: 3 series x 10 samples at i*10..i*10+9 (15 s apart), 4 logs and a trace of 2 spans.</summary>
    private static TelemetryBatch MixedBatch(int i)
    {
        var samples = new List<SeriesSample>();
        foreach (var pod in new[] { "a", "b", "c" })
        {
            var labels = Series("http_requests_total", ("pod", pod), ("job", "api"));
            for (var k = 0; k < 10; k++)
            {
                samples.Add(new SeriesSample(labels, StartMs + (((i * 10) + k) * 15_000L), (i * 10) + k));
            }
        }

        var logs = Enumerable.Range(0, 4).Select(k => Log(StartNs + (((i * 4) + k) * 1_000_000_000L), $"batch {i} log {k}")).ToList();
        var trace = TraceId(i + 1);
        var spans = new List<SpanRecord>
        {
            Span(trace, SpanId(1), string.Empty, "GET /orders", StartNs + (i * 1_000_000_000L), StartNs + (i * 1_000_000_000L) + 500_000_000),
            Span(trace, SpanId(2), SpanId(1), "SELECT orders", StartNs + (i * 1_000_000_000L) + 100, StartNs + (i * 1_000_000_000L) + 200_000_000),
        };
        return new TelemetryBatch(samples, logs, spans);
    }

    private static async Task AppendMixedAsync(ITelemetryWriter store, int batches, int first = 0)
    {
        for (var i = first; i < first + batches; i++)
        {
            var result = await store.AppendAsync(MixedBatch(i), CancellationToken.None);
            Assert.Equal(AppendResult.Accepted, result);
        }
    }

    /// <summary>Asserts that batches 0..n-1 of <see cref="MixedBatch"/> are stored, each record exactly once.</summary>
    private static void AssertMixed(ITelemetryStore store, int batches)
    {
        var series = store.SelectSamples(Name("http_requests_total"), StartMs - 1, StartMs + 100_000_000, 100);
        Assert.Equal(3, series.Count);
        foreach (var s in series)
        {
            Assert.Equal(Enumerable.Range(0, batches * 10).Select(k => new Sample(StartMs + (k * 15_000L), k)), s.Samples);
        }

        var logs = store.QueryLogs(new LogQuery(Limit: 1000)).Records;
        Assert.Equal(batches * 4, logs.Count);
        Assert.Equal(batches * 4, logs.Select(l => l.Body).Distinct().Count());
        for (var i = 0; i < batches; i++)
        {
            var spans = store.GetTrace(TraceId(i + 1));
            Assert.Equal(["GET /orders", "SELECT orders"], spans.Select(s => s.Name));
        }

        Assert.Empty(store.GetTrace(TraceId(batches + 1)));
    }

    private static TelemetryBatch SampleBatch(string metric, int batch, int count)
    {
        var labels = Series(metric, ("batch", (batch % 5).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return TelemetryBatch.OfSamples([.. Enumerable.Range(0, count).Select(k => new SeriesSample(labels, StartMs + (((batch * count) + k) * 1000L), k))]);
    }
}
