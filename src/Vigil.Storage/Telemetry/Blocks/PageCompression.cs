using System.IO.Compression;

namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>
/// Compression of log, span and trace pages in blocks: Brotli at quality 1, chosen by measurement
/// (docs/decisions/0001-telemetry-store.md): on log pages it compresses better than zlib's fastest level at the same
/// speed (4.9x against 4.3x, ~270 MB/s), and higher qualities gain a few percent for a fraction of the speed. The
/// span-based API needs no stream objects.
/// </summary>
internal static class PageCompression
{
    /// <summary>Brotli quality (0-11). Low qualities compress repetitive telemetry almost as well, many times faster.</summary>
    public const int Quality = 1;

    private const int Window = 22;

    public static byte[] Compress(ReadOnlySpan<byte> raw)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(raw.Length)];
        if (!BrotliEncoder.TryCompress(raw, buffer, out var written, Quality, Window))
        {
            throw new InvalidOperationException("Brotli compression failed");
        }

        return buffer.AsSpan(0, written).ToArray();
    }

    public static void Decompress(ReadOnlySpan<byte> compressed, Span<byte> raw)
    {
        if (!BrotliDecoder.TryDecompress(compressed, raw, out var written) || written != raw.Length)
        {
            throw new InvalidDataException($"corrupt page: decompressed {written} of {raw.Length} bytes");
        }
    }
}
