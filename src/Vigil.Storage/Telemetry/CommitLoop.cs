using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Head;
using Vigil.Storage.Telemetry.Records;
using Vigil.Storage.Telemetry.Wal;

namespace Vigil.Storage.Telemetry;

/// <summary>
/// The single writer of the store, doing group commit: it takes every batch queued since its last turn, writes them
/// to the WAL as one write, fsyncs once, applies them to the head and only then completes their tasks. One fsync
/// thus acknowledges as many concurrent appends as arrived during the previous one, which is what lets many small
/// requests reach a high sample rate. Being the only writer of the head and the WAL also keeps both lock-light.
/// </summary>
internal sealed class CommitLoop
{
    private const int SampleQueueBytes = 24;
    private const int RequestQueueBytes = 64;
    private static readonly byte[] NoLogsOrSpans = [0, 0, 0];
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WriteAheadLog _wal;
    private readonly TelemetryStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<TelemetryHead, TelemetryHead> _replaceHead;
    private readonly Action _headFull;
    private readonly string _seriesLimitReason;
    private readonly Task _loop;
    private TelemetryHead _head;
    private long _pendingBytes;
    private long _nextLogSeq;
    private double _bytesPerSecond;
    private Exception? _failure;

    /// <param name="wal">The log, positioned at a fresh segment.</param>
    /// <param name="head">The head to write to (possibly filled by replay).</param>
    /// <param name="nextLogSeq">The sequence number of the next log record.</param>
    /// <param name="replaceHead">Given the head being cut, creates and publishes the next one.</param>
    /// <param name="options">The store's options (limits and bounds).</param>
    /// <param name="time">The store's clock.</param>
    /// <param name="logger">Where a WAL failure is reported.</param>
    /// <param name="headFull">Called when the head passes its memory bound.</param>
    public CommitLoop(WriteAheadLog wal, TelemetryHead head, long nextLogSeq, TelemetryStoreOptions options, TimeProvider time, ILogger logger,
        Func<TelemetryHead, TelemetryHead> replaceHead, Action headFull)
    {
        _wal = wal;
        _head = head;
        _nextLogSeq = nextLogSeq;
        _options = options;
        _time = time;
        _logger = logger;
        _replaceHead = replaceHead;
        _headFull = headFull;
        _seriesLimitReason = string.Create(CultureInfo.InvariantCulture, $"series limit of {options.MaxSeries} reached");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Bytes queued and not yet committed.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    public ValueTask<AppendResult> AppendAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new IOException("the telemetry store stopped accepting writes after a WAL failure: " + failure.Message, failure);
        }

        if (batch.IsEmpty)
        {
            return ValueTask.FromResult(AppendResult.Accepted);
        }

        // The head is written to a block once it passes its bound; twice the bound means block writing fails or lags
        // behind, and taking more would grow memory without limit.
        var headBytes = Volatile.Read(ref _head).ApproxBytes;
        if (headBytes >= 2 * _options.MaxHeadBytes)
        {
            throw new StoreOverloadedException(
                string.Create(CultureInfo.InvariantCulture, $"the telemetry store's head holds {headBytes} bytes, twice its bound of {_options.MaxHeadBytes}, while it waits for a block to be written"),
                TimeSpan.FromSeconds(5));
        }

        // Logs and spans are encoded here, on the caller's thread, so that concurrent appends share the encoding work
        // and the commit loop only copies bytes.
        ByteWriter? logsAndSpans = null;
        if (batch.Logs.Count > 0 || batch.Spans.Count > 0)
        {
            logsAndSpans = new ByteWriter(4096);
            WalBatchCodec.WriteLogsAndSpans(batch, logsAndSpans);
        }

        var bytes = RequestQueueBytes + ((long)batch.Samples.Count * SampleQueueBytes) + (logsAndSpans?.Length ?? 0);
        var pending = Interlocked.Add(ref _pendingBytes, bytes);
        if (pending > _options.MaxPendingWriteBytes && pending != bytes)
        {
            // An oversized batch is still taken when the queue is empty, so no batch is refused forever.
            Interlocked.Add(ref _pendingBytes, -bytes);
            logsAndSpans?.Dispose();
            throw new StoreOverloadedException(
                string.Create(CultureInfo.InvariantCulture, $"the telemetry store's write queue is full ({pending - bytes} of {_options.MaxPendingWriteBytes} bytes pending)"),
                RetryAfter(pending));
        }

        var request = new AppendRequest(batch, logsAndSpans, bytes);
        if (!_queue.Writer.TryWrite(request))
        {
            Interlocked.Add(ref _pendingBytes, -bytes);
            logsAndSpans?.Dispose();
            throw new ObjectDisposedException("EmbeddedTelemetryStore");
        }

        return new ValueTask<AppendResult>(request.Done.Task.WaitAsync(cancellationToken));
    }

    /// <summary>
    /// After every append queued before it is committed: closes the WAL segment, hands the head over to be written
    /// to a block and starts a new head. Returns the frozen head, or null when the head was empty.
    /// </summary>
    public Task<TelemetryHead?> CutAsync()
    {
        var request = new CutRequest();
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(request), this);

        return request.Done.Task;
    }

    /// <summary>Stops taking appends, commits what is queued, and ends the loop.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        // One record buffer for the life of the loop: a commit encodes into it without allocating. It grows to the
        // largest group seen, which the pending-bytes bound caps.
        var group = new List<AppendRequest>(64);
        using var records = new ByteWriter(1 << 20);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var request))
            {
                if (request is AppendRequest append)
                {
                    group.Add(append);
                    continue;
                }

                // A cut is ordered after the appends queued before it.
                Commit(group, records);
                group.Clear();
                Cut((CutRequest)request);
            }

            Commit(group, records);
            group.Clear();
        }
    }

    private void Commit(List<AppendRequest> group, ByteWriter records)
    {
        if (group.Count == 0)
        {
            return;
        }

        var started = _time.GetTimestamp();
        long groupBytes = 0;
        try
        {
            if (_failure is not null)
            {
                throw new IOException("the telemetry store stopped accepting writes after a WAL failure: " + _failure.Message, _failure);
            }

            records.Reset();
            var head = _head;
            var segment = _wal.CurrentSegment;
            foreach (var request in group)
            {
                Resolve(request, head);
                var start = WriteAheadLog.BeginRecord(records);
                WalBatchCodec.WritePayload(records, _nextLogSeq, request.Batch.Samples, request.Series.AsSpan(0, request.Batch.Samples.Count), segment,
                    request.LogsAndSpans is { } encoded ? encoded.WrittenSpan : NoLogsOrSpans);
                WriteAheadLog.EndRecord(records, start);
                request.FirstLogSeq = _nextLogSeq;
                _nextLogSeq += request.Batch.Logs.Count;
                groupBytes += request.Bytes;
            }

            _wal.Append(records.WrittenSpan);
            _wal.Sync();

            // Durable: now visible to queries, then acknowledged.
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var request in group)
            {
                Apply(request, head, now);
            }

            if (_wal.SegmentFull)
            {
                _wal.Rotate();
                head.LastWalSegment = _wal.CurrentSegment;
            }
        }
        catch (Exception ex)
        {
            if (_failure is null)
            {
                StoreLog.WalFailed(_logger, ex);
                Volatile.Write(ref _failure, ex);
            }

            foreach (var request in group)
            {
                Finish(request);
                request.Done.TrySetException(ex);
            }

            return;
        }

        foreach (var request in group)
        {
            Finish(request);
            request.Done.TrySetResult(request.Rejected == 0 ? AppendResult.Accepted : new AppendResult(request.Rejected, _seriesLimitReason));
        }

        var elapsed = _time.GetElapsedTime(started).TotalSeconds;
        if (elapsed > 0)
        {
            var rate = groupBytes / elapsed;
            _bytesPerSecond = _bytesPerSecond == 0 ? rate : (0.8 * _bytesPerSecond) + (0.2 * rate);
        }

        if (_head.ApproxBytes >= _options.MaxHeadBytes)
        {
            _headFull();
        }
    }

    private void Resolve(AppendRequest request, TelemetryHead head)
    {
        var samples = request.Batch.Samples;
        if (samples.Count == 0)
        {
            return;
        }

        var series = ArrayPool<MemSeries?>.Shared.Rent(samples.Count);
        request.Series = series;
        LabelSet? lastLabels = null;
        MemSeries? last = null;
        for (var i = 0; i < samples.Count; i++)
        {
            // Samples of one series usually come together with the same LabelSet instance: skip the lookup then.
            var labels = samples[i].Labels;
            if (!ReferenceEquals(labels, lastLabels))
            {
                lastLabels = labels;
                last = head.GetSeries(labels);
                if (last is null && head.SeriesCount < _options.MaxSeries)
                {
                    last = head.CreateSeries(labels);
                }
            }

            series[i] = last;
            if (last is null)
            {
                request.Rejected++;
            }
        }
    }

    private static void Apply(AppendRequest request, TelemetryHead head, long nowMs)
    {
        var batch = request.Batch;
        var samples = batch.Samples;
        var series = request.Series;
        for (var i = 0; i < samples.Count; i++)
        {
            if (series![i] is { } s)
            {
                head.AppendSample(s, samples[i].TimestampMs, samples[i].Value);
            }
        }

        for (var i = 0; i < batch.Logs.Count; i++)
        {
            head.AddLog(request.FirstLogSeq + i, batch.Logs[i]);
        }

        foreach (var span in batch.Spans)
        {
            head.AddSpan(span);
        }

        head.MarkWritten(nowMs);
    }

    private void Finish(AppendRequest request)
    {
        Interlocked.Add(ref _pendingBytes, -request.Bytes);
        request.LogsAndSpans?.Dispose();
        request.LogsAndSpans = null;
        if (request.Series is { } series)
        {
            ArrayPool<MemSeries?>.Shared.Return(series, clearArray: true);
            request.Series = null;
        }
    }

    private void Cut(CutRequest request)
    {
        try
        {
            if (_failure is not null)
            {
                throw new IOException("the telemetry store stopped accepting writes after a WAL failure: " + _failure.Message, _failure);
            }

            if (_head.IsEmpty)
            {
                request.Done.TrySetResult(null);
                return;
            }

            var frozen = _head;
            frozen.LastWalSegment = _wal.Rotate();
            Volatile.Write(ref _head, _replaceHead(frozen));
            request.Done.TrySetResult(frozen);
        }
        catch (Exception ex)
        {
            request.Done.TrySetException(ex);
        }
    }

    private TimeSpan RetryAfter(long pendingBytes)
    {
        // The time the queue takes to drain at the recent commit rate, within sensible bounds.
        var rate = _bytesPerSecond;
        var seconds = rate > 0 ? pendingBytes / rate : 1;
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 0.05, 5));
    }

    private abstract class Request;

    private sealed class AppendRequest(TelemetryBatch batch, ByteWriter? logsAndSpans, long bytes) : Request
    {
        public TelemetryBatch Batch { get; } = batch;

        public ByteWriter? LogsAndSpans { get; set; } = logsAndSpans;

        public long Bytes { get; } = bytes;

        public TaskCompletionSource<AppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MemSeries?[]? Series { get; set; }

        public int Rejected { get; set; }

        public long FirstLogSeq { get; set; }
    }

    private sealed class CutRequest : Request
    {
        public TaskCompletionSource<TelemetryHead?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
