using System.Buffers.Binary;
using System.Numerics;

namespace Vigil.Storage.Telemetry.Chunks;

/// <summary>
/// Builds one XOR chunk (see <see cref="XorChunk"/>) a sample at a time. The head keeps one open appender per series,
/// so recent samples sit in memory compressed (about 1-2 bytes each) rather than as 16-byte pairs. Not thread-safe:
/// the owner serialises access.
/// </summary>
internal sealed class XorAppender
{
    private byte[] _bytes;
    private int _length;
    private ulong _acc;
    private int _accBits;
    private int _count;
    private long _prevT;
    private long _prevDelta;
    private ulong _prevV;
    private int _prevLead;
    private int _prevTrail;

    public XorAppender(int initialCapacity = 32)
    {
        _bytes = new byte[Math.Max(16, initialCapacity)];
        Reset();
    }

    /// <summary>Samples appended.</summary>
    public int Count => _count;

    /// <summary>The first timestamp (undefined when empty).</summary>
    public long MinT { get; private set; }

    /// <summary>The last timestamp (undefined when empty).</summary>
    public long MaxT => _prevT;

    /// <summary>Bytes held, for the head's memory accounting.</summary>
    public int Capacity => _bytes.Length;

    /// <summary>The length of the finished chunk.</summary>
    public int FinishedLength => _length + ((_accBits + 7) / 8);

    public void Reset()
    {
        _length = 2;
        _acc = 0;
        _accBits = 0;
        _count = 0;
        _prevDelta = 0;
        _prevLead = -1;
        _prevTrail = 0;
    }

    /// <summary>Appends a sample; its timestamp must be greater than <see cref="MaxT"/>.</summary>
    public void Append(long t, double value)
    {
        var v = BitConverter.DoubleToUInt64Bits(value);
        if (_count == 0)
        {
            MinT = t;
            Write((ulong)t, 64);
            Write(v, 64);
        }
        else
        {
            AppendTimestamp(t);
            AppendValue(v);
        }

        _prevT = t;
        _prevV = v;
        _count++;
    }

    /// <summary>Copies the finished chunk (header, stream, padding) into <paramref name="destination"/>; returns its length.</summary>
    public int CopyTo(Span<byte> destination)
    {
        var length = FinishedLength;
        _bytes.AsSpan(2, _length - 2).CopyTo(destination[2..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)_count);
        if (_accBits > 0)
        {
            Span<byte> tail = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(tail, _acc << (64 - _accBits));
            tail[..(length - _length)].CopyTo(destination[_length..]);
        }

        return length;
    }

    /// <summary>The finished chunk as a new array.</summary>
    public byte[] ToArray()
    {
        var result = new byte[FinishedLength];
        CopyTo(result);
        return result;
    }

    private void AppendTimestamp(long t)
    {
        var delta = t - _prevT;
        var dod = delta - _prevDelta;
        if (dod == 0)
        {
            Write(0, 1);
        }
        else if (dod is >= -8191 and <= 8192)
        {
            Write((0b10UL << 14) | ((ulong)dod & 0x3FFF), 16);
        }
        else if (dod is >= -65535 and <= 65536)
        {
            Write((0b110UL << 17) | ((ulong)dod & 0x1FFFF), 20);
        }
        else if (dod is >= -524287 and <= 524288)
        {
            Write((0b1110UL << 20) | ((ulong)dod & 0xFFFFF), 24);
        }
        else
        {
            Write(0b1111, 4);
            Write((ulong)dod, 64);
        }

        _prevDelta = delta;
    }

    private void AppendValue(ulong v)
    {
        var xor = v ^ _prevV;
        if (xor == 0)
        {
            Write(0, 1);
            return;
        }

        var lead = Math.Min(31, BitOperations.LeadingZeroCount(xor));
        var trail = BitOperations.TrailingZeroCount(xor);
        if (_prevLead >= 0 && lead >= _prevLead && trail >= _prevTrail)
        {
            Write(0b10, 2);
            Write(xor >> _prevTrail, 64 - _prevLead - _prevTrail);
            return;
        }

        var significant = 64 - lead - trail;
        Write((0b11UL << 11) | ((ulong)(uint)lead << 6) | (uint)(significant & 63), 13);
        Write(xor >> trail, significant);
        _prevLead = lead;
        _prevTrail = trail;
    }

    /// <summary>Writes the low <paramref name="bits"/> bits (1 to 64) of <paramref name="value"/>, most significant first.</summary>
    private void Write(ulong value, int bits)
    {
        if (bits < 64)
        {
            value &= (1UL << bits) - 1;
        }

        var free = 64 - _accBits;
        if (bits < free)
        {
            _acc = (_acc << bits) | value;
            _accBits += bits;
            return;
        }

        var rest = bits - free;
        _acc = free == 64 ? value >> rest : (_acc << free) | (value >> rest);
        if (_bytes.Length - _length < 8)
        {
            Array.Resize(ref _bytes, _bytes.Length * 2);
        }

        BinaryPrimitives.WriteUInt64BigEndian(_bytes.AsSpan(_length), _acc);
        _length += 8;
        _acc = rest == 0 ? 0 : value & ((1UL << rest) - 1);
        _accBits = rest;
    }
}
