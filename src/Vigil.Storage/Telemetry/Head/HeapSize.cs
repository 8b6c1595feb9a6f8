using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Head;

/// <summary>
/// Estimates the managed memory a log record or span holds in the head, object by object, so that
/// <see cref="TelemetryStoreOptions.MaxHeadBytes"/> bounds real memory. Encoded (UTF-8, shared) sizes undercount the
/// in-memory form by two to three times: every string is a UTF-16 object with its own header, and every attribute list
/// is an array. Resources are shared by the records of one request and counted once per record's reference only.
/// </summary>
internal static class HeapSize
{
    // Object header plus method table pointer on 64-bit.
    private const int ObjectHeader = 16;
    private const int Reference = 8;

    public static long Of(LogRecord log) =>
        ObjectHeader + (10 * Reference) + 16 // the record's fields
        + Of(log.SeverityText) + Of(log.Body) + Of(log.TraceId) + Of(log.SpanId) + Of(log.ScopeName)
        + Of(log.Attributes);

    public static long Of(SpanRecord span)
    {
        var bytes = ObjectHeader + (14 * Reference) + 32
            + Of(span.TraceId) + Of(span.SpanId) + Of(span.ParentSpanId) + Of(span.Name) + Of(span.StatusMessage) + Of(span.ScopeName)
            + Of(span.Attributes);
        foreach (var e in span.Events)
        {
            bytes += ObjectHeader + (3 * Reference) + Of(e.Name) + Of(e.Attributes);
        }

        foreach (var link in span.Links)
        {
            bytes += ObjectHeader + (3 * Reference) + Of(link.TraceId) + Of(link.SpanId) + Of(link.Attributes);
        }

        return bytes + ArrayOf(span.Events.Count) + ArrayOf(span.Links.Count);
    }

    private static long Of(IReadOnlyList<TelemetryAttribute> attributes)
    {
        long bytes = ArrayOf(attributes.Count * 2);
        foreach (var attribute in attributes)
        {
            bytes += Of(attribute.Key) + Of(attribute.Value);
        }

        return bytes;
    }

    // A string: header, length, UTF-16 characters and a terminator, rounded up to 8 bytes. Empty strings are shared.
    private static long Of(string value) => value.Length == 0 ? 0 : ((ObjectHeader + 4 + (2L * (value.Length + 1)) + 7) & ~7L);

    private static long ArrayOf(int references) => references == 0 ? 0 : ObjectHeader + 8 + ((long)references * Reference);
}
