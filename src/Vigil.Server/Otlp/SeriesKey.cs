using System.Buffers;
using System.Globalization;
using Google.Protobuf.Collections;
using Vigil.Server.Otlp.Protos.Common;

namespace Vigil.Server.Otlp;

/// <summary>
/// Builds, in a reused buffer, the text that identifies a series before its labels exist: the resource's id, the
/// metric's Prometheus name and kind, and the point's attributes. Every string is length-prefixed, so no attribute
/// value can make two different attribute sets read the same. Looked up without allocating (the cache's
/// alternate lookup by span); the string is only materialised for a new cache entry.
/// </summary>
internal sealed class SeriesKey : IDisposable
{
    private char[] _buffer = ArrayPool<char>.Shared.Rent(512);
    private int _length;

    public ReadOnlySpan<char> Span => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    public void Append(long number)
    {
        Ensure(24);
        number.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
        Append('|');
    }

    public void Append(char c)
    {
        Ensure(1);
        _buffer[_length++] = c;
    }

    public void Append(string text) => Append(text.AsSpan());

    public void Append(ReadOnlySpan<char> text)
    {
        Ensure(text.Length + 2);
        _buffer[_length++] = (char)(text.Length & 0xFFFF);
        _buffer[_length++] = (char)(text.Length >> 16);
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }

    /// <summary>Appends attributes as key and value text, exactly as their labels will read.</summary>
    public void Append(RepeatedField<KeyValue> attributes)
    {
        Append(attributes.Count);
        Span<char> digits = stackalloc char[24];
        foreach (var kv in attributes)
        {
            Append(kv.Key);
            var value = kv.Value;
            if (value is null)
            {
                Append(string.Empty);
                continue;
            }

            switch (value.ValueCase)
            {
                case AnyValue.ValueOneofCase.StringValue:
                    Append(value.StringValue);
                    break;
                case AnyValue.ValueOneofCase.IntValue:
                    value.IntValue.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
                    Append(digits[..written]);
                    break;
                case AnyValue.ValueOneofCase.BoolValue:
                    Append(value.BoolValue ? "true" : "false");
                    break;
                default:
                    Append(OtlpValues.ToText(value));
                    break;
            }
        }
    }

    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
