namespace Vigil.Storage.Telemetry.Chunks;

/// <summary>A sealed, immutable XOR chunk held in memory, with its time range.</summary>
internal readonly record struct ChunkMeta(byte[] Data, long MinT, long MaxT, int Count);
