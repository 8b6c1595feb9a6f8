namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>
/// The layout of a block file (one file per block, immutable once written):
/// <code>
/// "VGBLK001"
/// chunks      each series' XOR chunks back to back, each followed by its u32 CRC-32C
/// log pages   Brotli-compressed runs of log records, newest first
/// span pages  Brotli-compressed runs of spans, sorted by trace id then start
/// trace pages Brotli-compressed trace entries sorted by trace id: where the spans are, and the trace's summary
/// series      symbols, then every series (sorted by labels) with its chunk references
/// index       metadata, resources, page directories
/// footer      (u64 offset | u32 length | u32 CRC-32C) of the series section, then of the index | "VGBLKEND"
/// </code>
/// The index is read into memory when the block opens. The series section, which grows with the number of series,
/// is loaded on demand through a cache bounded in bytes (<see cref="BlockIndexCache"/>), so the memory a store
/// needs does not grow with series times blocks. Chunks and pages are read on demand with positional reads.
/// A block is written to a temporary name, fsynced, renamed and its directory synced, so it exists whole or not at all.
/// </summary>
internal static class BlockFormat
{
    public const int Version = 1;
    public const int FooterBytes = 40;
    public const string Extension = ".block";
    public const string TemporaryExtension = ".block.tmp";

    /// <summary>Log records per page: small enough to skip by time and service, large enough to compress well.</summary>
    public const int LogsPerPage = 512;

    public const int SpansPerPage = 512;

    public const int TracesPerPage = 512;

    /// <summary>A page is also cut at this many uncompressed bytes, so one page never needs a large buffer.</summary>
    public const int MaxRawPageBytes = 256 * 1024;

    public static ReadOnlySpan<byte> Magic => "VGBLK001"u8;

    public static ReadOnlySpan<byte> EndMagic => "VGBLKEND"u8;
}

/// <summary>The time ranges and counts of a block.</summary>
internal sealed record BlockMeta(
    long Seq,
    int WalSegmentMax,
    long CreatedAtMs,
    long MinSampleT,
    long MaxSampleT,
    long MinLogTime,
    long MaxLogTime,
    long MinSpanStart,
    long MaxSpanStart,
    long MaxSpanEnd,
    long SampleCount,
    long LogCount,
    long SpanCount,
    long TraceCount,
    long MaxLogSeq)
{
    /// <summary>The newest data time in the block, Unix milliseconds (for retention by age).</summary>
    public long MaxTimeMs
    {
        get
        {
            var max = MaxSampleT;
            if (LogCount > 0)
            {
                max = Math.Max(max, MaxLogTime / 1_000_000);
            }

            if (SpanCount > 0)
            {
                max = Math.Max(max, MaxSpanEnd / 1_000_000);
            }

            return max;
        }
    }
}

/// <summary>Where a compressed page is and what it holds.</summary>
internal readonly record struct PageRef(long Offset, int CompressedLength, int RawLength, int Count, uint Crc);

/// <summary>A log page and what lets a query skip it.</summary>
internal sealed record LogPageInfo(
    PageRef Page,
    long MaxTime,
    long MaxSeq,
    long MinTime,
    long MinSeq,
    int MaxSeverity,
    ulong ResourceMask,
    ulong[] TraceBloom);

/// <summary>A trace page: its first trace id (pages are sorted by id) and the range of trace start times in it.</summary>
internal sealed record TracePageInfo(PageRef Page, string FirstTraceId, long MinStart, long MaxStart);

/// <summary>A 256-bit Bloom filter of trace ids with two probes, hashed with FNV-1a (stable across processes).</summary>
internal static class TraceBloom
{
    public const int Words = 4;

    public static void Add(ulong[] bloom, string traceId)
    {
        var (a, b) = Probes(traceId);
        bloom[a >> 6] |= 1UL << (a & 63);
        bloom[b >> 6] |= 1UL << (b & 63);
    }

    public static bool MayContain(ulong[] bloom, string traceId)
    {
        var (a, b) = Probes(traceId);
        return (bloom[a >> 6] & (1UL << (a & 63))) != 0 && (bloom[b >> 6] & (1UL << (b & 63))) != 0;
    }

    private static (int A, int B) Probes(string s)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return ((int)(h & 255), (int)((h >> 8) & 255));
    }
}
