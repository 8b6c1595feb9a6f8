using System.Buffers.Binary;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Queries;
using Vigil.Storage.Telemetry.Records;
using Vigil.Storage.Telemetry.Wal;

namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>Writes a block file (see <see cref="BlockFormat"/>) atomically: temporary name, fsync, rename, directory sync.</summary>
internal static class BlockWriter
{
    /// <summary>Writes <paramref name="content"/> as block <paramref name="seq"/> in <paramref name="directory"/>; returns its path.</summary>
    public static string Write(string directory, long seq, int walSegmentMax, long createdAtMs, BlockContent content)
    {
        var name = BlockName(seq);
        var path = Path.Combine(directory, name);
        var temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var state = new State(file);
                file.Write(BlockFormat.Magic);
                using var series = WriteChunks(state, content.Series);
                var resources = new ResourceTable();
                var logPages = WriteLogs(state, content.Logs, resources);
                var (spanPages, tracePages) = WriteSpans(state, content.Spans, resources);

                using var seriesSection = new ByteWriter(1 << 16);
                seriesSection.WriteVarUInt((ulong)state.Symbols.Count);
                foreach (var symbol in state.Symbols)
                {
                    seriesSection.WriteString(symbol);
                }

                seriesSection.WriteVarUInt((ulong)content.Series.Count);
                seriesSection.WriteBytes(series.WrittenSpan);
                var seriesOffset = file.Position;
                file.Write(seriesSection.WrittenSpan);

                using var index = new ByteWriter(1 << 16);
                index.WriteVarUInt(BlockFormat.Version);
                WriteMeta(index, state, seq, walSegmentMax, createdAtMs, content);
                index.WriteVarUInt((ulong)resources.Resources.Count);
                foreach (var resource in resources.Resources)
                {
                    TelemetryCodec.WriteResource(index, resource);
                }

                index.WriteVarUInt((ulong)logPages.Count);
                foreach (var page in logPages)
                {
                    WritePageRef(index, page.Page);
                    index.WriteVarInt(page.MaxTime);
                    index.WriteVarUInt((ulong)page.MaxSeq);
                    index.WriteVarInt(page.MinTime);
                    index.WriteVarUInt((ulong)page.MinSeq);
                    index.WriteVarInt(page.MaxSeverity);
                    index.WriteInt64((long)page.ResourceMask);
                    foreach (var word in page.TraceBloom)
                    {
                        index.WriteInt64((long)word);
                    }
                }

                index.WriteVarUInt((ulong)spanPages.Count);
                foreach (var page in spanPages)
                {
                    WritePageRef(index, page);
                }

                index.WriteVarUInt((ulong)tracePages.Count);
                foreach (var page in tracePages)
                {
                    WritePageRef(index, page.Page);
                    TelemetryCodec.WriteId(index, page.FirstTraceId);
                    index.WriteVarInt(page.MinStart);
                    index.WriteVarInt(page.MaxStart);
                }

                var indexOffset = file.Position;
                file.Write(index.WrittenSpan);
                Span<byte> footer = stackalloc byte[BlockFormat.FooterBytes];
                BinaryPrimitives.WriteInt64LittleEndian(footer, seriesOffset);
                BinaryPrimitives.WriteUInt32LittleEndian(footer[8..], (uint)seriesSection.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(footer[12..], Crc.Compute(seriesSection.WrittenSpan));
                BinaryPrimitives.WriteInt64LittleEndian(footer[16..], indexOffset);
                BinaryPrimitives.WriteUInt32LittleEndian(footer[24..], (uint)index.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(footer[28..], Crc.Compute(index.WrittenSpan));
                BlockFormat.EndMagic.CopyTo(footer[32..]);
                file.Write(footer);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path);
            DirectorySync.Sync(directory);
            return path;
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    public static string BlockName(long seq) => seq.ToString("D10", System.Globalization.CultureInfo.InvariantCulture) + BlockFormat.Extension;

    private static ByteWriter WriteChunks(State state, List<(LabelSet Labels, List<Chunks.ChunkMeta> Chunks)> series)
    {
        var entries = new ByteWriter(1 << 16);
        Span<byte> crc = stackalloc byte[4];
        foreach (var (labels, chunks) in series)
        {
            entries.WriteVarUInt((ulong)labels.Count);
            foreach (var label in labels.Labels)
            {
                entries.WriteVarUInt((ulong)state.Symbol(label.Name));
                entries.WriteVarUInt((ulong)state.Symbol(label.Value));
            }

            entries.WriteVarUInt((ulong)chunks.Count);
            foreach (var chunk in chunks)
            {
                var offset = state.File.Position;
                state.File.Write(chunk.Data);
                BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc.Compute(chunk.Data));
                state.File.Write(crc);
                entries.WriteVarUInt((ulong)offset);
                entries.WriteVarUInt((ulong)chunk.Data.Length);
                entries.WriteVarInt(chunk.MinT);
                entries.WriteVarUInt((ulong)(chunk.MaxT - chunk.MinT));
                entries.WriteVarUInt((ulong)chunk.Count);
                state.SampleCount += chunk.Count;
                state.MinSampleT = Math.Min(state.MinSampleT, chunk.MinT);
                state.MaxSampleT = Math.Max(state.MaxSampleT, chunk.MaxT);
            }
        }

        return entries;
    }

    private static List<LogPageInfo> WriteLogs(State state, List<StoredLog> logs, ResourceTable resources)
    {
        // Newest first, the order queries read in, so a query stops at the first page older than what it needs.
        logs.Sort((a, b) => b.Key.CompareTo(a.Key));
        var pages = new List<LogPageInfo>();
        using var raw = new ByteWriter(BlockFormat.MaxRawPageBytes + 4096);
        var start = 0;
        for (var i = 0; i <= logs.Count; i++)
        {
            var full = i - start >= BlockFormat.LogsPerPage || raw.Length >= BlockFormat.MaxRawPageBytes;
            if (i == logs.Count || (full && i > start))
            {
                if (i > start)
                {
                    pages.Add(FinishLogPage(state, logs, start, i, raw, resources));
                }

                raw.Reset();
                start = i;
                if (i == logs.Count)
                {
                    break;
                }
            }

            var log = logs[i];
            raw.WriteVarUInt((ulong)log.Seq);
            TelemetryCodec.WriteLog(raw, log.Record, resources.IndexOf(log.Record.Resource));
            state.MinLogTime = Math.Min(state.MinLogTime, log.Record.TimeUnixNano);
            state.MaxLogTime = Math.Max(state.MaxLogTime, log.Record.TimeUnixNano);
            state.MaxLogSeq = Math.Max(state.MaxLogSeq, log.Seq);
        }

        return pages;
    }

    private static LogPageInfo FinishLogPage(State state, List<StoredLog> logs, int start, int end, ByteWriter raw, ResourceTable resources)
    {
        var maxSeverity = int.MinValue;
        ulong resourceMask = 0;
        var bloom = new ulong[TraceBloom.Words];
        for (var i = start; i < end; i++)
        {
            var r = logs[i].Record;
            maxSeverity = Math.Max(maxSeverity, r.SeverityNumber);
            resourceMask |= 1UL << (resources.IndexOf(r.Resource) & 63);
            if (r.TraceId.Length > 0)
            {
                TraceBloom.Add(bloom, r.TraceId);
            }
        }

        var page = WritePage(state, raw.WrittenSpan, end - start);
        var newest = logs[start];
        var oldest = logs[end - 1];
        return new LogPageInfo(page, newest.Record.TimeUnixNano, newest.Seq, oldest.Record.TimeUnixNano, oldest.Seq, maxSeverity, resourceMask, bloom);
    }

    private static (List<PageRef> SpanPages, List<TracePageInfo> TracePages) WriteSpans(State state, List<SpanRecord> spans, ResourceTable resources)
    {
        // Sorted by trace so that a trace's spans are contiguous: GetTrace reads one or two pages.
        spans.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.TraceId, b.TraceId);
            if (c == 0)
            {
                c = a.StartTimeUnixNano.CompareTo(b.StartTimeUnixNano);
            }

            return c != 0 ? c : string.CompareOrdinal(a.SpanId, b.SpanId);
        });

        var spanPages = new List<PageRef>();
        var traces = new List<TraceEntry>();
        using var raw = new ByteWriter(BlockFormat.MaxRawPageBytes + 4096);
        var inPage = 0;
        TraceEntry? current = null;
        for (var i = 0; i < spans.Count; i++)
        {
            if (inPage >= BlockFormat.SpansPerPage || raw.Length >= BlockFormat.MaxRawPageBytes)
            {
                spanPages.Add(WritePage(state, raw.WrittenSpan, inPage));
                raw.Reset();
                inPage = 0;
            }

            var span = spans[i];
            if (current is null || !string.Equals(current.Partial.TraceId, span.TraceId, StringComparison.Ordinal))
            {
                current = new TraceEntry(new TracePartial(span.TraceId), spanPages.Count, inPage);
                traces.Add(current);
            }

            var service = span.Resource.ServiceName;
            current.Partial.AddSpan(service, span.Name, span.ParentSpanId.Length == 0, span.StartTimeUnixNano, span.EndTimeUnixNano, span.StatusCode);
            current.Kinds.Add((service, span.Name, span.StatusCode));
            TelemetryCodec.WriteSpan(raw, span, resources.IndexOf(span.Resource));
            inPage++;
            state.MinSpanStart = Math.Min(state.MinSpanStart, span.StartTimeUnixNano);
            state.MaxSpanStart = Math.Max(state.MaxSpanStart, span.StartTimeUnixNano);
            state.MaxSpanEnd = Math.Max(state.MaxSpanEnd, span.EndTimeUnixNano);
        }

        if (inPage > 0)
        {
            spanPages.Add(WritePage(state, raw.WrittenSpan, inPage));
            raw.Reset();
        }

        state.TraceCount = traces.Count;
        var tracePages = new List<TracePageInfo>();
        for (var start = 0; start < traces.Count;)
        {
            raw.Reset();
            var end = start;
            long minStart = long.MaxValue, maxStart = long.MinValue;
            while (end < traces.Count && end - start < BlockFormat.TracesPerPage && raw.Length < BlockFormat.MaxRawPageBytes)
            {
                var entry = traces[end++];
                WriteTraceEntry(raw, entry);
                minStart = Math.Min(minStart, entry.Partial.Start);
                maxStart = Math.Max(maxStart, entry.Partial.Start);
            }

            var page = WritePage(state, raw.WrittenSpan, end - start);
            tracePages.Add(new TracePageInfo(page, traces[start].Partial.TraceId, minStart, maxStart));
            start = end;
        }

        return (spanPages, tracePages);
    }

    private static void WriteTraceEntry(ByteWriter raw, TraceEntry entry)
    {
        var p = entry.Partial;
        TelemetryCodec.WriteId(raw, p.TraceId);
        raw.WriteVarUInt((ulong)entry.SpanPage);
        raw.WriteVarUInt((ulong)entry.IndexInPage);
        raw.WriteVarUInt((ulong)p.SpanCount);
        raw.WriteVarInt(p.Start);
        raw.WriteVarInt(p.End - p.Start);
        raw.WriteByte((byte)((p.HasError ? 1 : 0) | (p.RootIsParentless ? 2 : 0)));
        raw.WriteString(p.RootService);
        raw.WriteString(p.RootName);
        raw.WriteVarInt(p.RootStart - p.Start);
        raw.WriteVarUInt((ulong)entry.Kinds.Count);
        foreach (var (service, name, status) in entry.Kinds)
        {
            raw.WriteString(service);
            raw.WriteString(name);
            raw.WriteByte((byte)status);
        }
    }

    private static PageRef WritePage(State state, ReadOnlySpan<byte> raw, int count)
    {
        var compressed = PageCompression.Compress(raw);
        var offset = state.File.Position;
        state.File.Write(compressed);
        return new PageRef(offset, compressed.Length, raw.Length, count, Crc.Compute(compressed));
    }

    private static void WritePageRef(ByteWriter index, PageRef page)
    {
        index.WriteVarUInt((ulong)page.Offset);
        index.WriteVarUInt((ulong)page.CompressedLength);
        index.WriteVarUInt((ulong)page.RawLength);
        index.WriteVarUInt((ulong)page.Count);
        index.WriteUInt32(page.Crc);
    }

    private static void WriteMeta(ByteWriter index, State state, long seq, int walSegmentMax, long createdAtMs, BlockContent content)
    {
        index.WriteVarUInt((ulong)seq);
        index.WriteVarInt(walSegmentMax);
        index.WriteVarInt(createdAtMs);
        index.WriteVarInt(state.MinSampleT);
        index.WriteVarInt(state.MaxSampleT);
        index.WriteVarInt(state.MinLogTime);
        index.WriteVarInt(state.MaxLogTime);
        index.WriteVarInt(state.MinSpanStart);
        index.WriteVarInt(state.MaxSpanStart);
        index.WriteVarInt(state.MaxSpanEnd);
        index.WriteVarUInt((ulong)state.SampleCount);
        index.WriteVarUInt((ulong)content.Logs.Count);
        index.WriteVarUInt((ulong)content.Spans.Count);
        index.WriteVarUInt((ulong)state.TraceCount);
        index.WriteVarInt(state.MaxLogSeq);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The next start deletes leftover temporary files.
        }
    }

    private sealed class TraceEntry(TracePartial partial, int spanPage, int indexInPage)
    {
        public TracePartial Partial { get; } = partial;

        public int SpanPage { get; } = spanPage;

        public int IndexInPage { get; } = indexInPage;

        public HashSet<(string Service, string Name, SpanStatusCode Status)> Kinds { get; } = [];
    }

    private sealed class State(FileStream file)
    {
        private readonly Dictionary<string, int> _symbolIds = new(StringComparer.Ordinal);

        public FileStream File { get; } = file;

        public List<string> Symbols { get; } = [];

        public long SampleCount { get; set; }

        public long MinSampleT { get; set; } = long.MaxValue;

        public long MaxSampleT { get; set; } = long.MinValue;

        public long MinLogTime { get; set; } = long.MaxValue;

        public long MaxLogTime { get; set; } = long.MinValue;

        public long MaxLogSeq { get; set; } = -1;

        public long MinSpanStart { get; set; } = long.MaxValue;

        public long MaxSpanStart { get; set; } = long.MinValue;

        public long MaxSpanEnd { get; set; } = long.MinValue;

        public long TraceCount { get; set; }

        public int Symbol(string value)
        {
            if (!_symbolIds.TryGetValue(value, out var id))
            {
                id = Symbols.Count;
                Symbols.Add(value);
                _symbolIds[value] = id;
            }

            return id;
        }
    }
}
