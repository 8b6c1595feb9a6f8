using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Records;

/// <summary>
/// Binary encoding of log records, spans, attributes and resources, shared by the WAL and the block files.
/// Resources are written once per table (a WAL frame or a block page) and referenced by index, because every record
/// of one OTLP resource shares the same resource instance and repeating its attributes would dominate the size.
/// Trace and span ids that are lowercase hex are stored as raw bytes (half the size).
/// </summary>
internal static class TelemetryCodec
{
    public static void WriteAttributes(ByteWriter writer, IReadOnlyList<TelemetryAttribute> attributes)
    {
        writer.WriteVarUInt((ulong)attributes.Count);
        for (var i = 0; i < attributes.Count; i++)
        {
            writer.WriteString(attributes[i].Key);
            writer.WriteString(attributes[i].Value);
        }
    }

    public static IReadOnlyList<TelemetryAttribute> ReadAttributes(ref ByteReader reader)
    {
        var count = reader.ReadCount(2);
        if (count == 0)
        {
            return [];
        }

        var attributes = new TelemetryAttribute[count];
        for (var i = 0; i < count; i++)
        {
            attributes[i] = new TelemetryAttribute(reader.ReadString(), reader.ReadString());
        }

        return attributes;
    }

    /// <summary>Writes an id: lowercase hex as raw bytes (tag bit 1), anything else as a string (tag bit 0).</summary>
    public static void WriteId(ByteWriter writer, string id)
    {
        if (id.Length > 0 && id.Length <= 64 && id.Length % 2 == 0 && IsLowerHex(id))
        {
            var bytes = id.Length / 2;
            writer.WriteVarUInt(((ulong)bytes << 1) | 1);
            var span = writer.Reserve(bytes);
            for (var i = 0; i < bytes; i++)
            {
                span[i] = (byte)((HexValue(id[2 * i]) << 4) | HexValue(id[(2 * i) + 1]));
            }

            return;
        }

        var utf8 = System.Text.Encoding.UTF8.GetByteCount(id);
        writer.WriteVarUInt((ulong)utf8 << 1);
        System.Text.Encoding.UTF8.GetBytes(id, writer.Reserve(utf8));
    }

    public static string ReadId(ref ByteReader reader)
    {
        var tag = reader.ReadVarUInt();
        if (tag > int.MaxValue)
        {
            throw new InvalidDataException($"id length {tag >> 1} at offset {reader.Position} is invalid");
        }

        var length = (int)(tag >> 1);
        if (length == 0)
        {
            return string.Empty;
        }

        var bytes = reader.ReadBytes(length);
        return (tag & 1) == 1 ? Convert.ToHexStringLower(bytes) : System.Text.Encoding.UTF8.GetString(bytes);
    }

    public static void WriteResource(ByteWriter writer, TelemetryResource resource) => WriteAttributes(writer, resource.Attributes);

    public static TelemetryResource ReadResource(ref ByteReader reader)
    {
        var attributes = ReadAttributes(ref reader);
        return attributes.Count == 0 ? TelemetryResource.Empty : new TelemetryResource(attributes);
    }

    public static void WriteLog(ByteWriter writer, LogRecord log, int resourceIndex)
    {
        writer.WriteVarUInt((ulong)resourceIndex);
        writer.WriteVarInt(log.TimeUnixNano);
        writer.WriteVarInt(log.ObservedTimeUnixNano - log.TimeUnixNano);
        writer.WriteVarInt(log.SeverityNumber);
        writer.WriteString(log.SeverityText);
        writer.WriteString(log.Body);
        WriteAttributes(writer, log.Attributes);
        WriteId(writer, log.TraceId);
        WriteId(writer, log.SpanId);
        writer.WriteString(log.ScopeName);
    }

    public static LogRecord ReadLog(ref ByteReader reader, IReadOnlyList<TelemetryResource> resources)
    {
        var resource = ReadResourceRef(ref reader, resources);
        var time = reader.ReadVarInt();
        var observed = time + reader.ReadVarInt();
        var severity = (int)reader.ReadVarInt();
        var severityText = reader.ReadString();
        var body = reader.ReadString();
        var attributes = ReadAttributes(ref reader);
        var traceId = ReadId(ref reader);
        var spanId = ReadId(ref reader);
        var scope = reader.ReadString();
        return new LogRecord(time, observed, severity, severityText, body, attributes, traceId, spanId, resource, scope);
    }

    public static void WriteSpan(ByteWriter writer, SpanRecord span, int resourceIndex)
    {
        writer.WriteVarUInt((ulong)resourceIndex);
        WriteId(writer, span.TraceId);
        WriteId(writer, span.SpanId);
        WriteId(writer, span.ParentSpanId);
        writer.WriteString(span.Name);
        writer.WriteVarUInt((ulong)(int)span.Kind);
        writer.WriteVarInt(span.StartTimeUnixNano);
        writer.WriteVarInt(span.EndTimeUnixNano - span.StartTimeUnixNano);
        writer.WriteVarUInt((ulong)(int)span.StatusCode);
        writer.WriteString(span.StatusMessage);
        WriteAttributes(writer, span.Attributes);
        writer.WriteVarUInt((ulong)span.Events.Count);
        foreach (var e in span.Events)
        {
            writer.WriteVarInt(e.TimeUnixNano - span.StartTimeUnixNano);
            writer.WriteString(e.Name);
            WriteAttributes(writer, e.Attributes);
        }

        writer.WriteVarUInt((ulong)span.Links.Count);
        foreach (var link in span.Links)
        {
            WriteId(writer, link.TraceId);
            WriteId(writer, link.SpanId);
            WriteAttributes(writer, link.Attributes);
        }

        writer.WriteString(span.ScopeName);
    }

    public static SpanRecord ReadSpan(ref ByteReader reader, IReadOnlyList<TelemetryResource> resources)
    {
        var resource = ReadResourceRef(ref reader, resources);
        var traceId = ReadId(ref reader);
        var spanId = ReadId(ref reader);
        var parent = ReadId(ref reader);
        var name = reader.ReadString();
        var kind = (SpanKind)(int)reader.ReadVarUInt();
        var start = reader.ReadVarInt();
        var end = start + reader.ReadVarInt();
        var status = (SpanStatusCode)(int)reader.ReadVarUInt();
        var statusMessage = reader.ReadString();
        var attributes = ReadAttributes(ref reader);
        var eventCount = reader.ReadCount(3);
        var events = eventCount == 0 ? [] : new SpanEvent[eventCount];
        for (var i = 0; i < eventCount; i++)
        {
            var time = start + reader.ReadVarInt();
            events[i] = new SpanEvent(time, reader.ReadString(), ReadAttributes(ref reader));
        }

        var linkCount = reader.ReadCount(3);
        var links = linkCount == 0 ? [] : new SpanLink[linkCount];
        for (var i = 0; i < linkCount; i++)
        {
            links[i] = new SpanLink(ReadId(ref reader), ReadId(ref reader), ReadAttributes(ref reader));
        }

        var scope = reader.ReadString();
        return new SpanRecord(traceId, spanId, parent, name, kind, start, end, status, statusMessage, attributes, events, links, resource, scope);
    }

    private static TelemetryResource ReadResourceRef(ref ByteReader reader, IReadOnlyList<TelemetryResource> resources)
    {
        var index = reader.ReadVarUInt();
        if (index >= (ulong)resources.Count)
        {
            throw new InvalidDataException($"resource index {index} at offset {reader.Position} is out of range ({resources.Count} resources)");
        }

        return resources[(int)index];
    }

    private static bool IsLowerHex(string s)
    {
        foreach (var c in s)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'a' + 10;
}

/// <summary>
/// Assigns indexes to resources within one table, by reference first (records of one OTLP resource share the
/// instance) and then by content, so a table holds each distinct resource once.
/// </summary>
internal sealed class ResourceTable
{
    private readonly Dictionary<TelemetryResource, int> _byReference = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _byContent = new(StringComparer.Ordinal);
    private readonly List<TelemetryResource> _resources = [];

    public IReadOnlyList<TelemetryResource> Resources => _resources;

    public int IndexOf(TelemetryResource resource)
    {
        if (_byReference.TryGetValue(resource, out var index))
        {
            return index;
        }

        var key = ContentKey(resource);
        if (!_byContent.TryGetValue(key, out index))
        {
            index = _resources.Count;
            _resources.Add(resource);
            _byContent[key] = index;
        }

        _byReference[resource] = index;
        return index;
    }

    public void Clear()
    {
        _byReference.Clear();
        _byContent.Clear();
        _resources.Clear();
    }

    private static string ContentKey(TelemetryResource resource)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var a in resource.Attributes)
        {
            sb.Append(a.Key.Length).Append(':').Append(a.Key).Append(a.Value.Length).Append(':').Append(a.Value);
        }

        return sb.ToString();
    }
}
