using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Records;
using Vigil.Storage.Telemetry.Wal;

namespace Vigil.Storage.RemoteWrite;

/// <summary>A place in the queue: a segment number and a byte offset in it. Ordered.</summary>
/// <param name="Segment">The segment number.</param>
/// <param name="Offset">The byte offset in the segment.</param>
public readonly record struct QueuePosition(long Segment, long Offset) : IComparable<QueuePosition>
{
    /// <inheritdoc />
    public int CompareTo(QueuePosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    /// <summary>Whether <paramref name="a"/> is before <paramref name="b"/>.</summary>
    public static bool operator <(QueuePosition a, QueuePosition b) => a.CompareTo(b) < 0;

    /// <summary>Whether <paramref name="a"/> is after <paramref name="b"/>.</summary>
    public static bool operator >(QueuePosition a, QueuePosition b) => a.CompareTo(b) > 0;

    /// <summary>Whether <paramref name="a"/> is not after <paramref name="b"/>.</summary>
    public static bool operator <=(QueuePosition a, QueuePosition b) => a.CompareTo(b) <= 0;

    /// <summary>Whether <paramref name="a"/> is not before <paramref name="b"/>.</summary>
    public static bool operator >=(QueuePosition a, QueuePosition b) => a.CompareTo(b) >= 0;
}

/// <summary>Samples read from the queue, ready to send; <see cref="End"/> is what to commit once the server took them.</summary>
/// <param name="Series">Per series, samples sorted by time; a series appears once.</param>
/// <param name="SampleCount">The number of samples.</param>
/// <param name="End">The position after the last record read.</param>
public sealed record QueueBatch(IReadOnlyList<SeriesSamples> Series, int SampleCount, QueuePosition End);

/// <summary>What an append did: samples queued, and samples dropped to make room (the oldest) or refused (too big).</summary>
/// <param name="Queued">Samples written to the queue.</param>
/// <param name="DroppedOldest">Queued samples not yet sent that were dropped to stay within the bound.</param>
/// <param name="Refused">Samples of this append that were not queued because the append alone exceeds the bound.</param>
public readonly record struct QueueAppendResult(int Queued, long DroppedOldest, int Refused);

/// <summary>
/// A bounded, persisted FIFO of samples waiting to be remote-written: append-only segment files of CRC-framed records,
/// each append fsynced before it returns, and a read cursor persisted (write, fsync, rename) once the server
/// acknowledged what was read. It survives a restart or a kill -9: a torn last record is cut off at open, and
/// everything before the cursor is never sent twice, everything after it is sent again.
/// <para>
/// Bounded by <c>maxBytes</c> of segment files. When an append would exceed it, the oldest segments are dropped,
/// unsent samples and all (counted in <see cref="DroppedSamples"/>): the newest values of derived series (cumulative
/// counters) are worth more than the oldest. An append bigger than the whole bound is refused.
/// </para>
/// Thread-safe: one lock serialises appends, reads and commits (each is short next to the fsync it does).
/// </summary>
public sealed class RemoteWriteQueue : IDisposable
{
    /// <summary>Bytes at the start of every segment file.</summary>
    internal static ReadOnlySpan<byte> SegmentMagic => "VRWQ\u0001\0\0\0"u8;

    /// <summary>The frame header: CRC-32C of the rest of the frame, payload length, sample count (little-endian 32-bit each).</summary>
    internal const int FrameHeaderBytes = 12;

    private const string SegmentSuffix = ".seg";
    private const string CursorFile = "cursor";
    private const int CursorBytes = 20;
    private const long MinSegmentBytes = 64 * 1024;
    private const long MaxSegmentBytes = 64L * 1024 * 1024;

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, long> _segments = []; // number -> length in bytes
    private readonly SemaphoreSlim _dataSignal = new(0, 1);
    private SafeFileHandle? _active;
    private long _activeNumber;
    private QueuePosition _cursor;
    private long _droppedSamples;
    private long _refusedSamples;
    private long _corruptRecords;
    private bool _disposed;

    private RemoteWriteQueue(string directory, long maxBytes, ILogger logger)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        _segmentBytes = Math.Clamp(maxBytes / 8, MinSegmentBytes, MaxSegmentBytes);
        _logger = logger;
    }

    /// <summary>The folder of the queue.</summary>
    public string Directory => _directory;

    /// <summary>The bound on segment bytes.</summary>
    public long MaxBytes => _maxBytes;

    /// <summary>Bytes of segment files on disk (sent and unsent parts of the oldest segment included).</summary>
    public long SizeBytes
    {
        get
        {
            lock (_lock)
            {
                return _segments.Values.Sum();
            }
        }
    }

    /// <summary>Bytes not yet acknowledged: from the cursor to the end.</summary>
    public long PendingBytes
    {
        get
        {
            lock (_lock)
            {
                return _segments.Where(s => s.Key >= _cursor.Segment).Sum(s => s.Value) - (_segments.ContainsKey(_cursor.Segment) ? _cursor.Offset : 0);
            }
        }
    }

    /// <summary>Unsent samples dropped so far to stay within the bound (oldest first).</summary>
    public long DroppedSamples => Interlocked.Read(ref _droppedSamples);

    /// <summary>Samples refused so far because one append exceeded the whole bound.</summary>
    public long RefusedSamples => Interlocked.Read(ref _refusedSamples);

    /// <summary>Records skipped so far because their checksum or encoding was bad.</summary>
    public long CorruptRecords => Interlocked.Read(ref _corruptRecords);

    /// <summary>The persisted read cursor.</summary>
    public QueuePosition Cursor
    {
        get
        {
            lock (_lock)
            {
                return _cursor;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) the queue in <paramref name="directory"/>, cutting a torn last record off and deleting
    /// segments the cursor is past.
    /// </summary>
    /// <param name="directory">The queue folder; created when missing.</param>
    /// <param name="maxBytes">The bound on segment files, at least 64 KiB.</param>
    /// <param name="logger">Where to report recoveries; optional.</param>
    public static RemoteWriteQueue Open(string directory, long maxBytes, ILogger? logger = null)
    {
        if (maxBytes < MinSegmentBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"the queue bound must be at least {MinSegmentBytes} bytes");
        }

        System.IO.Directory.CreateDirectory(directory);
        var queue = new RemoteWriteQueue(Path.GetFullPath(directory), maxBytes, logger ?? NullLogger.Instance);
        queue.Recover();
        return queue;
    }

    /// <summary>
    /// Appends samples as one record and fsyncs it. Samples are grouped per series and sorted by time; the queue keeps
    /// append order, so callers append each series' samples in time order across calls.
    /// </summary>
    public QueueAppendResult Append(IReadOnlyList<SeriesSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return default;
        }

        var payload = QueuedSamplesCodec.Encode(samples);
        var frameBytes = FrameHeaderBytes + payload.Length;
        long dropped = 0;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (frameBytes + SegmentMagic.Length > _maxBytes)
            {
                Interlocked.Add(ref _refusedSamples, samples.Count);
                return new QueueAppendResult(0, 0, samples.Count);
            }

            while (_segments.Values.Sum() + frameBytes > _maxBytes)
            {
                var oldest = _segments.Keys.First();
                if (oldest == _activeNumber)
                {
                    // Only the active segment is left: seal it so it can go too.
                    Roll();
                    continue;
                }

                dropped += DropSegment(oldest);
            }

            if (_segments[_activeNumber] >= _segmentBytes)
            {
                Roll();
            }

            var frame = new byte[frameBytes];
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), payload.Length);
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), samples.Count);
            payload.CopyTo(frame, FrameHeaderBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(frame, Checksum(frame));
            var length = _segments[_activeNumber];
            RandomAccess.Write(_active!, frame, length);
            RandomAccess.FlushToDisk(_active!);
            _segments[_activeNumber] = length + frame.Length;
        }

        if (dropped > 0)
        {
            Interlocked.Add(ref _droppedSamples, dropped);
        }

        Signal();
        return new QueueAppendResult(samples.Count, dropped, 0);
    }

    /// <summary>
    /// Reads records from the cursor on, at least one and then as long as the total stays within
    /// <paramref name="maxSamples"/>; null when nothing is pending. Does not move the cursor: call
    /// <see cref="Commit"/> with <see cref="QueueBatch.End"/> once the batch was delivered (or given up on).
    /// </summary>
    public QueueBatch? ReadBatch(int maxSamples)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var position = _cursor;
            var merged = new Dictionary<LabelSet, List<Sample>>();
            var order = new List<LabelSet>();
            var count = 0;
            var header = new byte[FrameHeaderBytes];
            while (true)
            {
                position = Normalize(position);
                if (!_segments.TryGetValue(position.Segment, out var length) || position.Offset >= length)
                {
                    break;
                }

                using var file = File.OpenHandle(SegmentPath(position.Segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (ReadExactly(file, header, position.Offset) < FrameHeaderBytes)
                {
                    position = SkipCorrupt(position, "truncated frame header");
                    continue;
                }

                var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
                var samples = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
                if (payloadLength < 0 || samples < 0 || position.Offset + FrameHeaderBytes + payloadLength > length)
                {
                    position = SkipCorrupt(position, "frame length beyond the segment");
                    continue;
                }

                if (count > 0 && count + samples > maxSamples)
                {
                    break;
                }

                var frame = new byte[FrameHeaderBytes + payloadLength];
                header.CopyTo(frame, 0);
                if (ReadExactly(file, frame.AsSpan(FrameHeaderBytes), position.Offset + FrameHeaderBytes) < payloadLength ||
                    Checksum(frame) != BinaryPrimitives.ReadUInt32LittleEndian(header))
                {
                    position = SkipCorrupt(position, "checksum mismatch");
                    continue;
                }

                List<SeriesSamples> decoded;
                try
                {
                    decoded = QueuedSamplesCodec.Decode(frame.AsSpan(FrameHeaderBytes));
                }
                catch (InvalidDataException ex)
                {
                    position = SkipCorrupt(position, ex.Message);
                    continue;
                }

                foreach (var series in decoded)
                {
                    if (!merged.TryGetValue(series.Labels, out var points))
                    {
                        points = [];
                        merged[series.Labels] = points;
                        order.Add(series.Labels);
                    }

                    points.AddRange(series.Samples);
                    count += series.Samples.Count;
                }

                position = new QueuePosition(position.Segment, position.Offset + frame.Length);
            }

            position = Normalize(position);
            if (count == 0)
            {
                // Only corrupt records were in the way: move past them so they are not read again.
                if (position > _cursor)
                {
                    PersistCursor(position);
                }

                return null;
            }

            var result = new List<SeriesSamples>(order.Count);
            foreach (var labels in order)
            {
                var points = merged[labels];
                QueuedSamplesCodec.SortStable(points);
                result.Add(new SeriesSamples(labels, points));
            }

            return new QueueBatch(result, count, position);
        }
    }

    /// <summary>
    /// Persists the cursor at <paramref name="end"/> (write, fsync, rename) and deletes segments wholly before it.
    /// A position at or before the cursor (the queue dropped past it meanwhile) is ignored.
    /// </summary>
    public void Commit(QueuePosition end)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            end = Normalize(end);
            if (end <= _cursor)
            {
                return;
            }

            PersistCursor(end);
        }
    }

    /// <summary>Completes when an append happened since the last call (or at once if one did); for the sender's loop.</summary>
    public Task WaitForDataAsync(CancellationToken cancellationToken) => _dataSignal.WaitAsync(cancellationToken);

    /// <summary>Closes the active segment.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _active?.Dispose();
            _active = null;
        }

        _dataSignal.Dispose();
    }

    private void Signal()
    {
        try
        {
            if (_dataSignal.CurrentCount == 0)
            {
                _dataSignal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
        catch (ObjectDisposedException)
        {
            // Closing.
        }
    }

    private void Recover()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(_directory, "*" + SegmentSuffix))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                _segments[number] = new FileInfo(path).Length;
            }
        }

        _cursor = ReadCursor();
        foreach (var number in _segments.Keys.Where(n => n < _cursor.Segment).ToList())
        {
            File.Delete(SegmentPath(number));
            _segments.Remove(number);
        }

        if (_segments.Count > 0)
        {
            _activeNumber = _segments.Keys.Last();
            var validEnd = ScanValidEnd(_activeNumber);
            var length = _segments[_activeNumber];
            if (validEnd < SegmentMagic.Length)
            {
                // Not even a header survived: start the segment again.
                using var file = File.OpenHandle(SegmentPath(_activeNumber), FileMode.Create, FileAccess.ReadWrite);
                RandomAccess.Write(file, SegmentMagic, 0);
                RandomAccess.FlushToDisk(file);
                validEnd = SegmentMagic.Length;
            }
            else if (validEnd < length)
            {
                using var file = File.OpenHandle(SegmentPath(_activeNumber), FileMode.Open, FileAccess.ReadWrite);
                RandomAccess.SetLength(file, validEnd);
                RandomAccess.FlushToDisk(file);
            }

            if (validEnd != length)
            {
                QueueLog.TornTail(_logger, _directory, length - validEnd);
            }

            _segments[_activeNumber] = validEnd;
            _active = File.OpenHandle(SegmentPath(_activeNumber), FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
            if (_cursor.Segment == _activeNumber && _cursor.Offset > validEnd)
            {
                _cursor = new QueuePosition(_activeNumber, validEnd);
            }
        }
        else
        {
            _activeNumber = _cursor.Segment + 1;
            CreateSegment(_activeNumber);
        }

        if (_cursor.Segment < _segments.Keys.First())
        {
            _cursor = new QueuePosition(_segments.Keys.First(), SegmentMagic.Length);
        }

        if (_cursor.Offset < SegmentMagic.Length)
        {
            _cursor = _cursor with { Offset = SegmentMagic.Length };
        }

        if (PendingBytesUnlocked() > 0)
        {
            Signal();
        }
    }

    private long PendingBytesUnlocked() =>
        _segments.Where(s => s.Key >= _cursor.Segment).Sum(s => s.Value) - (_segments.ContainsKey(_cursor.Segment) ? _cursor.Offset : 0);

    // The offset after the last intact frame of a segment (0 when even the magic is wrong).
    private long ScanValidEnd(long number)
    {
        using var file = File.OpenHandle(SegmentPath(number), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(file);
        var magic = new byte[SegmentMagic.Length];
        if (ReadExactly(file, magic, 0) < magic.Length || !magic.AsSpan().SequenceEqual(SegmentMagic))
        {
            return 0;
        }

        var offset = (long)magic.Length;
        var header = new byte[FrameHeaderBytes];
        while (offset < length)
        {
            if (ReadExactly(file, header, offset) < FrameHeaderBytes)
            {
                break;
            }

            var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
            if (payloadLength < 0 || offset + FrameHeaderBytes + payloadLength > length)
            {
                break;
            }

            var frame = new byte[FrameHeaderBytes + payloadLength];
            header.CopyTo(frame, 0);
            ReadExactly(file, frame.AsSpan(FrameHeaderBytes), offset + FrameHeaderBytes);
            if (Checksum(frame) != BinaryPrimitives.ReadUInt32LittleEndian(header))
            {
                break;
            }

            offset += frame.Length;
        }

        return offset;
    }

    private QueuePosition ReadCursor()
    {
        var path = Path.Combine(_directory, CursorFile);
        if (!File.Exists(path))
        {
            return new QueuePosition(0, 0);
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != CursorBytes || Crc.Compute(bytes.AsSpan(0, 16)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)))
        {
            // The cursor is written by rename, so this means outside damage; resending is safer than skipping.
            QueueLog.CursorDamaged(_logger, path);
            return new QueuePosition(0, 0);
        }

        return new QueuePosition(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));
    }

    private void PersistCursor(QueuePosition position)
    {
        var bytes = new byte[CursorBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, position.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), position.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), Crc.Compute(bytes.AsSpan(0, 16)));
        var path = Path.Combine(_directory, CursorFile);
        var temporary = path + ".tmp";
        using (var file = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(file, bytes, 0);
            RandomAccess.FlushToDisk(file);
        }

        File.Move(temporary, path, overwrite: true);
        DirectorySync.Sync(_directory);
        _cursor = position;
        foreach (var number in _segments.Keys.Where(n => n < position.Segment).ToList())
        {
            File.Delete(SegmentPath(number));
            _segments.Remove(number);
        }
    }

    // At the end of a sealed segment, the same place is the start of the next one.
    private QueuePosition Normalize(QueuePosition position)
    {
        while (position.Segment != _activeNumber &&
               (!_segments.TryGetValue(position.Segment, out var length) || position.Offset >= length))
        {
            var next = _segments.Keys.FirstOrDefault(n => n > position.Segment);
            if (next == 0)
            {
                break;
            }

            position = new QueuePosition(next, SegmentMagic.Length);
        }

        if (position.Offset < SegmentMagic.Length)
        {
            position = position with { Offset = SegmentMagic.Length };
        }

        return position;
    }

    private QueuePosition SkipCorrupt(QueuePosition position, string reason)
    {
        Interlocked.Increment(ref _corruptRecords);
        QueueLog.CorruptRecord(_logger, SegmentPath(position.Segment), position.Offset, reason);
        if (position.Segment == _activeNumber)
        {
            // Appends are fsynced before they count, so this is outside damage: give up the rest of the segment.
            Roll();
        }

        return new QueuePosition(position.Segment, long.MaxValue);
    }

    private long DropSegment(long number)
    {
        long unsent = 0;
        if (number >= _cursor.Segment)
        {
            var from = number == _cursor.Segment ? _cursor.Offset : SegmentMagic.Length;
            using var file = File.OpenHandle(SegmentPath(number), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = _segments[number];
            var header = new byte[FrameHeaderBytes];
            while (from + FrameHeaderBytes <= length && ReadExactly(file, header, from) == FrameHeaderBytes)
            {
                var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
                if (payloadLength < 0)
                {
                    break;
                }

                unsent += Math.Max(0, BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8)));
                from += FrameHeaderBytes + payloadLength;
            }
        }

        var next = _segments.Keys.First(n => n > number);
        if (_cursor.Segment <= number)
        {
            PersistCursor(new QueuePosition(next, SegmentMagic.Length));
        }
        else
        {
            File.Delete(SegmentPath(number));
            _segments.Remove(number);
        }

        if (unsent > 0)
        {
            QueueLog.DroppedOldest(_logger, _directory, unsent, _maxBytes);
        }

        return unsent;
    }

    private void Roll()
    {
        _active?.Dispose();
        _activeNumber++;
        CreateSegment(_activeNumber);
    }

    private void CreateSegment(long number)
    {
        var handle = File.OpenHandle(SegmentPath(number), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        RandomAccess.Write(handle, SegmentMagic, 0);
        RandomAccess.FlushToDisk(handle);
        DirectorySync.Sync(_directory);
        _active = handle;
        _segments[number] = SegmentMagic.Length;
    }

    private string SegmentPath(long number) =>
        Path.Combine(_directory, number.ToString("D20", CultureInfo.InvariantCulture) + SegmentSuffix);

    // Covers the length and the count as well as the payload: a flipped length must not pass.
    private static uint Checksum(ReadOnlySpan<byte> frame) => Crc.Compute(frame[4..]);

    private static int ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(file, buffer[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}

/// <summary>The queue's log messages; event ids 3300-3319 belong to the remote-write queue.</summary>
internal static partial class QueueLog
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Warning, Message = "Remote-write queue {Directory}: cut {Bytes} bytes of a torn last record (a crash mid-append; that append was never acknowledged)")]
    public static partial void TornTail(ILogger logger, string directory, long bytes);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Remote-write queue: the cursor file {Path} is damaged; sending the queue again from its start")]
    public static partial void CursorDamaged(ILogger logger, string path);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "Remote-write queue: skipped a damaged record in {Path} at offset {Offset}: {Reason}")]
    public static partial void CorruptRecord(ILogger logger, string path, long offset, string reason);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Debug, Message = "Remote-write queue {Directory} is full ({MaxBytes} bytes): dropped the oldest segment with {Samples} unsent samples")]
    public static partial void DroppedOldest(ILogger logger, string directory, long samples, long maxBytes);
}
