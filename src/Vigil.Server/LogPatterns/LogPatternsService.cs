using Microsoft.Extensions.Logging;
using Vigil.Core.LogPatterns;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Hosting;

namespace Vigil.Server.LogPatterns;

/// <summary>
/// Log template mining at intake: gives every log record a template id (per <c>service.name</c>, stored as the
/// <see cref="LogAttributes.TemplateId"/> attribute), counts records in <see cref="LogRecordCounters"/>, and keeps the
/// miner's state in <c>&lt;data&gt;/log-templates.bin</c> (loaded at start; a damaged file is renamed aside and the
/// miner starts empty; saved through a temporary file, fsync and rename).
/// </summary>
internal sealed class LogPatternsService
{
    /// <summary>The file name of the miner state in the data folder.</summary>
    public const string FileName = "log-templates.bin";

    /// <summary>The bound on <c>vigil_log_records_total</c> series.</summary>
    public const int MaxSeries = 100_000;

    private readonly string? _path;
    private readonly ILogger _logger;
    private readonly Lock _saveLock = new();
    private long _matched;
    private long _matchedAtSave;

    /// <summary>Creates the service; with a data folder, loads the saved state from it.</summary>
    public LogPatternsService(string? dataDirectory, ILogger<LogPatternsService> logger)
    {
        _logger = logger;
        _path = dataDirectory is null ? null : Path.Combine(dataDirectory, FileName);
        Miner = _path is null ? new LogTemplateMiner() : LoadOrNew(_path);
    }

    /// <summary>The miner.</summary>
    public LogTemplateMiner Miner { get; }

    /// <summary>The record counters.</summary>
    public LogRecordCounters Counters { get; } = new(MaxSeries);

    /// <summary>Mines and counts every record; returns the records with the template id attribute added.</summary>
    public List<LogRecord> Annotate(List<LogRecord> records)
    {
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            var resource = r.Resource;
            var service = resource.ServiceName;
            var id = Miner.Match(service, r.Body).Id.ToString();
            Counters.Add(service, resource.ServiceVersion, resource.Environment, id, LogRecordCounters.SeverityLabel(r.SeverityText, r.SeverityNumber));
            Interlocked.Increment(ref _matched);
            records[i] = r with { Attributes = [.. r.Attributes, new TelemetryAttribute(LogAttributes.TemplateId, id)] };
        }

        return records;
    }

    /// <summary>
    /// Writes the miner state durably (temp file, fsync, rename) when records were mined since the last save.
    /// Failures are logged, never thrown.
    /// </summary>
    public void Save()
    {
        if (_path is null)
        {
            return;
        }

        lock (_saveLock)
        {
            var matched = Interlocked.Read(ref _matched);
            if (matched == _matchedAtSave && File.Exists(_path))
            {
                return;
            }

            var temp = _path + ".tmp";
            try
            {
                using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    Miner.Save(stream);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temp, _path, overwrite: true);
                _matchedAtSave = matched;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogPatternsLog.SaveFailed(_logger, _path, ex);
            }
        }
    }

    private LogTemplateMiner LoadOrNew(string path)
    {
        if (!File.Exists(path))
        {
            return new LogTemplateMiner();
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return LogTemplateMiner.Load(stream);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or IOException or ArgumentException or OverflowException)
        {
            var aside = path + ".damaged-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                File.Move(path, aside);
            }
            catch (IOException)
            {
                aside = "(could not rename)";
            }

            LogPatternsLog.LoadFailed(_logger, path, aside, ex);
            return new LogTemplateMiner();
        }
    }
}

/// <summary>Flushes <c>vigil_log_records_total</c> and saves the miner state periodically and at shutdown.</summary>
internal sealed class LogPatternsFlusher(
    LogPatternsService service,
    IDerivedSeriesWriter writer,
    SpanMetricsOptions options,
    TimeProvider time,
    ILogger<LogPatternsFlusher> logger) : PeriodicFlushService(options.FlushInterval, time)
{
    /// <summary>Writes the counters and saves the miner; failures are logged, never thrown.</summary>
    internal override async Task FlushAsync(CancellationToken cancellationToken)
    {
        service.Save();
        var samples = service.Counters.Collect(Time.GetUtcNow().ToUnixTimeMilliseconds());
        if (samples.Count == 0)
        {
            return;
        }

        try
        {
            await writer.WriteAsync(samples, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPatternsLog.FlushFailed(logger, ex);
        }
    }
}

internal static partial class LogPatternsLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "Log templates: cannot read {Path}; renamed to {Aside}, starting with no templates")]
    public static partial void LoadFailed(ILogger logger, string path, string aside, Exception exception);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Log templates: cannot save {Path}")]
    public static partial void SaveFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Log templates: writing vigil_log_records_total failed")]
    public static partial void FlushFailed(ILogger logger, Exception exception);
}
