namespace Vigil.Server.Otlp;

/// <summary>
/// A read-only stream that throws once more than <paramref name="limit"/> bytes were read through it: the bound on a
/// request body on the wire and after gzip inflation, for both transports. What is thrown can be chosen per transport
/// (<paramref name="limitExceeded"/>, and <paramref name="invalidData"/> for a corrupt compressed stream underneath);
/// by default a <see cref="LimitExceededException"/>.
/// </summary>
internal sealed class CappedStream(
    Stream inner,
    long limit,
    Func<long, Exception>? limitExceeded = null,
    Func<InvalidDataException, Exception>? invalidData = null,
    bool ownsInner = false) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(inner.Read(buffer));
        }
        catch (InvalidDataException ex) when (invalidData is not null)
        {
            throw invalidData(ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidDataException ex) when (invalidData is not null)
        {
            throw invalidData(ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        _read += read;
        if (_read > limit)
        {
            throw limitExceeded?.Invoke(limit) ?? new LimitExceededException();
        }

        return read;
    }

    /// <summary>Thrown by default when more than the limit was read.</summary>
    internal sealed class LimitExceededException : IOException;
}
