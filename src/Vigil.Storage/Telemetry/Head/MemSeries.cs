using System.Buffers;
using System.Runtime.InteropServices;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Chunks;

namespace Vigil.Storage.Telemetry.Head;

/// <summary>
/// One series in the head: sealed XOR chunks, one open chunk being appended, and a sorted list of samples that
/// arrived out of order (older than the newest sample, or rewriting a timestamp). At equal timestamps the
/// out-of-order list wins, which makes a rewrite "last write wins". One writer (the commit loop), many readers:
/// a lock per series, held for microseconds.
/// </summary>
internal sealed class MemSeries
{
    private const int FixedOverheadBytes = 160;
    private const int OutOfOrderEntryBytes = 24;
    private readonly Lock _sync = new();
    private readonly List<ChunkMeta> _sealed = [];
    private XorAppender? _open;
    private List<Sample>? _outOfOrder;
    private long _sealedBytes;

    public MemSeries(int id, LabelSet labels)
    {
        Id = id;
        Labels = labels;
    }

    /// <summary>The series' number within its head: dense, used as the WAL reference and in the postings.</summary>
    public int Id { get; }

    public LabelSet Labels { get; }

    /// <summary>The WAL segment in which this series' labels were last written; only the commit loop touches it.</summary>
    public int WalSegment { get; set; } = -1;

    /// <summary>Approximate bytes held, for the head's memory bound.</summary>
    public long ApproxBytes
    {
        get
        {
            lock (_sync)
            {
                return ApproxBytesLocked();
            }
        }
    }

    /// <summary>Appends a sample; returns the change in <see cref="ApproxBytes"/>.</summary>
    public long Append(long t, double value)
    {
        lock (_sync)
        {
            var before = ApproxBytesLocked();
            if (_open is { Count: > 0 } open)
            {
                if (t > open.MaxT)
                {
                    open.Append(t, value);
                    if (open.Count >= XorChunk.TargetSamples)
                    {
                        Seal(open);
                    }
                }
                else
                {
                    AddOutOfOrder(t, value);
                }
            }
            else if (_sealed.Count == 0 || t > _sealed[^1].MaxT)
            {
                _open ??= new XorAppender();
                _open.Append(t, value);
            }
            else
            {
                AddOutOfOrder(t, value);
            }

            return ApproxBytesLocked() - before;
        }
    }

    /// <summary>Appends the samples in [<paramref name="minT"/>, <paramref name="maxT"/>] to <paramref name="output"/>, sorted, without duplicates.</summary>
    public void Read(long minT, long maxT, List<Sample> output)
    {
        lock (_sync)
        {
            var start = output.Count;
            foreach (var chunk in _sealed)
            {
                if (chunk.MaxT >= minT && chunk.MinT <= maxT)
                {
                    XorChunk.Decode(chunk.Data, minT, maxT, output);
                }
            }

            if (_open is { Count: > 0 } open && open.MaxT >= minT && open.MinT <= maxT)
            {
                DecodeOpen(open, minT, maxT, output);
            }

            if (_outOfOrder is { Count: > 0 } ooo)
            {
                var span = CollectionsMarshal.AsSpan(ooo);
                var lo = LowerBound(span, minT);
                var hi = LowerBound(span, maxT == long.MaxValue ? maxT : maxT + 1);
                SampleMerge.MergeNewer(output, start, span[lo..hi]);
            }
        }
    }

    /// <summary>Whether the series has a sample in [<paramref name="minT"/>, <paramref name="maxT"/>].</summary>
    public bool HasSampleIn(long minT, long maxT)
    {
        lock (_sync)
        {
            if (_outOfOrder is { Count: > 0 } ooo)
            {
                var span = CollectionsMarshal.AsSpan(ooo);
                var lo = LowerBound(span, minT);
                if (lo < span.Length && span[lo].TimestampMs <= maxT)
                {
                    return true;
                }
            }

            foreach (var chunk in _sealed)
            {
                if (ChunkHasSampleIn(chunk.MinT, chunk.MaxT, minT, maxT, chunk.Data))
                {
                    return true;
                }
            }

            if (_open is { Count: > 0 } open && open.MaxT >= minT && open.MinT <= maxT)
            {
                if (open.MinT >= minT || open.MaxT <= maxT)
                {
                    return true;
                }

                var probe = new List<Sample>();
                DecodeOpen(open, minT, maxT, probe);
                return probe.Count > 0;
            }

            return false;
        }
    }

    /// <summary>
    /// The series' samples cut into chunks for a block, oldest first. Called on a frozen head (no more appends).
    /// Sealed chunks are reused as they are unless out-of-order samples must be merged in.
    /// </summary>
    public List<ChunkMeta> ChunksForBlock()
    {
        lock (_sync)
        {
            var result = new List<ChunkMeta>(_sealed.Count + 1);
            if (_outOfOrder is not { Count: > 0 })
            {
                result.AddRange(_sealed);
                if (_open is { Count: > 0 } open)
                {
                    result.Add(new ChunkMeta(open.ToArray(), open.MinT, open.MaxT, open.Count));
                }

                return result;
            }

            var all = new List<Sample>();
            Read(long.MinValue, long.MaxValue, all);
            var span = CollectionsMarshal.AsSpan(all);
            for (var i = 0; i < span.Length; i += XorChunk.TargetSamples)
            {
                var part = span.Slice(i, Math.Min(XorChunk.TargetSamples, span.Length - i));
                result.Add(new ChunkMeta(XorChunk.Encode(part), part[0].TimestampMs, part[^1].TimestampMs, part.Length));
            }

            return result;
        }
    }

    internal static bool ChunkHasSampleIn(long chunkMinT, long chunkMaxT, long minT, long maxT, ReadOnlySpan<byte> data)
    {
        if (chunkMaxT < minT || chunkMinT > maxT)
        {
            return false;
        }

        if (chunkMinT >= minT || chunkMaxT <= maxT)
        {
            // The first or the last sample of the chunk is inside the window.
            return true;
        }

        // The window falls strictly inside the chunk: only decoding tells whether a sample lands in it.
        var probe = new List<Sample>();
        XorChunk.Decode(data, minT, maxT, probe);
        return probe.Count > 0;
    }

    private static void DecodeOpen(XorAppender open, long minT, long maxT, List<Sample> output)
    {
        // Snapshot the open chunk into a pooled buffer: no allocation per read of a hot series.
        var buffer = ArrayPool<byte>.Shared.Rent(open.FinishedLength + 8);
        try
        {
            var length = open.CopyTo(buffer);
            XorChunk.Decode(buffer.AsSpan(0, length), minT, maxT, output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int LowerBound(ReadOnlySpan<Sample> samples, long t)
    {
        int lo = 0, hi = samples.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (samples[mid].TimestampMs < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void Seal(XorAppender open)
    {
        var data = open.ToArray();
        _sealed.Add(new ChunkMeta(data, open.MinT, open.MaxT, open.Count));
        _sealedBytes += data.Length;
        open.Reset();
    }

    private void AddOutOfOrder(long t, double value)
    {
        _outOfOrder ??= [];
        var span = CollectionsMarshal.AsSpan(_outOfOrder);
        var index = LowerBound(span, t);
        if (index < span.Length && span[index].TimestampMs == t)
        {
            _outOfOrder[index] = new Sample(t, value);
        }
        else
        {
            _outOfOrder.Insert(index, new Sample(t, value));
        }
    }

    private long ApproxBytesLocked() =>
        FixedOverheadBytes + _sealedBytes + (_sealed.Count * 40) + (_open?.Capacity ?? 0) + ((_outOfOrder?.Count ?? 0) * OutOfOrderEntryBytes);
}
