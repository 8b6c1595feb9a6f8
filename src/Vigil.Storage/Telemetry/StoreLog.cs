using Microsoft.Extensions.Logging;

namespace Vigil.Storage.Telemetry;

/// <summary>Log messages of the telemetry store; event ids 2100-2199.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning,
        Message = "WAL segment {Segment}: dropped a torn or corrupt tail at byte offset {Offset} ({Reason}); {DroppedBytes} bytes discarded")]
    public static partial void WalTailDropped(ILogger logger, string segment, long offset, string reason, long droppedBytes);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error,
        Message = "WAL segment {Segment}: corrupt record at byte offset {Offset} ({Reason}) before the last segment; the rest of this segment ({DroppedBytes} bytes) is lost")]
    public static partial void WalCorruptMiddle(ILogger logger, string segment, long offset, string reason, long droppedBytes);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error,
        Message = "WAL segment {Segment}: record at byte offset {Offset} has a valid checksum but cannot be decoded ({Reason}); skipped")]
    public static partial void WalRecordUndecodable(ILogger logger, string segment, long offset, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information,
        Message = "Replayed {Records} WAL records from {Segments} segments into the head ({Samples} samples, {Logs} logs, {Spans} spans) in {ElapsedMs} ms")]
    public static partial void WalReplayed(ILogger logger, long records, int segments, long samples, long logs, long spans, long elapsedMs);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information,
        Message = "Deleted WAL segment {Segment}: blocks already hold the records of segments up to {CoveredThrough}")]
    public static partial void WalSegmentCovered(ILogger logger, string segment, int coveredThrough);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Ignoring unexpected file {File} in the WAL directory")]
    public static partial void WalUnknownFile(ILogger logger, string file);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information,
        Message = "Wrote block {Block}: {Series} series, {Samples} samples, {Logs} logs, {Spans} spans, {Bytes} bytes in {ElapsedMs} ms ({Reason})")]
    public static partial void BlockWritten(ILogger logger, string block, int series, long samples, long logs, long spans, long bytes, long elapsedMs, string reason);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Deleted block {Block} ({Reason})")]
    public static partial void BlockDeleted(ILogger logger, string block, string reason);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Error, Message = "Cannot read block {Block}; it is moved aside to {Path}")]
    public static partial void BlockUnreadable(ILogger logger, string block, string path, Exception exception);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Deleted an unfinished block file {File} left by an interrupted flush")]
    public static partial void BlockUnfinishedDeleted(ILogger logger, string file);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Critical,
        Message = "The telemetry store cannot write its WAL and refuses further writes until restarted")]
    public static partial void WalFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Error, Message = "Telemetry store maintenance failed; it will be retried")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Warning, Message = "Cannot delete {File}; will retry at the next maintenance")]
    public static partial void DeleteFailed(ILogger logger, string file, Exception exception);
}
