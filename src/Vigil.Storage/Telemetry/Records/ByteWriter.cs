using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Vigil.Storage.Telemetry.Records;

/// <summary>
/// A growable little-endian byte buffer rented from <see cref="ArrayPool{T}"/>, with varints and UTF-8 strings.
/// The WAL and the block writer reuse one instance per loop, so encoding a batch allocates nothing once the buffer
/// has grown to the working size.
/// </summary>
internal sealed class ByteWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public ByteWriter(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The written bytes.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The written bytes, as memory.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Forgets the content and keeps the buffer.</summary>
    public void Reset() => _length = 0;

    /// <summary>Drops the content after <paramref name="length"/>.</summary>
    public void Truncate(int length) => _length = length;

    /// <summary>Returns a span of <paramref name="count"/> bytes to fill, and advances past it.</summary>
    public Span<byte> Reserve(int count)
    {
        Ensure(count);
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    /// <summary>A writable view of bytes already written (to patch a header).</summary>
    public Span<byte> Slice(int offset, int count) => _buffer.AsSpan(offset, count);

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteVarUInt(ulong value)
    {
        Ensure(10);
        var b = _buffer;
        var i = _length;
        while (value >= 0x80)
        {
            b[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        b[i++] = (byte)value;
        _length = i;
    }

    /// <summary>A signed varint (zig-zag), compact for small deltas of either sign.</summary>
    public void WriteVarInt(long value) => WriteVarUInt((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>A string as a varint byte length and its UTF-8 bytes.</summary>
    public void WriteString(string value)
    {
        // Hot path: encode straight into the buffer instead of allocating a byte[] per string.
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max < 128)
        {
            Ensure(max + 1);
            var written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 1));
            _buffer[_length] = (byte)written;
            _length += written + 1;
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)count);
        Ensure(count);
        Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        _length += count;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _length >= count)
        {
            return;
        }

        var size = Math.Max(_buffer.Length * 2, _length + count);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }
}
