using System.Text.Json;
using Google.Protobuf;

namespace Vigil.Server.Security;

/// <summary>
/// Writes a <c>google.rpc.Status</c> (code, message) in the request's own encoding, as OTLP/HTTP requires for
/// errors: protobuf for <c>application/x-protobuf</c> requests, JSON otherwise.
/// </summary>
internal static class OtlpStatusWriter
{
    public static async Task WriteAsync(HttpContext context, int code, string message)
    {
        if ((context.Request.ContentType ?? string.Empty).StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase))
        {
            using var buffer = new MemoryStream();
            var output = new CodedOutputStream(buffer);
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteInt32(code);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString(message);
            output.Flush();
            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.WriteAsync(buffer.ToArray());
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { code, message }));
    }
}
