using System.Buffers.Binary;
using System.Text;

namespace Vigil.Storage.Telemetry.Records;

/// <summary>
/// Reads what <see cref="ByteWriter"/> wrote. Every read checks bounds and throws <see cref="InvalidDataException"/>
/// on truncated or malformed input, so a corrupt record can never read outside its own bytes.
/// </summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ByteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Truncated();
        }

        return _data[_position++];
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw Truncated();
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());

    public ulong ReadVarUInt()
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            if (_position >= _data.Length)
            {
                throw Truncated();
            }

            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new InvalidDataException($"varint longer than 10 bytes at offset {_position}");
            }
        }
    }

    public long ReadVarInt()
    {
        var raw = ReadVarUInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>A count or length: a varint that cannot exceed the remaining bytes at <paramref name="minBytesEach"/> per item.</summary>
    public int ReadCount(int minBytesEach = 1)
    {
        var value = ReadVarUInt();
        if (value > int.MaxValue || value * (ulong)Math.Max(1, minBytesEach) > (ulong)Remaining)
        {
            throw new InvalidDataException($"count {value} at offset {_position} exceeds the remaining {Remaining} bytes");
        }

        return (int)value;
    }

    public string ReadString()
    {
        var length = ReadCount();
        return length == 0 ? string.Empty : Encoding.UTF8.GetString(ReadBytes(length));
    }

    private readonly InvalidDataException Truncated() => new($"record truncated at offset {_position} of {_data.Length}");
}
