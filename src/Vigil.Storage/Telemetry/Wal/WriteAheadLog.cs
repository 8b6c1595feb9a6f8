using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Storage.Telemetry.Records;

namespace Vigil.Storage.Telemetry.Wal;

/// <summary>Receives one valid WAL record during replay.</summary>
internal delegate void WalRecordHandler(int segment, string segmentName, long offset, ReadOnlySpan<byte> payload);

/// <summary>What a replay found: the segments that remain (index and size) and the counts.</summary>
internal sealed record WalReplayResult(IReadOnlyList<(int Index, long Bytes)> Segments, int LastSegment, long Records);

/// <summary>
/// The write-ahead log: numbered segment files of framed records. A segment starts with an 8-byte magic; each
/// record is <c>u32 payload length | u32 CRC-32C of the payload | payload</c>, little-endian. A torn or corrupt tail
/// fails the length or CRC check and is cut off on replay. Only the commit loop appends, syncs and rotates.
/// </summary>
internal sealed class WriteAheadLog : IDisposable
{
    public const int FrameHeaderBytes = 8;

    /// <summary>A sanity bound on one record: a larger length field can only be corruption.</summary>
    public const int MaxRecordBytes = 256 << 20;

    private const string Extension = ".wal";
    private readonly IWalStorage _storage;
    private readonly long _segmentBytes;
    private readonly Lock _segmentsLock = new();
    private readonly SortedDictionary<int, long> _closed = [];
    private IWalFile _file;
    private int _index;
    private long _closedBytes;
    private long _currentBytes;

    private WriteAheadLog(IWalStorage storage, long segmentBytes, IReadOnlyList<(int Index, long Bytes)> existing, int index)
    {
        _storage = storage;
        _segmentBytes = segmentBytes;
        foreach (var (i, bytes) in existing)
        {
            _closed[i] = bytes;
            _closedBytes += bytes;
        }

        _index = index;
        _file = CreateSegment(index);
        _currentBytes = _file.Length;
    }

    private static ReadOnlySpan<byte> Magic => "VGWAL001"u8;

    /// <summary>The segment new records go to.</summary>
    public int CurrentSegment => _index;

    /// <summary>Bytes in every segment, current included.</summary>
    public long Bytes
    {
        get
        {
            lock (_segmentsLock)
            {
                return _closedBytes + Volatile.Read(ref _currentBytes);
            }
        }
    }

    /// <summary>Whether the current segment reached its target size and should be rotated.</summary>
    public bool SegmentFull => _file.Length >= _segmentBytes;

    /// <summary>Starts the log in a new segment after the <paramref name="existing"/> ones (left from replay).</summary>
    public static WriteAheadLog Start(IWalStorage storage, long segmentBytes, IReadOnlyList<(int Index, long Bytes)> existing, int nextIndex) =>
        new(storage, segmentBytes, existing, nextIndex);

    public static string SegmentName(int index) => index.ToString("D10", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParseSegmentName(string name, out int index)
    {
        index = 0;
        return name.EndsWith(Extension, StringComparison.Ordinal) &&
            int.TryParse(name.AsSpan(0, name.Length - Extension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>Reserves a record header in <paramref name="writer"/>; returns its offset for <see cref="EndRecord"/>.</summary>
    public static int BeginRecord(ByteWriter writer)
    {
        var start = writer.Length;
        writer.Reserve(FrameHeaderBytes);
        return start;
    }

    /// <summary>Fills in the length and checksum of the record started at <paramref name="start"/>.</summary>
    public static void EndRecord(ByteWriter writer, int start)
    {
        var payloadLength = writer.Length - start - FrameHeaderBytes;
        var header = writer.Slice(start, FrameHeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payloadLength);
        var crc = Crc.Compute(writer.WrittenSpan.Slice(start + FrameHeaderBytes, payloadLength));
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], crc);
    }

    /// <summary>Appends framed records to the current segment (not yet durable).</summary>
    public void Append(ReadOnlySpan<byte> records)
    {
        _file.Append(records);
        Volatile.Write(ref _currentBytes, _file.Length);
    }

    /// <summary>Makes every appended record durable.</summary>
    public void Sync() => _file.Sync();

    /// <summary>Syncs and closes the current segment and starts the next one; returns the closed segment's index.</summary>
    public int Rotate()
    {
        _file.Sync();
        var closed = _index;
        var closedLength = _file.Length;
        _file.Dispose();
        var next = CreateSegment(closed + 1);
        lock (_segmentsLock)
        {
            _closed[closed] = closedLength;
            _closedBytes += closedLength;
            _file = next;
            _index = closed + 1;
            Volatile.Write(ref _currentBytes, next.Length);
        }

        return closed;
    }

    /// <summary>Deletes the closed segments up to and including <paramref name="index"/> (their records are in a block).</summary>
    public void DeleteThrough(int index, ILogger logger)
    {
        List<KeyValuePair<int, long>> doomed;
        lock (_segmentsLock)
        {
            doomed = [.. _closed.Where(kv => kv.Key <= index)];
        }

        foreach (var (i, bytes) in doomed)
        {
            try
            {
                _storage.Delete(SegmentName(i));
            }
            catch (IOException ex)
            {
                StoreLog.DeleteFailed(logger, SegmentName(i), ex);
                continue;
            }

            lock (_segmentsLock)
            {
                _closed.Remove(i);
                _closedBytes -= bytes;
            }
        }
    }

    public void Dispose() => _file.Dispose();

    /// <summary>
    /// Reads every segment after <paramref name="coveredThrough"/> (segments up to it are already in blocks and are
    /// deleted) and hands each valid record to <paramref name="handler"/>. The first torn or corrupt record of a
    /// segment ends that segment: the file is cut there and the reason logged with the byte offset.
    /// </summary>
    public static WalReplayResult Replay(IWalStorage storage, int coveredThrough, WalRecordHandler handler, ILogger logger)
    {
        var segments = new List<(int Index, string Name)>();
        foreach (var name in storage.List())
        {
            if (TryParseSegmentName(name, out var index))
            {
                segments.Add((index, name));
            }
            else
            {
                StoreLog.WalUnknownFile(logger, name);
            }
        }

        segments.Sort((a, b) => a.Index.CompareTo(b.Index));
        var remaining = new List<(int, long)>();
        var last = coveredThrough;
        long records = 0;
        for (var s = 0; s < segments.Count; s++)
        {
            var (index, name) = segments[s];
            last = Math.Max(last, index);
            if (index <= coveredThrough)
            {
                storage.Delete(name);
                StoreLog.WalSegmentCovered(logger, name, coveredThrough);
                continue;
            }

            using var file = storage.Open(name);
            var isLast = s == segments.Count - 1;
            var length = ReplaySegment(file, index, name, isLast, handler, logger, ref records);
            remaining.Add((index, length));
        }

        return new WalReplayResult(remaining, last, records);
    }

    private static long ReplaySegment(IWalFile file, int index, string name, bool isLast, WalRecordHandler handler, ILogger logger, ref long records)
    {
        var length = file.Length;
        Span<byte> header = stackalloc byte[FrameHeaderBytes];
        if (length < Magic.Length || file.Read(0, header) < Magic.Length || !header.SequenceEqual(Magic))
        {
            Cut(file, name, 0, length, "missing segment header", isLast, logger);
            return 0;
        }

        long offset = Magic.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (offset < length)
            {
                string? problem = null;
                var payloadLength = 0L;
                if (length - offset < FrameHeaderBytes)
                {
                    problem = $"record header truncated: {length - offset} of {FrameHeaderBytes} bytes";
                }
                else
                {
                    file.Read(offset, header);
                    payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(header);
                    if (payloadLength == 0 || payloadLength > MaxRecordBytes)
                    {
                        problem = $"invalid record length {payloadLength}";
                    }
                    else if (payloadLength > length - offset - FrameHeaderBytes)
                    {
                        problem = $"record truncated: {length - offset - FrameHeaderBytes} of {payloadLength} bytes present";
                    }
                }

                if (problem is null)
                {
                    if (buffer.Length < payloadLength)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent((int)payloadLength);
                    }

                    var payload = buffer.AsSpan(0, (int)payloadLength);
                    file.Read(offset + FrameHeaderBytes, payload);
                    if (Crc.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header[4..]))
                    {
                        problem = "checksum mismatch";
                    }
                    else
                    {
                        try
                        {
                            handler(index, name, offset, payload);
                            records++;
                        }
                        catch (InvalidDataException ex)
                        {
                            StoreLog.WalRecordUndecodable(logger, name, offset, ex.Message);
                        }

                        offset += FrameHeaderBytes + payloadLength;
                        continue;
                    }
                }

                Cut(file, name, offset, length, problem, isLast, logger);
                return offset;
            }

            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Cut(IWalFile file, string name, long offset, long length, string reason, bool isLast, ILogger logger)
    {
        if (isLast)
        {
            StoreLog.WalTailDropped(logger, name, offset, reason, length - offset);
        }
        else
        {
            StoreLog.WalCorruptMiddle(logger, name, offset, reason, length - offset);
        }

        // Cut the bad bytes off so that the next replay does not meet them again.
        file.Truncate(offset);
    }

    private IWalFile CreateSegment(int index)
    {
        var file = _storage.Create(SegmentName(index));
        file.Append(Magic);
        file.Sync();
        return file;
    }
}
