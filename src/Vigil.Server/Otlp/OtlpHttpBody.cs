using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Vigil.Core.Telemetry.Intake;

namespace Vigil.Server.Otlp;

/// <summary>Why a request body could not be read.</summary>
internal enum BodyError
{
    None,

    /// <summary>Over <see cref="IntakeOptions.MaxRequestBytes"/> on the wire or <see cref="IntakeOptions.MaxDecompressedBytes"/> inflated (413).</summary>
    TooLarge,

    /// <summary>Not valid gzip, or the body ended early (400).</summary>
    Invalid,
}

/// <summary>A request body read into a pooled buffer; return it with <see cref="Dispose"/>.</summary>
internal sealed class RequestBody : IDisposable
{
    private byte[]? _buffer;

    public RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}

/// <summary>
/// Reads an OTLP/HTTP body with bounds: at most <see cref="IntakeOptions.MaxRequestBytes"/> from the wire and at most
/// <see cref="IntakeOptions.MaxDecompressedBytes"/> after gzip. The buffer starts small and doubles as data actually
/// arrives, never sized from Content-Length or any other claim of the client, so a gzip bomb or a lying header costs
/// at most the caps.
/// </summary>
internal static class OtlpHttpBody
{
    private const int InitialBufferBytes = 16 * 1024;

    public static async ValueTask<(RequestBody? Body, BodyError Error, string? Message)> ReadAsync(HttpRequest request, bool gzip, IntakeOptions options, CancellationToken cancellationToken)
    {
        var wire = new CappedStream(request.Body, options.MaxRequestBytes);
        var limit = gzip ? options.MaxDecompressedBytes : options.MaxRequestBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        var length = 0;
        var source = gzip ? new GZipStream(wire, CompressionMode.Decompress, leaveOpen: true) : (Stream)wire;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        break;
                    }

                    // Grow to at most limit + 1: one byte beyond the limit is enough to know it was exceeded.
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > limit)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return (null, BodyError.TooLarge, gzip
                    ? $"request body inflates to more than {limit} bytes (the limit after gzip decompression)"
                    : $"request body is larger than {limit} bytes");
            }

            return (new RequestBody(buffer, length), BodyError.None, null);
        }
        catch (CappedStream.LimitExceededException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, BodyError.TooLarge, $"request body is larger than {options.MaxRequestBytes} bytes");
        }
        catch (InvalidDataException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, BodyError.Invalid, $"invalid gzip body: {ex.Message}");
        }
        catch (BadHttpRequestException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? (null, BodyError.TooLarge, $"request body is larger than {options.MaxRequestBytes} bytes")
                : (null, BodyError.Invalid, $"request body could not be read: {ex.Message}");
        }
        finally
        {
            if (gzip)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
