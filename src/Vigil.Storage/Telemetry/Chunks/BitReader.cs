namespace Vigil.Storage.Telemetry.Chunks;

/// <summary>Reads a big-endian bit stream through a 64-bit buffer refilled a byte at a time.</summary>
internal ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private ulong _buffer;
    private int _bufferBits;

    public BitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        _buffer = 0;
        _bufferBits = 0;
    }

    public int ReadBit() => (int)Read(1);

    /// <summary>Reads <paramref name="bits"/> bits (1 to 64).</summary>
    public ulong Read(int bits)
    {
        if (bits > 32)
        {
            var high = Read(bits - 32);
            return (high << 32) | Read(32);
        }

        if (_bufferBits < bits)
        {
            while (_bufferBits <= 56 && _position < _data.Length)
            {
                _buffer |= (ulong)_data[_position++] << (56 - _bufferBits);
                _bufferBits += 8;
            }

            if (_bufferBits < bits)
            {
                throw new InvalidDataException("corrupt chunk: bit stream ends early");
            }
        }

        var value = _buffer >> (64 - bits);
        _buffer <<= bits;
        _bufferBits -= bits;
        return value;
    }
}
