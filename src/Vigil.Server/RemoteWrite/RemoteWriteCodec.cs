using Google.Protobuf;
using Snappier;
using Vigil.Server.RemoteWrite.Protos;

namespace Vigil.Server.RemoteWrite;

/// <summary>
/// The remote-write 1.0 wire form: a <see cref="WriteRequest"/> in protobuf, snappy block-compressed (not framed).
/// Shared by the receiver, the sender and the tools that load data into Vigil.
/// </summary>
internal static class RemoteWriteCodec
{
    /// <summary>The request content type of remote-write 1.0.</summary>
    public const string ContentType = "application/x-protobuf";

    /// <summary>The content encoding of remote-write 1.0.</summary>
    public const string ContentEncoding = "snappy";

    /// <summary>The protocol version header and value a 1.0 sender sends.</summary>
    public const string VersionHeader = "X-Prometheus-Remote-Write-Version";

    /// <summary>The version 1.0 senders send.</summary>
    public const string Version = "0.1.0";

    /// <summary>Serialises and compresses a request.</summary>
    public static byte[] Encode(WriteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Snappy.CompressToArray(request.ToByteArray());
    }

    /// <summary>
    /// Decompresses and parses a body. Fails with <see cref="FormatException"/> naming what was wrong: not snappy, a
    /// decompressed size over <paramref name="maxDecodedBytes"/>, or not a WriteRequest.
    /// </summary>
    public static WriteRequest Decode(ReadOnlySpan<byte> body, long maxDecodedBytes)
    {
        int length;
        try
        {
            length = Snappy.GetUncompressedLength(body);
        }
        catch (InvalidDataException ex)
        {
            throw new FormatException("the body is not snappy block-compressed: " + ex.Message, ex);
        }

        if (length > maxDecodedBytes)
        {
            throw new DecodedTooLargeException($"the body decompresses to {length} bytes, over the limit of {maxDecodedBytes}");
        }

        var decoded = new byte[length];
        try
        {
            var written = Snappy.Decompress(body, decoded);
            if (written != length)
            {
                throw new FormatException($"the snappy body decompressed to {written} bytes, but its header says {length}");
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            // Snappier reports corrupt input as InvalidDataException; truncated copies can surface as the others.
            throw new FormatException("the body is not valid snappy: " + ex.Message, ex);
        }

        try
        {
            return WriteRequest.Parser.ParseFrom(decoded);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new FormatException("the body is not a remote-write WriteRequest: " + ex.Message, ex);
        }
    }
}

/// <summary>A remote-write body decompresses to more than the configured limit (413).</summary>
internal sealed class DecodedTooLargeException(string message) : FormatException(message);
