using System.IO.Compression;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.Net.Compression;
using Microsoft.Extensions.Logging;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;

namespace Vigil.Server.Otlp;

/// <summary>A request decoded by <see cref="OtlpGrpcMethodProvider"/>'s marshaller, with its decoded size.</summary>
internal sealed class DecodedRequest<T>(T message, int bytes)
{
    public T Message { get; } = message;

    public int Bytes { get; } = bytes;
}

/// <summary>
/// The OTLP/gRPC adapter: <c>MetricsService/Export</c>, <c>LogsService/Export</c> and <c>TraceService/Export</c> over
/// the same ingest services as OTLP/HTTP. Overload is answered RESOURCE_EXHAUSTED with a <c>google.rpc.RetryInfo</c>
/// in <c>grpc-status-details-bin</c>, so OTLP exporters retry after the delay.
/// </summary>
internal sealed class OtlpGrpcService(
    OtlpMetricsIngest metricsIngest,
    OtlpLogsIngest logsIngest,
    OtlpTraceIngest traceIngest,
    InFlightBytes inFlight,
    IntakeOptions options,
    VigilMetrics metrics,
    ILogger<OtlpGrpcService> logger)
{
    /// <summary>The trailer that carries a binary <c>google.rpc.Status</c>.</summary>
    public const string StatusDetailsTrailer = "grpc-status-details-bin";

    public Task<ExportMetricsServiceResponse> ExportMetricsAsync(DecodedRequest<ExportMetricsServiceRequest> request, ServerCallContext context) =>
        ExportAsync(OtlpConstants.Metrics, request, context, metricsIngest.IngestAsync, OtlpResponses.Metrics);

    public Task<ExportLogsServiceResponse> ExportLogsAsync(DecodedRequest<ExportLogsServiceRequest> request, ServerCallContext context) =>
        ExportAsync(OtlpConstants.Logs, request, context, logsIngest.IngestAsync, OtlpResponses.Logs);

    public Task<ExportTraceServiceResponse> ExportTracesAsync(DecodedRequest<ExportTraceServiceRequest> request, ServerCallContext context) =>
        ExportAsync(OtlpConstants.Traces, request, context, traceIngest.IngestAsync, OtlpResponses.Traces);

    /// <summary>The RpcException for overload: RESOURCE_EXHAUSTED with RetryInfo in the status details.</summary>
    public static RpcException OverloadedException(string message, TimeSpan retryAfter)
    {
        var details = OtlpResponses.Status(OtlpResponses.ResourceExhausted, message, retryAfter);
        var trailers = new Metadata { { StatusDetailsTrailer, details.ToByteArray() } };
        return new RpcException(new Status(StatusCode.ResourceExhausted, message), trailers);
    }

    private async Task<TResponse> ExportAsync<TRequest, TResponse>(
        string signal,
        DecodedRequest<TRequest> request,
        ServerCallContext context,
        Func<TRequest, string, CancellationToken, ValueTask<IngestOutcome>> ingest,
        Func<IngestOutcome, TResponse> respond)
    {
        if (!inFlight.TryAcquire(request.Bytes))
        {
            var message = $"intake is processing more than {options.MaxInFlightBytes} bytes of requests";
            OtlpLog.Overloaded(logger, signal, OtlpConstants.Grpc, message);
            metrics.IntakeRequest(OtlpConstants.Outcomes.Overloaded);
            throw OverloadedException(message, options.InFlightRetryAfter);
        }

        try
        {
            var outcome = await ingest(request.Message, OtlpConstants.Grpc, context.CancellationToken).ConfigureAwait(false);
            if (outcome.Status == IngestStatus.Overloaded)
            {
                var message = outcome.Message ?? "the store is overloaded";
                OtlpLog.Overloaded(logger, signal, OtlpConstants.Grpc, message);
                throw OverloadedException(message, outcome.RetryAfter);
            }

            return respond(outcome);
        }
        finally
        {
            inFlight.Release(request.Bytes);
        }
    }
}

/// <summary>
/// Binds the three OTLP Export methods to <see cref="OtlpGrpcService"/> with marshallers of Vigil's own: an
/// undecodable message is answered INVALID_ARGUMENT saying what the protobuf parser found (the generated binding
/// would answer UNKNOWN), and the decoded size is kept for the in-flight bound.
/// </summary>
internal sealed class OtlpGrpcMethodProvider(VigilMetrics metrics, ILogger<OtlpGrpcService> logger) : IServiceMethodProvider<OtlpGrpcService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpGrpcService> context)
    {
        context.AddUnaryMethod(
            Export(MetricsServiceReflection.Descriptor.Services[0].FullName, ExportMetricsServiceRequest.Parser, ExportMetricsServiceResponse.Parser, OtlpConstants.Metrics),
            [],
            static (service, request, call) => service.ExportMetricsAsync(request, call));
        context.AddUnaryMethod(
            Export(LogsServiceReflection.Descriptor.Services[0].FullName, ExportLogsServiceRequest.Parser, ExportLogsServiceResponse.Parser, OtlpConstants.Logs),
            [],
            static (service, request, call) => service.ExportLogsAsync(request, call));
        context.AddUnaryMethod(
            Export(TraceServiceReflection.Descriptor.Services[0].FullName, ExportTraceServiceRequest.Parser, ExportTraceServiceResponse.Parser, OtlpConstants.Traces),
            [],
            static (service, request, call) => service.ExportTracesAsync(request, call));
    }

    private Method<DecodedRequest<TRequest>, TResponse> Export<TRequest, TResponse>(string serviceName, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser, string signal)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var requestMarshaller = new Marshaller<DecodedRequest<TRequest>>(
            static (request, context) => context.Complete(request.Message.ToByteArray()),
            context =>
            {
                var payload = context.PayloadAsReadOnlySequence();
                try
                {
                    return new DecodedRequest<TRequest>(requestParser.ParseFrom(payload), (int)payload.Length);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    var message = $"invalid protobuf {typeof(TRequest).Name} ({payload.Length} bytes): {ex.Message}";
                    OtlpLog.RequestRefused(logger, signal, OtlpConstants.Grpc, message);
                    metrics.IntakeRequest(OtlpConstants.Outcomes.BadRequest);
                    throw new RpcException(new Status(StatusCode.InvalidArgument, message));
                }
            });
        var responseMarshaller = new Marshaller<TResponse>(
            static (response, context) => context.Complete(response.ToByteArray()),
            context => responseParser.ParseFrom(context.PayloadAsReadOnlySequence()));
        return new Method<DecodedRequest<TRequest>, TResponse>(MethodType.Unary, serviceName, "Export", requestMarshaller, responseMarshaller);
    }
}

/// <summary>
/// gzip for gRPC messages with bounded inflation. grpc-dotnet (2.85) applies MaxReceiveMessageSize to the inflated size
/// as well, but older versions inflated a message completely before any check; this provider stops past
/// <see cref="IntakeOptions.MaxDecompressedBytes"/> with RESOURCE_EXHAUSTED whatever the framework does (no retry
/// information: retrying would not help), and answers invalid gzip INVALID_ARGUMENT instead of UNKNOWN.
/// </summary>
internal sealed class BoundedGzipCompressionProvider(long maxDecompressedBytes) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) =>
        new CappedStream(
            new GZipStream(stream, CompressionMode.Decompress),
            maxDecompressedBytes,
            limit => new RpcException(new Status(StatusCode.ResourceExhausted, $"message inflates to more than {limit} bytes (the limit after gzip decompression)")),
            invalid => new RpcException(new Status(StatusCode.InvalidArgument, $"invalid gzip message: {invalid.Message}")),
            ownsInner: true);
}
