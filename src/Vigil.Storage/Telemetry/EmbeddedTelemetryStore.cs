using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Blocks;
using Vigil.Storage.Telemetry.Head;
using Vigil.Storage.Telemetry.Queries;
using Vigil.Storage.Telemetry.Wal;

namespace Vigil.Storage.Telemetry;

/// <summary>
/// Vigil's embedded telemetry store: a write-ahead log with group commit (an append completes once its batch is
/// fsynced), an in-memory head for recent data, and immutable compressed blocks on disk for older data, bounded by
/// retention age and size, a series limit, a write-queue bound and a head memory bound. See
/// docs/decisions/0001-telemetry-store.md.
/// </summary>
/// <remarks>
/// Thread-safe: any number of concurrent appends and queries. The store maintains itself (cuts the head into a
/// block when it is older than <see cref="TelemetryStoreOptions.BlockDuration"/> or over
/// <see cref="TelemetryStoreOptions.MaxHeadBytes"/>, applies retention) on its own timer. <see cref="FlushAsync"/>
/// always writes the head to a block; call it at shutdown (so the next start replays no WAL), not periodically.
/// </remarks>
public sealed class EmbeddedTelemetryStore : ITelemetryStore
{
    private const string WalDirectoryName = "wal";
    private const string BlocksDirectoryName = "blocks";
    private const string LockFileName = "lock";
    private readonly TelemetryStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _blocksDirectory;
    private readonly WriteAheadLog _wal;
    private readonly BlockIndexCache _indexCache;
    private readonly Lock _viewLock = new();
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CommitLoop _commits;
    private readonly ITimer _timer;
    private readonly Task _maintenance;
    private readonly FileStream _lockFile;
    private StoreView _view;
    private long _nextBlockSeq;
    private int _disposed;

    private EmbeddedTelemetryStore(TelemetryStoreOptions options, TimeProvider time, ILogger logger, FileStream lockFile, string blocksDirectory,
        WriteAheadLog wal, StoreView view, long nextBlockSeq, long nextLogSeq)
    {
        _lockFile = lockFile;
        _options = options;
        _time = time;
        _logger = logger;
        _blocksDirectory = blocksDirectory;
        _wal = wal;
        _view = view;
        _nextBlockSeq = nextBlockSeq;
        _indexCache = new BlockIndexCache(options.BlockIndexCacheBytes);
        _commits = new CommitLoop(wal, view.Active, nextLogSeq, options, time, logger, ReplaceHead, Wake);
        _timer = time.CreateTimer(static s => ((EmbeddedTelemetryStore)s!).Wake(), this, options.MaintenanceInterval, options.MaintenanceInterval);
        _maintenance = Task.Run(RunMaintenanceAsync);
    }

    /// <summary>
    /// Opens (or creates) the store in <see cref="TelemetryStoreOptions.DataDirectory"/>: loads the blocks, replays
    /// the WAL into the head (dropping a torn tail, which it logs with its byte offset), and starts the commit and
    /// maintenance loops. Throws <see cref="ArgumentException"/> listing every invalid option.
    /// </summary>
    public static Task<EmbeddedTelemetryStore> OpenAsync(TelemetryStoreOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OpenAsync(options, time, logger, new FileWalStorage(Path.Combine(options.DataDirectory, WalDirectoryName)), cancellationToken);
    }

    /// <summary>Opens the store with the WAL in <paramref name="walStorage"/> (tests pass a simulated file system).</summary>
    internal static async Task<EmbeddedTelemetryStore> OpenAsync(TelemetryStoreOptions options, TimeProvider time, ILogger logger, IWalStorage walStorage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid telemetry store options: " + string.Join("; ", errors), nameof(options));
        }

        // Opening reads every block index and the whole WAL: keep it off the caller's thread.
        return await Task.Run(() => Open(options, time, logger, walStorage), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _commits.AppendAsync(batch, cancellationToken);
    }

    /// <inheritdoc />
    public IReadOnlyList<LabelSet> SelectSeries(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        return SeriesReader.SelectSeries(Volatile.Read(ref _view), _indexCache, matchers, startMs, endMs, limit);
    }

    /// <inheritdoc />
    public IReadOnlyList<SeriesSamples> SelectSamples(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        return SeriesReader.SelectSamples(Volatile.Read(ref _view), _indexCache, matchers, startMs, endMs, limit);
    }

    /// <inheritdoc />
    /// <remarks>The limit is clamped to 1..10,000. A malformed page token throws <see cref="ArgumentException"/>.</remarks>
    public LogPage QueryLogs(LogQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return LogReader.Query(Volatile.Read(ref _view), query);
    }

    /// <inheritdoc />
    public IReadOnlyList<SpanRecord> GetTrace(string traceId)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        return TraceReader.GetTrace(Volatile.Read(ref _view), traceId);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The limit is clamped to 1..10,000. A trace is summarised from the head and the blocks scanned; a trace whose
    /// spans straddle a block boundary and began before the query's start can be summarised from its newer part only.
    /// </remarks>
    public IReadOnlyList<TraceSummary> QueryTraces(TraceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return TraceReader.QueryTraces(Volatile.Read(ref _view), query);
    }

    /// <inheritdoc />
    public TelemetryStoreStats GetStats()
    {
        var view = Volatile.Read(ref _view);
        long samples = 0, logs = 0, spans = 0, blockBytes = 0;
        foreach (var head in view.Heads)
        {
            samples += head.SampleCount;
            logs += head.Logs.Count;
            spans += head.Spans.Count;
        }

        foreach (var block in view.Blocks)
        {
            blockBytes += block.SizeBytes;
        }

        var walBytes = _wal.Bytes;
        return new TelemetryStoreStats(view.Active.SeriesCount, samples, logs, spans, view.Blocks.Length, blockBytes + walBytes, walBytes);
    }

    /// <summary>
    /// Commits every append queued before the call, writes the head to a block, deletes the WAL segments it covered
    /// and applies retention. Call it at shutdown so the next start replays nothing.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return FlushCoreAsync("flush requested", cancellationToken);
    }

    /// <summary>
    /// Stops the loops, commits what is queued, and closes the files. It does not write the head to a block (call
    /// <see cref="FlushAsync"/> first for a fast restart); the WAL already holds everything acknowledged.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _maintenance.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        await _commits.CompleteAsync().ConfigureAwait(false);
        await _flushLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _wal.Dispose();
        lock (_viewLock)
        {
            foreach (var block in _view.Blocks)
            {
                _indexCache.Remove(block);
                block.Retire(deleteFile: false);
            }

            _view = _view with { Blocks = [] };
        }

        _stopping.Dispose();
        _flushLock.Dispose();
        _wake.Dispose();
        await _lockFile.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Runs one maintenance pass now (tests use it instead of waiting for the timer).</summary>
    internal Task MaintainAsync(CancellationToken cancellationToken) => MaintainCoreAsync(cancellationToken);

    internal StoreView View => Volatile.Read(ref _view);

    private static EmbeddedTelemetryStore Open(TelemetryStoreOptions options, TimeProvider time, ILogger logger, IWalStorage walStorage)
    {
        var lockFile = LockDirectory(options.DataDirectory);
        try
        {
            return Open(options, time, logger, walStorage, lockFile);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Holds an exclusive lock on the data directory, so that a second process cannot write the same files.</summary>
    private static FileStream LockDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"the telemetry store in {directory} is in use by another process (cannot lock {path})", ex);
        }
    }

    private static EmbeddedTelemetryStore Open(TelemetryStoreOptions options, TimeProvider time, ILogger logger, IWalStorage walStorage, FileStream lockFile)
    {
        var blocksDirectory = Path.Combine(options.DataDirectory, BlocksDirectoryName);
        Directory.CreateDirectory(blocksDirectory);
        var blocks = LoadBlocks(blocksDirectory, logger);
        var coveredThrough = blocks.Count == 0 ? -1 : blocks.Max(b => b.Meta.WalSegmentMax);
        var nextLogSeq = blocks.Count == 0 ? 0 : blocks.Max(b => b.Meta.MaxLogSeq) + 1;

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var started = Stopwatch.GetTimestamp();
        var decoder = new WalBatchDecoder();
        var replayed = new TelemetryHead(0, now);
        long samples = 0, logs = 0, spans = 0;
        var replay = WriteAheadLog.Replay(walStorage, coveredThrough, (segment, _, _, payload) =>
        {
            var batch = decoder.Decode(segment, payload);
            foreach (var sample in batch.Samples)
            {
                var series = replayed.GetSeries(sample.Labels) ?? replayed.CreateSeries(sample.Labels);
                replayed.AppendSample(series, sample.TimestampMs, sample.Value);
            }

            for (var i = 0; i < batch.Logs.Count; i++)
            {
                replayed.AddLog(batch.FirstLogSeq + i, batch.Logs[i]);
            }

            foreach (var span in batch.Spans)
            {
                replayed.AddSpan(span);
            }

            nextLogSeq = Math.Max(nextLogSeq, batch.FirstLogSeq + batch.Logs.Count);
            samples += batch.Samples.Count;
            logs += batch.Logs.Count;
            spans += batch.Spans.Count;
        }, logger);

        if (!replayed.IsEmpty)
        {
            replayed.MarkWritten(now);
        }

        var replayMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        StoreLog.WalReplayed(logger, replay.Records, replay.Segments.Count, samples, logs, spans, replayMs);
        var wal = WriteAheadLog.Start(walStorage, options.WalSegmentBytes, replay.Segments, replay.LastSegment + 1);
        replayed.LastWalSegment = wal.CurrentSegment;
        var nextBlockSeq = blocks.Count == 0 ? 1 : blocks.Max(b => b.Meta.Seq) + 1;
        var store = new EmbeddedTelemetryStore(options, time, logger, lockFile, blocksDirectory, wal, new StoreView(replayed, null, [.. blocks]), nextBlockSeq, nextLogSeq);
        store.ApplyRetention();
        return store;
    }

    private static List<Block> LoadBlocks(string directory, ILogger logger)
    {
        var blocks = new List<Block>();
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(BlockFormat.TemporaryExtension, StringComparison.Ordinal))
            {
                File.Delete(path);
                StoreLog.BlockUnfinishedDeleted(logger, name);
                continue;
            }

            if (!name.EndsWith(BlockFormat.Extension, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                blocks.Add(Block.Open(path));
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                var aside = path + ".corrupt";
                File.Move(path, aside, overwrite: true);
                StoreLog.BlockUnreadable(logger, name, aside, ex);
            }
        }

        blocks.Sort((a, b) => a.Meta.Seq.CompareTo(b.Meta.Seq));
        return blocks;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task RunMaintenanceAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            await _wake.WaitAsync(stopping).ConfigureAwait(false);
            try
            {
                await MaintainCoreAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                StoreLog.MaintenanceFailed(_logger, ex);
            }
        }
    }

    private async Task MaintainCoreAsync(CancellationToken cancellationToken)
    {
        var view = Volatile.Read(ref _view);
        var head = view.Active;
        string? reason = null;
        if (head.FirstWriteAtMs is { } first && NowMs() - first >= (long)_options.BlockDuration.TotalMilliseconds)
        {
            reason = "head reached the block duration";
        }
        else if (head.ApproxBytes >= _options.MaxHeadBytes)
        {
            reason = "head reached its memory bound";
        }

        if (reason is not null || view.Frozen is not null)
        {
            await FlushCoreAsync(reason ?? "retrying an unfinished block", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            ApplyRetention();
        }
    }

    private async Task FlushCoreAsync(string reason, CancellationToken cancellationToken)
    {
        await _flushLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A head whose block failed to be written earlier stays frozen (and queryable) until written.
            if (Volatile.Read(ref _view).Frozen is { } leftover)
            {
                await Task.Run(() => WriteBlock(leftover, reason), CancellationToken.None).ConfigureAwait(false);
            }

            var frozen = await _commits.CutAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (frozen is not null)
            {
                await Task.Run(() => WriteBlock(frozen, reason), CancellationToken.None).ConfigureAwait(false);
            }

            ApplyRetention();
        }
        finally
        {
            _flushLock.Release();
        }
    }

    /// <summary>Called by the commit loop when it cuts the head: publishes the frozen head and a new active one.</summary>
    private TelemetryHead ReplaceHead(TelemetryHead frozen)
    {
        var next = new TelemetryHead(_wal.CurrentSegment, NowMs());
        lock (_viewLock)
        {
            Volatile.Write(ref _view, _view with { Active = next, Frozen = frozen });
        }

        return next;
    }

    private void WriteBlock(TelemetryHead frozen, string reason)
    {
        var started = Stopwatch.GetTimestamp();
        var seq = _nextBlockSeq++;
        var content = BlockContent.FromHead(frozen);
        var path = BlockWriter.Write(_blocksDirectory, seq, frozen.LastWalSegment, NowMs(), content);
        var block = Block.Open(path);
        lock (_viewLock)
        {
            Volatile.Write(ref _view, _view with { Frozen = null, Blocks = [.. _view.Blocks, block] });
        }

        // Only now that the block is published are the segments it covers redundant.
        _wal.DeleteThrough(frozen.LastWalSegment, _logger);
        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        StoreLog.BlockWritten(_logger, block.Name, content.Series.Count, block.Meta.SampleCount, block.Meta.LogCount, block.Meta.SpanCount,
            block.SizeBytes, elapsedMs, reason);

        // The frozen head (up to MaxHeadBytes of long-lived, gen2 objects) just became garbage. Server GC would let it sit
        // until the gen2 budget runs out, growing the process to several times the bound; ask for a background (not
        // blocking) gen2 collection, which the runtime skips when it would not be productive.
        GC.Collect(2, GCCollectionMode.Optimized, blocking: false, compacting: false);
    }

    /// <summary>Deletes blocks older than the retention age, then the oldest blocks while disk use exceeds the retention bytes.</summary>
    private void ApplyRetention()
    {
        var doomed = new List<(Block Block, string Reason)>();
        lock (_viewLock)
        {
            var cutoff = NowMs() - (long)_options.RetentionAge.TotalMilliseconds;
            var kept = new List<Block>();
            foreach (var block in _view.Blocks)
            {
                if (block.Meta.MaxTimeMs < cutoff)
                {
                    doomed.Add((block, "older than the retention age of " + _options.RetentionAge));
                }
                else
                {
                    kept.Add(block);
                }
            }

            if (_options.RetentionBytes > 0)
            {
                var total = _wal.Bytes + kept.Sum(b => b.SizeBytes);
                var oldestFirst = kept.OrderBy(b => b.Meta.MaxTimeMs).ThenBy(b => b.Meta.Seq).ToList();
                foreach (var block in oldestFirst)
                {
                    if (total <= _options.RetentionBytes)
                    {
                        break;
                    }

                    doomed.Add((block, $"disk use of {total} bytes exceeds the retention bytes of {_options.RetentionBytes}"));
                    total -= block.SizeBytes;
                    kept.Remove(block);
                }
            }

            if (doomed.Count > 0)
            {
                Volatile.Write(ref _view, _view with { Blocks = [.. kept] });
            }
        }

        foreach (var (block, why) in doomed)
        {
            _indexCache.Remove(block);
            block.Retire(deleteFile: true);
            StoreLog.BlockDeleted(_logger, block.Name, why);
        }
    }
}
