namespace Vigil.Storage.Telemetry.Head;

/// <summary>
/// A list with one writer and many lock-free readers. Items live in fixed-size chunks that never move; the writer
/// fills an item, then publishes the new count with a release write, so a reader that reads the count first sees
/// every item below it. Growing replaces only the chunk directory.
/// </summary>
internal sealed class AppendOnlyList<T>
{
    public const int ChunkShift = 10;
    public const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;
    private T[][] _chunks = new T[4][];
    private int _count;

    /// <summary>The published count; items below it are safe to read.</summary>
    public int Count => Volatile.Read(ref _count);

    public T this[int index] => Volatile.Read(ref _chunks)[index >> ChunkShift][index & ChunkMask];

    /// <summary>
    /// Replaces a published item; only the single writer may call this, and only for values a reader may see in
    /// either state (the log runs widen their time range: an old or a torn value is still a valid bound).
    /// </summary>
    public void Set(int index, T item) => _chunks[index >> ChunkShift][index & ChunkMask] = item;

    /// <summary>Adds an item; only the single writer may call this. Returns its index.</summary>
    public int Add(T item)
    {
        var index = _count;
        var chunk = index >> ChunkShift;
        var chunks = _chunks;
        if (chunk == chunks.Length)
        {
            var bigger = new T[chunks.Length * 2][];
            Array.Copy(chunks, bigger, chunks.Length);
            chunks = bigger;
            Volatile.Write(ref _chunks, bigger);
        }

        (chunks[chunk] ??= new T[ChunkSize])[index & ChunkMask] = item;
        Volatile.Write(ref _count, index + 1);
        return index;
    }
}
