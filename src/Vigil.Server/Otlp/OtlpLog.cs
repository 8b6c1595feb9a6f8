using Microsoft.Extensions.Logging;

namespace Vigil.Server.Otlp;

/// <summary>Intake's log messages, declared once; event ids 2100-2199 belong to OTLP intake.</summary>
internal static partial class OtlpLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "OTLP {Signal} request over {Transport} refused: {Reason}")]
    public static partial void RequestRefused(ILogger logger, string signal, string transport, string reason);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "OTLP {Signal} request over {Transport} turned away, intake overloaded: {Reason}")]
    public static partial void Overloaded(ILogger logger, string signal, string transport, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "OTLP {Signal} request over {Transport} failed")]
    public static partial void Failed(ILogger logger, Exception exception, string signal, string transport);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Error, Message = "Writing span metrics failed; they will be written at the next flush")]
    public static partial void SpanMetricsFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Debug, Message = "Span metrics flushed: {Samples} samples, {Refused} refused by the store")]
    public static partial void SpanMetricsFlushed(ILogger logger, int samples, int refused);
}
