using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Chunks;
using Vigil.Storage.Telemetry.Queries;
using Vigil.Storage.Telemetry.Records;

namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>
/// An open, immutable block file. Its metadata, resources and page directories are in memory; its series section is
/// loaded on demand (through <see cref="BlockIndexCache"/>), and chunks and pages are read with positional reads. Queries hold a reference (<see cref="TryAcquire"/>/<see cref="Release"/>) so that
/// retention can delete a block while a query still reads it: the file goes when the last reader releases it.
/// </summary>
internal sealed class Block
{
    private readonly SafeFileHandle _handle;
    private readonly SectionRef _seriesSection;
    private readonly TelemetryResource[] _resources;
    private readonly LogPageInfo[] _logPages;
    private readonly PageRef[] _spanPages;
    private readonly TracePageInfo[] _tracePages;
    private int _references = 1;
    private int _deleted;

    private Block(string path, SafeFileHandle handle, long sizeBytes, BlockMeta meta, SectionRef seriesSection,
        TelemetryResource[] resources, LogPageInfo[] logPages, PageRef[] spanPages, TracePageInfo[] tracePages)
    {
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        _handle = handle;
        SizeBytes = sizeBytes;
        Meta = meta;
        _seriesSection = seriesSection;
        _resources = resources;
        _logPages = logPages;
        _spanPages = spanPages;
        _tracePages = tracePages;
    }

    public string Path { get; }

    public string Name { get; }

    public BlockMeta Meta { get; }

    public long SizeBytes { get; }

    /// <summary>Opens a block file and reads its index; throws <see cref="InvalidDataException"/> when it is damaged.</summary>
    public static Block Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            return Load(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _handle.Dispose();
            if (Volatile.Read(ref _deleted) == 1)
            {
                File.Delete(Path);
            }
        }
    }

    /// <summary>Drops the store's own reference; with <paramref name="deleteFile"/>, the file is deleted once no query reads it.</summary>
    public void Retire(bool deleteFile)
    {
        if (deleteFile)
        {
            Volatile.Write(ref _deleted, 1);
        }

        Release();
    }

    /// <summary>Reads the series section (symbols, series, chunk references) and builds its postings.</summary>
    public BlockSeriesIndex LoadSeriesIndex()
    {
        var bytes = new byte[_seriesSection.Length];
        ReadExactly(_seriesSection.Offset, bytes);
        if (Crc.Compute(bytes) != _seriesSection.Crc)
        {
            throw new InvalidDataException($"block {Name}: series section checksum mismatch");
        }

        return BlockSeriesIndex.Parse(bytes, _seriesSection.Offset, Name);
    }

    public bool HasSampleIn(BlockSeriesIndex index, int ordinal, long minT, long maxT)
    {
        var (first, end) = index.ChunkRange(ordinal);
        for (var c = first; c < end; c++)
        {
            if (index.ChunkMaxT[c] < minT || index.ChunkMinT[c] > maxT)
            {
                continue;
            }

            if (index.ChunkMinT[c] >= minT || index.ChunkMaxT[c] <= maxT)
            {
                return true;
            }

            var probe = new List<Sample>();
            ReadChunks(index, c, c, minT, maxT, probe);
            if (probe.Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Appends the series' samples in [<paramref name="minT"/>, <paramref name="maxT"/>] to <paramref name="output"/>.</summary>
    public void ReadSamples(BlockSeriesIndex index, int ordinal, long minT, long maxT, List<Sample> output)
    {
        int first = -1, last = -1;
        var (start, end) = index.ChunkRange(ordinal);
        for (var c = start; c < end; c++)
        {
            if (index.ChunkMaxT[c] >= minT && index.ChunkMinT[c] <= maxT)
            {
                if (first < 0)
                {
                    first = c;
                }

                last = c;
            }
        }

        if (first >= 0)
        {
            ReadChunks(index, first, last, minT, maxT, output);
        }
    }

    public void CollectLogs(LogFilter filter, LogCollector collector)
    {
        var meta = Meta;
        if (meta.LogCount == 0 || meta.MaxLogTime < filter.Start || meta.MinLogTime > filter.End || collector.CanSkip(meta.MaxLogTime))
        {
            return;
        }

        ulong resourceMask = ulong.MaxValue;
        if (filter.HasResourceFilter)
        {
            resourceMask = 0;
            for (var i = 0; i < _resources.Length; i++)
            {
                if (filter.ResourceMatches(_resources[i]))
                {
                    resourceMask |= 1UL << (i & 63);
                }
            }

            if (resourceMask == 0)
            {
                return;
            }
        }

        foreach (var page in _logPages)
        {
            // Pages run newest first: once a page is older than the window or than a full result, so is the rest.
            if (page.MaxTime < filter.Start || collector.CanSkip(page.MaxTime))
            {
                break;
            }

            if (page.MinTime > filter.End ||
                new LogKey(page.MinTime, page.MinSeq) >= filter.Before ||
                (filter.MinSeverity is { } min && page.MaxSeverity < min) ||
                (page.ResourceMask & resourceMask) == 0 ||
                (filter.TraceId is { } traceId && !TraceBloom.MayContain(page.TraceBloom, traceId)))
            {
                continue;
            }

            ReadPage(page.Page, (ref ByteReader reader) =>
            {
                for (var i = 0; i < page.Page.Count; i++)
                {
                    var seq = (long)reader.ReadVarUInt();
                    var log = new StoredLog(seq, TelemetryCodec.ReadLog(ref reader, _resources));
                    if (filter.Matches(log))
                    {
                        collector.Offer(log);
                    }
                }
            });
        }
    }

    public void CollectTrace(string traceId, List<SpanRecord> output)
    {
        if (_tracePages.Length == 0 || string.CompareOrdinal(traceId, _tracePages[0].FirstTraceId) < 0)
        {
            return;
        }

        int lo = 0, hi = _tracePages.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (string.CompareOrdinal(_tracePages[mid].FirstTraceId, traceId) <= 0)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        TraceLocation? location = null;
        ReadPage(_tracePages[lo].Page, (ref ByteReader reader) =>
        {
            for (var i = 0; i < _tracePages[lo].Page.Count && location is null; i++)
            {
                var (partial, spanPage, indexInPage) = ReadTraceEntry(ref reader, null);
                if (string.Equals(partial.TraceId, traceId, StringComparison.Ordinal))
                {
                    location = new TraceLocation(spanPage, indexInPage, partial.SpanCount);
                }
            }
        });

        if (location is not { } found)
        {
            return;
        }

        var remaining = found.Count;
        for (var p = found.SpanPage; p < _spanPages.Length && remaining > 0; p++)
        {
            var skip = p == found.SpanPage ? found.IndexInPage : 0;
            var page = _spanPages[p];
            ReadPage(page, (ref ByteReader reader) =>
            {
                for (var i = 0; i < page.Count && remaining > 0; i++)
                {
                    var span = TelemetryCodec.ReadSpan(ref reader, _resources);
                    if (i >= skip)
                    {
                        output.Add(span);
                        remaining--;
                    }
                }
            });
        }
    }

    public void CollectTraceSummaries(TraceFilter filter, Dictionary<string, TracePartial> output)
    {
        foreach (var page in _tracePages)
        {
            if (page.MaxStart < filter.Start)
            {
                continue;
            }

            ReadPage(page.Page, (ref ByteReader reader) =>
            {
                for (var i = 0; i < page.Page.Count; i++)
                {
                    var (partial, _, _) = ReadTraceEntry(ref reader, filter);
                    if (output.TryGetValue(partial.TraceId, out var existing))
                    {
                        existing.Merge(partial);
                    }
                    else
                    {
                        output[partial.TraceId] = partial;
                    }
                }
            });
        }
    }

    private static (TracePartial Partial, int SpanPage, int IndexInPage) ReadTraceEntry(ref ByteReader reader, TraceFilter? filter)
    {
        var traceId = TelemetryCodec.ReadId(ref reader);
        var spanPage = (int)reader.ReadVarUInt();
        var indexInPage = (int)reader.ReadVarUInt();
        var spanCount = (int)reader.ReadVarUInt();
        var start = reader.ReadVarInt();
        var end = start + reader.ReadVarInt();
        var flags = reader.ReadByte();
        var rootService = reader.ReadString();
        var rootName = reader.ReadString();
        var rootStart = start + reader.ReadVarInt();
        var partial = new TracePartial(traceId)
        {
            Start = start,
            End = end,
            SpanCount = spanCount,
            HasError = (flags & 1) != 0,
            RootIsParentless = (flags & 2) != 0,
            RootService = rootService,
            RootName = rootName,
            RootStart = rootStart,
            Matched = filter is null || !filter.HasSpanFilter,
        };
        var kinds = reader.ReadCount(3);
        for (var k = 0; k < kinds; k++)
        {
            var service = reader.ReadString();
            var name = reader.ReadString();
            var status = (SpanStatusCode)reader.ReadByte();
            if (!partial.Matched && filter is not null && filter.SpanMatches(service, name, status))
            {
                partial.Matched = true;
            }
        }

        return (partial, spanPage, indexInPage);
    }

    private delegate void PageReader(ref ByteReader reader);

    private void ReadPage(PageRef page, PageReader read)
    {
        var compressed = ArrayPool<byte>.Shared.Rent(page.CompressedLength);
        var raw = ArrayPool<byte>.Shared.Rent(page.RawLength);
        try
        {
            var span = compressed.AsSpan(0, page.CompressedLength);
            ReadExactly(page.Offset, span);
            if (Crc.Compute(span) != page.Crc)
            {
                throw new InvalidDataException($"block {Name}: checksum mismatch in the page at byte offset {page.Offset}");
            }

            PageCompression.Decompress(span, raw.AsSpan(0, page.RawLength));
            var reader = new ByteReader(raw.AsSpan(0, page.RawLength));
            read(ref reader);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private void ReadChunks(BlockSeriesIndex index, int first, int last, long minT, long maxT, List<Sample> output)
    {
        // Chunks of a series are contiguous in the file: one positional read fetches all of them.
        var start = index.ChunkOffset[first];
        var length = (int)(index.ChunkOffset[last] + index.ChunkLength[last] + 4 - start);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var bytes = buffer.AsSpan(0, length);
            ReadExactly(start, bytes);
            for (var c = first; c <= last; c++)
            {
                var at = (int)(index.ChunkOffset[c] - start);
                var chunk = bytes.Slice(at, index.ChunkLength[c]);
                if (Crc.Compute(chunk) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + index.ChunkLength[c])..]))
                {
                    throw new InvalidDataException($"block {Name}: checksum mismatch in the chunk at byte offset {index.ChunkOffset[c]}");
                }

                if (index.ChunkMaxT[c] >= minT && index.ChunkMinT[c] <= maxT)
                {
                    XorChunk.Decode(chunk, minT, maxT, output);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadExactly(long offset, Span<byte> buffer) => ReadExactly(_handle, offset, buffer, Name);

    private static void ReadExactly(SafeFileHandle handle, long offset, Span<byte> buffer, string name)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0)
            {
                throw new InvalidDataException($"block {name}: unexpected end of file at byte offset {offset + total}");
            }

            total += n;
        }
    }

    private static Block Load(string path, SafeFileHandle handle)
    {
        var name = System.IO.Path.GetFileName(path);
        var length = RandomAccess.GetLength(handle);
        if (length < BlockFormat.Magic.Length + BlockFormat.FooterBytes)
        {
            throw new InvalidDataException($"block {name}: {length} bytes is too short");
        }

        Span<byte> footer = stackalloc byte[BlockFormat.FooterBytes];
        ReadExactly(handle, length - BlockFormat.FooterBytes, footer, name);
        Span<byte> magic = stackalloc byte[BlockFormat.Magic.Length];
        ReadExactly(handle, 0, magic, name);
        if (!footer[32..].SequenceEqual(BlockFormat.EndMagic) || !magic.SequenceEqual(BlockFormat.Magic))
        {
            throw new InvalidDataException($"block {name}: not a Vigil block file (bad magic)");
        }

        var seriesSection = new SectionRef(BinaryPrimitives.ReadInt64LittleEndian(footer), BinaryPrimitives.ReadUInt32LittleEndian(footer[8..]), BinaryPrimitives.ReadUInt32LittleEndian(footer[12..]));
        var indexSection = new SectionRef(BinaryPrimitives.ReadInt64LittleEndian(footer[16..]), BinaryPrimitives.ReadUInt32LittleEndian(footer[24..]), BinaryPrimitives.ReadUInt32LittleEndian(footer[28..]));
        foreach (var section in (ReadOnlySpan<SectionRef>)[seriesSection, indexSection])
        {
            if (section.Offset < BlockFormat.Magic.Length || section.Offset + section.Length > length - BlockFormat.FooterBytes)
            {
                throw new InvalidDataException($"block {name}: section at byte offset {section.Offset} with {section.Length} bytes lies outside the file");
            }
        }

        var index = new byte[indexSection.Length];
        ReadExactly(handle, indexSection.Offset, index, name);
        if (Crc.Compute(index) != indexSection.Crc)
        {
            throw new InvalidDataException($"block {name}: index checksum mismatch");
        }

        var dataEnd = seriesSection.Offset;
        var reader = new ByteReader(index);
        var version = reader.ReadVarUInt();
        if (version != BlockFormat.Version)
        {
            throw new InvalidDataException($"block {name}: unsupported format version {version}");
        }

        var meta = new BlockMeta(
            Seq: (long)reader.ReadVarUInt(),
            WalSegmentMax: (int)reader.ReadVarInt(),
            CreatedAtMs: reader.ReadVarInt(),
            MinSampleT: reader.ReadVarInt(),
            MaxSampleT: reader.ReadVarInt(),
            MinLogTime: reader.ReadVarInt(),
            MaxLogTime: reader.ReadVarInt(),
            MinSpanStart: reader.ReadVarInt(),
            MaxSpanStart: reader.ReadVarInt(),
            MaxSpanEnd: reader.ReadVarInt(),
            SampleCount: (long)reader.ReadVarUInt(),
            LogCount: (long)reader.ReadVarUInt(),
            SpanCount: (long)reader.ReadVarUInt(),
            TraceCount: (long)reader.ReadVarUInt(),
            MaxLogSeq: reader.ReadVarInt());

        var resources = new TelemetryResource[reader.ReadCount(1)];
        for (var i = 0; i < resources.Length; i++)
        {
            resources[i] = TelemetryCodec.ReadResource(ref reader);
        }

        var logPages = new LogPageInfo[reader.ReadCount(8)];
        for (var i = 0; i < logPages.Length; i++)
        {
            var page = ReadPageRef(ref reader, dataEnd, name);
            var maxTime = reader.ReadVarInt();
            var maxSeq = (long)reader.ReadVarUInt();
            var minTime = reader.ReadVarInt();
            var minSeq = (long)reader.ReadVarUInt();
            var maxSeverity = (int)reader.ReadVarInt();
            var mask = (ulong)reader.ReadInt64();
            var bloom = new ulong[TraceBloom.Words];
            for (var w = 0; w < bloom.Length; w++)
            {
                bloom[w] = (ulong)reader.ReadInt64();
            }

            logPages[i] = new LogPageInfo(page, maxTime, maxSeq, minTime, minSeq, maxSeverity, mask, bloom);
        }

        var spanPages = new PageRef[reader.ReadCount(5)];
        for (var i = 0; i < spanPages.Length; i++)
        {
            spanPages[i] = ReadPageRef(ref reader, dataEnd, name);
        }

        var tracePages = new TracePageInfo[reader.ReadCount(5)];
        for (var i = 0; i < tracePages.Length; i++)
        {
            var page = ReadPageRef(ref reader, dataEnd, name);
            tracePages[i] = new TracePageInfo(page, TelemetryCodec.ReadId(ref reader), reader.ReadVarInt(), reader.ReadVarInt());
        }

        return new Block(path, handle, length, meta, seriesSection, resources, logPages, spanPages, tracePages);
    }

    private static PageRef ReadPageRef(ref ByteReader reader, long areaEnd, string name)
    {
        var page = new PageRef((long)reader.ReadVarUInt(), (int)reader.ReadVarUInt(), (int)reader.ReadVarUInt(), (int)reader.ReadVarUInt(), reader.ReadUInt32());
        if (page.Offset < BlockFormat.Magic.Length || page.Offset + page.CompressedLength > areaEnd ||
            page.RawLength < 0 || page.RawLength > 1 << 30)
        {
            throw new InvalidDataException($"block {name}: page at byte offset {page.Offset} is out of bounds");
        }

        return page;
    }

    private readonly record struct TraceLocation(int SpanPage, int IndexInPage, int Count);

    private readonly record struct SectionRef(long Offset, uint Length, uint Crc);
}
