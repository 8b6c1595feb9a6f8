using System.Buffers.Binary;
using System.Numerics;

namespace Vigil.Storage.Telemetry.Records;

/// <summary>CRC-32C (Castagnoli) over a span, with the usual initial and final inversion.</summary>
internal static class Crc
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        // BitOperations.Crc32C maps to the SSE4.2 / ARMv8 CRC instruction; feeding it 8 bytes at a time is what makes
        // checksumming every WAL frame and chunk cheap compared with the fsync.
        var crc = 0xFFFFFFFFu;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        for (; i < data.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, data[i]);
        }

        return ~crc;
    }
}
