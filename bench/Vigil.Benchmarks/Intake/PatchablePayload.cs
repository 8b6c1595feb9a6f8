using System.Buffers.Binary;

namespace Vigil.Benchmarks.Intake;

/// <summary>
/// A pre-encoded protobuf request whose fixed-width fields (fixed64 timestamps, 16-byte trace ids) can be rewritten
/// in place, so the driver sends fresh timestamps and ids without encoding anything during the run. The offsets are
/// found by encoding sentinel values and searching for their bytes.
/// </summary>
internal sealed class PatchablePayload
{
    private readonly byte[] _template;
    private readonly int[] _timestampOffsets;
    private readonly int[] _traceIdOffsets;

    private readonly int _spansPerTrace;

    private readonly int _timestampWidth;
    private readonly bool _textTimestamps;

    public PatchablePayload(byte[] template, ulong timestampSentinel, byte[]? traceIdSentinelPrefix, int items, int spansPerTrace = 1)
        : this(template, BitConverter.GetBytes(timestampSentinel), textTimestamps: false, traceIdSentinelPrefix, items, spansPerTrace)
    {
    }

    /// <summary>A text template (Prometheus exposition) whose timestamps are 13 ASCII digits of Unix milliseconds.</summary>
    public static PatchablePayload Text(byte[] template, string timestampSentinel, int items) =>
        new(template, System.Text.Encoding.ASCII.GetBytes(timestampSentinel), textTimestamps: true, null, items, 1);

    private PatchablePayload(byte[] template, byte[] timestampSentinel, bool textTimestamps, byte[]? traceIdSentinelPrefix, int items, int spansPerTrace)
    {
        _template = template;
        Items = items;
        _spansPerTrace = spansPerTrace;
        _textTimestamps = textTimestamps;
        _timestampWidth = timestampSentinel.Length;
        _timestampOffsets = FindAll(template, timestampSentinel);
        _traceIdOffsets = traceIdSentinelPrefix is null ? [] : FindAll(template, traceIdSentinelPrefix);
        if (_timestampOffsets.Length == 0)
        {
            throw new InvalidOperationException("no timestamp sentinel found in the template");
        }
    }

    /// <summary>Items (samples, log records, spans) in one request.</summary>
    public int Items { get; }

    public int Length => _template.Length;

    /// <summary>Copies the template into <paramref name="buffer"/> with every timestamp set and trace ids made unique.</summary>
    public void Render(byte[] buffer, ulong unixNano, long traceCounter)
    {
        _template.CopyTo(buffer, 0);
        foreach (var offset in _timestampOffsets)
        {
            if (_textTimestamps)
            {
                (unixNano / 1_000_000).TryFormat(buffer.AsSpan(offset, _timestampWidth), out _, "D13", System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(offset), unixNano);
            }
        }

        for (var i = 0; i < _traceIdOffsets.Length; i++)
        {
            // Bytes 0-7 carry a per-request counter, 8-11 the trace's index in the request: unique per run.
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(_traceIdOffsets[i]), traceCounter);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(_traceIdOffsets[i] + 8), i / _spansPerTrace);
        }
    }

    private static int[] FindAll(byte[] haystack, byte[] needle)
    {
        var found = new List<int>();
        var span = haystack.AsSpan();
        var start = 0;
        while (true)
        {
            var index = span[start..].IndexOf(needle);
            if (index < 0)
            {
                return [.. found];
            }

            found.Add(start + index);
            start += index + needle.Length;
        }
    }
}
