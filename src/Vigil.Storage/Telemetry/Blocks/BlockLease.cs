namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>The blocks one query reads, each held (acquired) until the lease is disposed.</summary>
internal sealed class BlockLease : IDisposable
{
    private BlockLease(List<Block> blocks) => Blocks = blocks;

    public List<Block> Blocks { get; }

    /// <summary>Acquires the blocks that pass <paramref name="include"/>; blocks already deleted by retention are skipped.</summary>
    public static BlockLease Acquire(IEnumerable<Block> blocks, Func<Block, bool> include)
    {
        var acquired = new List<Block>();
        foreach (var block in blocks)
        {
            if (include(block) && block.TryAcquire())
            {
                acquired.Add(block);
            }
        }

        return new BlockLease(acquired);
    }

    public void Dispose()
    {
        foreach (var block in Blocks)
        {
            block.Release();
        }

        Blocks.Clear();
    }
}
