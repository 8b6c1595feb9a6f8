namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>
/// The series indexes of recently queried blocks, least recently used evicted first, bounded by their estimated
/// bytes. Queries over recent windows touch the newest blocks and keep hitting; a query over the whole retention
/// loads older indexes one after another without holding them all. The most recently loaded index always stays,
/// even when it alone exceeds the bound, so a query can always proceed.
/// </summary>
internal sealed class BlockIndexCache(long maxBytes)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<Block, LinkedListNode<(Block Block, BlockSeriesIndex Index)>> _entries = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<(Block Block, BlockSeriesIndex Index)> _lru = new();
    private long _bytes;

    public long Bytes
    {
        get
        {
            lock (_sync)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The block's series index, loaded (outside the lock) when not cached.</summary>
    public BlockSeriesIndex Get(Block block)
    {
        lock (_sync)
        {
            if (_entries.TryGetValue(block, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                return node.Value.Index;
            }
        }

        var index = block.LoadSeriesIndex();
        lock (_sync)
        {
            if (_entries.TryGetValue(block, out var raced))
            {
                return raced.Value.Index;
            }

            _entries[block] = _lru.AddFirst((block, index));
            _bytes += index.EstimatedBytes;
            while (_bytes > maxBytes && _lru.Count > 1)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _entries.Remove(last.Value.Block);
                _bytes -= last.Value.Index.EstimatedBytes;
            }
        }

        return index;
    }

    /// <summary>Forgets a block (it was deleted or replaced).</summary>
    public void Remove(Block block)
    {
        lock (_sync)
        {
            if (_entries.Remove(block, out var node))
            {
                _lru.Remove(node);
                _bytes -= node.Value.Index.EstimatedBytes;
            }
        }
    }
}
