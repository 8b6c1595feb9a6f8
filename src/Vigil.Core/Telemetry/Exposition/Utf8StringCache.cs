using System.Text;

namespace Vigil.Core.Telemetry.Exposition;

/// <summary>
/// A small direct-mapped cache from UTF-8 bytes to strings, so the names and values that repeat on every line of a
/// page (metric names, <c>le</c>, <c>cpu="0"</c>) are decoded once per parse. Bounded: a colliding entry replaces
/// the old one, and keys longer than <see cref="MaxKeyLength"/> are never cached.
/// </summary>
internal sealed class Utf8StringCache
{
    /// <summary>Longer strings are rarely repeated and would hold memory for nothing.</summary>
    public const int MaxKeyLength = 128;

    private readonly byte[]?[] _keys;
    private readonly string?[] _values;
    private readonly int _mask;

    public Utf8StringCache(int slotsPowerOfTwo)
    {
        if (slotsPowerOfTwo <= 0 || (slotsPowerOfTwo & (slotsPowerOfTwo - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slotsPowerOfTwo), "must be a power of two");
        }

        _keys = new byte[slotsPowerOfTwo][];
        _values = new string[slotsPowerOfTwo];
        _mask = slotsPowerOfTwo - 1;
    }

    /// <summary>The string for these bytes, which the caller has checked are valid UTF-8.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (TryGet(utf8, out var cached))
        {
            return cached;
        }

        var s = Encoding.UTF8.GetString(utf8);
        Set(utf8, s);
        return s;
    }

    /// <summary>A cached string for these bytes, if there is one.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out string value)
    {
        if (key.Length <= MaxKeyLength)
        {
            var slot = Slot(key);
            if (_keys[slot] is { } k && key.SequenceEqual(k))
            {
                value = _values[slot]!;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    /// <summary>Caches a string under these bytes, replacing whatever shared the slot.</summary>
    public void Set(ReadOnlySpan<byte> key, string value)
    {
        if (key.Length > MaxKeyLength)
        {
            return;
        }

        var slot = Slot(key);
        _keys[slot] = key.ToArray();
        _values[slot] = value;
    }

    private int Slot(ReadOnlySpan<byte> key)
    {
        // FNV-1a: keys are short, and a deterministic hash keeps behaviour reproducible across runs.
        var h = 2166136261u;
        foreach (var b in key)
        {
            h = (h ^ b) * 16777619u;
        }

        return (int)(h ^ (h >> 15)) & _mask;
    }
}
