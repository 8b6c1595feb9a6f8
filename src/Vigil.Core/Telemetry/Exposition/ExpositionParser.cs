using System.Buffers;

namespace Vigil.Core.Telemetry.Exposition;

/// <summary>
/// Parses a Prometheus text (0.0.4) or OpenMetrics 1.0 text exposition, as Prometheus's scraper does. Never throws
/// for bad input: every problem becomes an <see cref="ExpositionError"/> and fails the scrape.
/// </summary>
/// <remarks>
/// Not supported: Prometheus 3's quoted UTF-8 metric and label names (<c>{"my.metric"}</c>), the protobuf format
/// and native histograms, and raw newlines inside 0.0.4 label values (Prometheus's lexer tolerates them; here they
/// end the line and the label value is reported unterminated). OpenMetrics exemplars are checked for syntax and
/// dropped. <c>_created</c> series are kept as ordinary samples, as Prometheus does by default.
/// </remarks>
public static class ExpositionParser
{
    /// <summary>
    /// The format for a response's <c>Content-Type</c>: <c>application/openmetrics-text</c> (any parameters, any
    /// case) is OpenMetrics; anything else, including no header, is the Prometheus text format 0.0.4.
    /// </summary>
    public static ExpositionFormat FromContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return ExpositionFormat.PrometheusText;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0)
        {
            media = media[..semicolon];
        }

        return media.Trim().Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase)
            ? ExpositionFormat.OpenMetrics
            : ExpositionFormat.PrometheusText;
    }

    /// <summary>
    /// Parses one scrape body.
    /// </summary>
    /// <param name="utf8">The response body, as received.</param>
    /// <param name="format">The format, usually from <see cref="FromContentType"/>.</param>
    /// <param name="scrapeTimestampMs">The scrape time in Unix milliseconds, given to samples without a timestamp.</param>
    /// <param name="options">Bounds; <see cref="ExpositionParserOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range (a caller bug, not bad input).</exception>
    public static ExpositionResult Parse(
        ReadOnlySpan<byte> utf8,
        ExpositionFormat format,
        long scrapeTimestampMs,
        ExpositionParserOptions? options = null)
    {
        options ??= ExpositionParserOptions.Default;
        options.Validate();
        return new TextExpositionReader(format, scrapeTimestampMs, options).Read(utf8);
    }

    /// <summary>
    /// Reads a scrape body from a stream, at most <see cref="ExpositionParserOptions.MaxBodyBytes"/> bytes of it,
    /// and parses it. A longer body fails the scrape with <c>body larger than N bytes</c> (reported at line 1,
    /// column 1) without being parsed. Only stream failures and cancellation throw.
    /// </summary>
    public static async Task<ExpositionResult> ParseAsync(
        Stream body,
        ExpositionFormat format,
        long scrapeTimestampMs,
        ExpositionParserOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        options ??= ExpositionParserOptions.Default;
        options.Validate();

        // Grow by doubling from a small start: the buffer follows what actually arrives, never a declared length.
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > options.MaxBodyBytes)
                    {
                        break;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)options.MaxBodyBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > options.MaxBodyBytes)
                {
                    break;
                }
            }

            if (length > options.MaxBodyBytes)
            {
                return new ExpositionResult(
                    [],
                    [],
                    [new ExpositionError(1, 1, $"body larger than {options.MaxBodyBytes} bytes")]);
            }

            return new TextExpositionReader(format, scrapeTimestampMs, options).Read(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
