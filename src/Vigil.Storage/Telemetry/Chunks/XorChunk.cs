using System.Buffers.Binary;
using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Chunks;

/// <summary>
/// Gorilla-style compression of a run of samples, as Prometheus stores them: timestamps as delta-of-delta in
/// variable bit widths, values as the XOR with the previous value. A regular scrape series takes 1-2 bytes per
/// sample instead of 16. Layout: a little-endian <c>u16</c> sample count, then the bit stream. Timestamps in a chunk
/// must be strictly increasing.
/// </summary>
internal static class XorChunk
{
    /// <summary>Samples per chunk when cutting series into chunks (Prometheus's figure: small enough to skip by time, large enough to compress).</summary>
    public const int TargetSamples = 120;

    /// <summary>Encodes strictly increasing samples into a new chunk.</summary>
    public static byte[] Encode(ReadOnlySpan<Sample> samples)
    {
        if (samples.Length is 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"a chunk holds 1 to {ushort.MaxValue} samples, got {samples.Length}", nameof(samples));
        }

        var appender = new XorAppender(16 + (samples.Length * 3));
        foreach (var s in samples)
        {
            appender.Append(s.TimestampMs, s.Value);
        }

        return appender.ToArray();
    }

    /// <summary>The number of samples in a chunk.</summary>
    public static int Count(ReadOnlySpan<byte> chunk) => chunk.Length < 2 ? 0 : BinaryPrimitives.ReadUInt16LittleEndian(chunk);

    /// <summary>Appends the chunk's samples with a timestamp in [<paramref name="minT"/>, <paramref name="maxT"/>] to <paramref name="output"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> chunk, long minT, long maxT, List<Sample> output)
    {
        var count = Count(chunk);
        if (count == 0)
        {
            return;
        }

        var reader = new BitReader(chunk[2..]);
        var t = (long)reader.Read(64);
        var bits = reader.Read(64);
        if (t > maxT)
        {
            return;
        }

        if (t >= minT)
        {
            output.Add(new Sample(t, BitConverter.UInt64BitsToDouble(bits)));
        }

        long delta = 0;
        var lead = 0;
        var trail = 0;
        for (var i = 1; i < count; i++)
        {
            long dod;
            if (reader.ReadBit() == 0)
            {
                dod = 0;
            }
            else if (reader.ReadBit() == 0)
            {
                dod = SignExtend(reader.Read(14), 14);
            }
            else if (reader.ReadBit() == 0)
            {
                dod = SignExtend(reader.Read(17), 17);
            }
            else if (reader.ReadBit() == 0)
            {
                dod = SignExtend(reader.Read(20), 20);
            }
            else
            {
                dod = (long)reader.Read(64);
            }

            delta += dod;
            t += delta;

            if (reader.ReadBit() == 1)
            {
                if (reader.ReadBit() == 1)
                {
                    lead = (int)reader.Read(5);
                    var significant = (int)reader.Read(6);
                    if (significant == 0)
                    {
                        significant = 64;
                    }

                    trail = 64 - lead - significant;
                    if (trail < 0)
                    {
                        throw new InvalidDataException("corrupt chunk: invalid XOR window");
                    }
                }

                bits ^= reader.Read(64 - lead - trail) << trail;
            }

            if (t > maxT)
            {
                return;
            }

            if (t >= minT)
            {
                output.Add(new Sample(t, BitConverter.UInt64BitsToDouble(bits)));
            }
        }
    }

    private static long SignExtend(ulong value, int bits)
    {
        // The encoder's ranges are [-(2^(n-1) - 1), 2^(n-1)], as in Prometheus.
        var v = (long)value;
        return v > 1L << (bits - 1) ? v - (1L << bits) : v;
    }
}
