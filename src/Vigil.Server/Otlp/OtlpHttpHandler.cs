using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;

namespace Vigil.Server.Otlp;

/// <summary>
/// The OTLP/HTTP adapter (<c>POST /v1/metrics</c>, <c>/v1/logs</c>, <c>/v1/traces</c>): reads a bounded body
/// (protobuf or JSON, optionally gzip), hands the decoded request to the signal's ingest service, and answers in the
/// request's own encoding: the export response (with partial success) on 200, a <c>google.rpc.Status</c> otherwise
/// (400 undecodable, 413 too large, 415 unsupported content type or encoding, 429 with <c>Retry-After</c> and RetryInfo
/// when overloaded).
/// </summary>
internal sealed class OtlpHttpHandler(
    OtlpMetricsIngest metricsIngest,
    OtlpLogsIngest logsIngest,
    OtlpTraceIngest traceIngest,
    InFlightBytes inFlight,
    IntakeOptions options,
    VigilMetrics metrics,
    ILogger<OtlpHttpHandler> logger)
{
    private const string ProtobufContentType = "application/x-protobuf";
    private const string JsonContentType = "application/json";

    public Task HandleMetricsAsync(HttpContext context) =>
        HandleAsync(context, OtlpConstants.Metrics, ExportMetricsServiceRequest.Parser, metricsIngest.IngestAsync, OtlpResponses.Metrics);

    public Task HandleLogsAsync(HttpContext context) =>
        HandleAsync(context, OtlpConstants.Logs, ExportLogsServiceRequest.Parser, logsIngest.IngestAsync, OtlpResponses.Logs);

    public Task HandleTracesAsync(HttpContext context) =>
        HandleAsync(context, OtlpConstants.Traces, ExportTraceServiceRequest.Parser, traceIngest.IngestAsync, OtlpResponses.Traces);

    private async Task HandleAsync<TRequest, TResponse>(
        HttpContext context,
        string signal,
        MessageParser<TRequest> parser,
        Func<TRequest, string, CancellationToken, ValueTask<IngestOutcome>> ingest,
        Func<IngestOutcome, TResponse> respond)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage
    {
        var cancellationToken = context.RequestAborted;
        var request = context.Request;
        bool json;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            await RefuseAsync(context, signal, StatusCodes.Status415UnsupportedMediaType, OtlpConstants.Outcomes.UnsupportedMediaType, json: true,
                $"missing or invalid Content-Type \"{request.ContentType}\": use {ProtobufContentType} or {JsonContentType}").ConfigureAwait(false);
            return;
        }

        if (mediaType.MediaType.Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            json = false;
        }
        else if (mediaType.MediaType.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            json = true;
        }
        else
        {
            await RefuseAsync(context, signal, StatusCodes.Status415UnsupportedMediaType, OtlpConstants.Outcomes.UnsupportedMediaType, json: true,
                $"unsupported Content-Type \"{mediaType.MediaType}\": use {ProtobufContentType} or {JsonContentType}").ConfigureAwait(false);
            return;
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, signal, StatusCodes.Status415UnsupportedMediaType, OtlpConstants.Outcomes.UnsupportedMediaType, json,
                $"unsupported Content-Encoding \"{encoding}\": use gzip or none").ConfigureAwait(false);
            return;
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = options.MaxRequestBytes;
        }

        var (body, error, message) = await OtlpHttpBody.ReadAsync(request, gzip, options, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            var tooLarge = error == BodyError.TooLarge;
            await RefuseAsync(context, signal, tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
                tooLarge ? OtlpConstants.Outcomes.TooLarge : OtlpConstants.Outcomes.BadRequest, json, message!).ConfigureAwait(false);
            return;
        }

        var held = body.Length;
        if (!inFlight.TryAcquire(held))
        {
            body.Dispose();
            await OverloadedAsync(context, signal, json, $"intake is processing more than {options.MaxInFlightBytes} bytes of requests", options.InFlightRetryAfter).ConfigureAwait(false);
            return;
        }

        try
        {
            TRequest decoded;
            try
            {
                decoded = json ? OtlpJson.Parse<TRequest>(body.Span) : parser.ParseFrom(body.Span);
            }
            catch (OtlpDecodeException ex)
            {
                await RefuseAsync(context, signal, StatusCodes.Status400BadRequest, OtlpConstants.Outcomes.BadRequest, json, ex.Message).ConfigureAwait(false);
                return;
            }
            catch (InvalidProtocolBufferException ex)
            {
                await RefuseAsync(context, signal, StatusCodes.Status400BadRequest, OtlpConstants.Outcomes.BadRequest, json,
                    $"invalid protobuf {typeof(TRequest).Name} ({body.Length} bytes): {ex.Message}").ConfigureAwait(false);
                return;
            }
            finally
            {
                // Decoded messages hold copies of their strings and bytes; the buffer can go back to the pool now.
                body.Dispose();
            }

            var outcome = await ingest(decoded, OtlpConstants.Http, cancellationToken).ConfigureAwait(false);
            if (outcome.Status == IngestStatus.Overloaded)
            {
                await OverloadedAsync(context, signal, json, outcome.Message ?? "the store is overloaded", outcome.RetryAfter).ConfigureAwait(false);
                return;
            }

            await WriteAsync(context, StatusCodes.Status200OK, respond(outcome), json).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OtlpLog.Failed(logger, ex, signal, OtlpConstants.Http);
            metrics.IntakeRequest(OtlpConstants.Outcomes.Error);
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, StatusCodes.Status500InternalServerError, OtlpResponses.Status(OtlpResponses.Internal, "internal error while ingesting the request"), json).ConfigureAwait(false);
            }
        }
        finally
        {
            inFlight.Release(held);
        }
    }

    private Task RefuseAsync(HttpContext context, string signal, int httpStatus, string outcome, bool json, string message)
    {
        OtlpLog.RequestRefused(logger, signal, OtlpConstants.Http, message);
        metrics.IntakeRequest(outcome);
        var code = httpStatus == StatusCodes.Status413PayloadTooLarge ? OtlpResponses.ResourceExhausted : OtlpResponses.InvalidArgument;
        return WriteAsync(context, httpStatus, OtlpResponses.Status(code, message), json);
    }

    private Task OverloadedAsync(HttpContext context, string signal, bool json, string message, TimeSpan retryAfter)
    {
        OtlpLog.Overloaded(logger, signal, OtlpConstants.Http, message);
        metrics.IntakeRequest(OtlpConstants.Outcomes.Overloaded);
        context.Response.Headers.RetryAfter = OtlpResponses.RetryAfterSeconds(retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, StatusCodes.Status429TooManyRequests, OtlpResponses.Status(OtlpResponses.ResourceExhausted, message, retryAfter), json);
    }

    /// <summary>
    /// Writes a <c>google.rpc.Status</c> error in the request's own encoding (JSON for <c>application/json</c> requests,
    /// protobuf otherwise), for answers given before a handler runs, such as a missing API key.
    /// </summary>
    internal static Task WriteStatusAsync(HttpContext context, int httpStatus, int code, string message)
    {
        var json = (context.Request.ContentType ?? string.Empty).StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase);
        return WriteAsync(context, httpStatus, OtlpResponses.Status(code, message), json);
    }

    private static async Task WriteAsync(HttpContext context, int httpStatus, IMessage message, bool json)
    {
        var response = context.Response;
        response.StatusCode = httpStatus;
        if (json)
        {
            response.ContentType = JsonContentType;
            await response.WriteAsync(OtlpResponses.Json.Format(message), context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            response.ContentType = ProtobufContentType;
            await response.Body.WriteAsync(message.ToByteArray(), context.RequestAborted).ConfigureAwait(false);
        }
    }
}
