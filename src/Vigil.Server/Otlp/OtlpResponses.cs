using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using Vigil.Server.Otlp.Protos.Rpc;
using RpcStatus = Vigil.Server.Otlp.Protos.Rpc.Status;

namespace Vigil.Server.Otlp;

/// <summary>
/// The answers intake sends, shared by both transports: export responses with partial success, and
/// <c>google.rpc.Status</c> errors (with <c>google.rpc.RetryInfo</c> when the client should retry).
/// </summary>
internal static class OtlpResponses
{
    /// <summary>gRPC status codes used in <c>google.rpc.Status.code</c>.</summary>
    public const int InvalidArgument = 3;
    public const int ResourceExhausted = 8;
    public const int Internal = 13;

    /// <summary>Formats messages as OTLP/JSON (lowerCamelCase, 64-bit integers as strings) and resolves RetryInfo in details.</summary>
    public static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithTypeRegistry(TypeRegistry.FromMessages(RetryInfo.Descriptor)));

    public static ExportMetricsServiceResponse Metrics(IngestOutcome outcome) => outcome.Rejected == 0
        ? new ExportMetricsServiceResponse()
        : new ExportMetricsServiceResponse { PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = outcome.Rejected, ErrorMessage = outcome.Message ?? string.Empty } };

    public static ExportLogsServiceResponse Logs(IngestOutcome outcome) => outcome.Rejected == 0
        ? new ExportLogsServiceResponse()
        : new ExportLogsServiceResponse { PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = outcome.Rejected, ErrorMessage = outcome.Message ?? string.Empty } };

    public static ExportTraceServiceResponse Traces(IngestOutcome outcome) => outcome.Rejected == 0
        ? new ExportTraceServiceResponse()
        : new ExportTraceServiceResponse { PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = outcome.Rejected, ErrorMessage = outcome.Message ?? string.Empty } };

    /// <summary>A status with a message and, when <paramref name="retryAfter"/> is given, a RetryInfo detail.</summary>
    public static RpcStatus Status(int code, string message, TimeSpan? retryAfter = null)
    {
        var status = new RpcStatus { Code = code, Message = message };
        if (retryAfter is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }

        return status;
    }

    /// <summary>Whole seconds for a <c>Retry-After</c> header: rounded up, at least 1.</summary>
    public static long RetryAfterSeconds(TimeSpan delay) => Math.Max(1, (long)Math.Ceiling(delay.TotalSeconds));
}
