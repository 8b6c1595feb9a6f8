using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Queries;
using Vigil.Storage.Telemetry.Records;

namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>
/// The series of one block in memory: label sets (sorted), chunk references and postings. Immutable; loaded on
/// demand and kept in <see cref="BlockIndexCache"/>.
/// </summary>
internal sealed class BlockSeriesIndex : IPostingsIndex
{
    private readonly LabelSet[] _series;
    private readonly int[] _chunkStart;
    private readonly LabelPostings _postings = new();

    private BlockSeriesIndex(LabelSet[] series, int[] chunkStart, long[] chunkOffset, int[] chunkLength, long[] chunkMinT, long[] chunkMaxT, long estimatedBytes)
    {
        _series = series;
        _chunkStart = chunkStart;
        ChunkOffset = chunkOffset;
        ChunkLength = chunkLength;
        ChunkMinT = chunkMinT;
        ChunkMaxT = chunkMaxT;
        EstimatedBytes = estimatedBytes;
        for (var i = 0; i < series.Length; i++)
        {
            _postings.Add(i, series[i].Labels);
        }
    }

    public int SeriesCount => _series.Length;

    public long[] ChunkOffset { get; }

    public int[] ChunkLength { get; }

    public long[] ChunkMinT { get; }

    public long[] ChunkMaxT { get; }

    /// <summary>Approximate memory held, in bytes, for the cache's bound.</summary>
    public long EstimatedBytes { get; }

    public LabelSet Labels(int ordinal) => _series[ordinal];

    /// <summary>The chunks of a series: indexes [Start, End) into the chunk arrays.</summary>
    public (int Start, int End) ChunkRange(int ordinal) => (_chunkStart[ordinal], _chunkStart[ordinal + 1]);

    /// <summary>The ordinals of the series that match every matcher.</summary>
    public List<int> Select(IReadOnlyList<LabelMatcher> matchers)
    {
        var result = new List<int>();
        var candidates = PostingsQuery.Candidates(this, matchers);
        if (candidates is null)
        {
            for (var i = 0; i < _series.Length; i++)
            {
                if (PostingsQuery.MatchesAll(_series[i], matchers))
                {
                    result.Add(i);
                }
            }
        }
        else
        {
            foreach (var i in candidates)
            {
                if (PostingsQuery.MatchesAll(_series[i], matchers))
                {
                    result.Add(i);
                }
            }
        }

        return result;
    }

    IReadOnlyList<int>? IPostingsIndex.Get(string name, string value) => _postings.Get(name, value);

    IEnumerable<KeyValuePair<string, IReadOnlyList<int>>> IPostingsIndex.Values(string name) => _postings.Values(name);

    public static BlockSeriesIndex Parse(ReadOnlySpan<byte> section, long dataEnd, string name)
    {
        var reader = new ByteReader(section);
        var symbols = new string[reader.ReadCount(1)];
        long bytes = 0;
        for (var i = 0; i < symbols.Length; i++)
        {
            symbols[i] = reader.ReadString();
            bytes += 24 + (2L * symbols[i].Length);
        }

        var seriesCount = reader.ReadCount(2);
        var series = new LabelSet[seriesCount];
        var chunkStart = new int[seriesCount + 1];
        var offsets = new List<long>();
        var lengths = new List<int>();
        var minTs = new List<long>();
        var maxTs = new List<long>();
        var labels = new List<Label>();
        long totalLabels = 0;
        for (var s = 0; s < seriesCount; s++)
        {
            labels.Clear();
            var labelCount = reader.ReadCount(2);
            totalLabels += labelCount;
            for (var l = 0; l < labelCount; l++)
            {
                labels.Add(new Label(Symbol(symbols, reader.ReadVarUInt(), name), Symbol(symbols, reader.ReadVarUInt(), name)));
            }

            series[s] = LabelSet.From(labels);
            chunkStart[s] = offsets.Count;
            var chunks = reader.ReadCount(5);
            for (var c = 0; c < chunks; c++)
            {
                var offset = (long)reader.ReadVarUInt();
                var chunkLength = (int)reader.ReadVarUInt();
                var minT = reader.ReadVarInt();
                var maxT = minT + (long)reader.ReadVarUInt();
                _ = reader.ReadVarUInt();
                if (offset < BlockFormat.Magic.Length || offset + chunkLength + 4 > dataEnd)
                {
                    throw new InvalidDataException($"block {name}: chunk at byte offset {offset} lies outside the chunk area");
                }

                offsets.Add(offset);
                lengths.Add(chunkLength);
                minTs.Add(minT);
                maxTs.Add(maxT);
            }
        }

        chunkStart[seriesCount] = offsets.Count;

        // A label set (~64 bytes), its labels (~16 each) and their postings entries (~8 each, plus list overhead), chunk references (28 each).
        bytes += (seriesCount * 64L) + (totalLabels * 40L) + (offsets.Count * 28L);
        return new BlockSeriesIndex(series, chunkStart, [.. offsets], [.. lengths], [.. minTs], [.. maxTs], bytes);
    }

    private static string Symbol(string[] symbols, ulong index, string name) =>
        index < (ulong)symbols.Length ? symbols[index] : throw new InvalidDataException($"block {name}: symbol {index} out of range");
}
