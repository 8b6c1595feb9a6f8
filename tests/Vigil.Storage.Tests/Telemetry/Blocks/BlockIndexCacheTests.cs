using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Blocks;
using Vigil.Storage.Telemetry.Chunks;
using Vigil.Storage.Telemetry.Queries;

namespace Vigil.Storage.Tests.Telemetry.Blocks;

public sealed class BlockIndexCacheTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public void Get_MoreIndexesThanTheBound_EvictsLeastRecentlyUsedAndStaysWithinBytes()
    {
        var blocks = Enumerable.Range(1, 4).Select(i => WriteBlock(i, series: 200)).ToList();
        var oneIndex = blocks[0].LoadSeriesIndex().EstimatedBytes;
        var cache = new BlockIndexCache((oneIndex * 2) + (oneIndex / 2));

        var first = cache.Get(blocks[0]);
        cache.Get(blocks[1]);
        Assert.Same(first, cache.Get(blocks[0]));
        cache.Get(blocks[2]);
        cache.Get(blocks[3]);

        Assert.Equal(2, cache.Count);
        Assert.True(cache.Bytes <= (oneIndex * 2) + (oneIndex / 2));
        Assert.NotSame(first, cache.Get(blocks[0]));
        blocks.ForEach(b => b.Retire(deleteFile: false));
    }

    [Fact]
    public void Get_SingleIndexLargerThanTheBound_IsStillReturnedAndKept()
    {
        var block = WriteBlock(1, series: 50);
        var cache = new BlockIndexCache(1);

        var index = cache.Get(block);

        Assert.Equal(50, index.SeriesCount);
        Assert.Equal(1, cache.Count);
        block.Retire(deleteFile: false);
    }

    [Fact]
    public void Remove_CachedBlock_ReleasesItsBytes()
    {
        var block = WriteBlock(1, series: 10);
        var cache = new BlockIndexCache(1 << 20);
        cache.Get(block);

        cache.Remove(block);

        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
        block.Retire(deleteFile: false);
    }

    public void Dispose() => _directory.Dispose();

    private Block WriteBlock(int seq, int series)
    {
        var content = new BlockContent
        {
            Series = [.. Enumerable.Range(0, series)
                .Select(i => (Labels: TestTelemetry.Series("m", ("i", i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture))),
                    Chunks: new List<ChunkMeta> { new(XorChunk.Encode([new Sample(1000, i), new Sample(2000, i)]), 1000, 2000, 2) }))
                .OrderBy(s => s.Labels, LabelSetComparer.Instance)],
            Logs = [],
            Spans = [],
        };
        return Block.Open(BlockWriter.Write(_directory.Path, seq, seq, 0, content));
    }
}
