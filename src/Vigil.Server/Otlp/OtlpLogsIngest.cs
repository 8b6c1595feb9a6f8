using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.LogPatterns;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using CoreLogRecord = Vigil.Core.Telemetry.LogRecord;

namespace Vigil.Server.Otlp;

/// <summary>
/// OTLP logs intake, transport-neutral: validates an export request, turns its records into <see cref="CoreLogRecord"/>
/// (body: a string as it is, anything else as JSON; a missing timestamp falls back to the observed time, then to the
/// receive time; ids as lowercase hex, a malformed id dropped rather than the record), appends them durably and answers
/// with partial success for records outside the accepted time window.
/// With a <see cref="LogPatternsService"/>, every accepted record gets its template id attribute and is counted.
/// </summary>
internal sealed class OtlpLogsIngest(ITelemetryWriter writer, IntakeOptions options, TimeProvider time, VigilMetrics metrics, LogPatternsService? patterns = null)
{
    /// <summary>Ingests one export request received over <paramref name="transport"/>.</summary>
    public async ValueTask<IngestOutcome> IngestAsync(ExportLogsServiceRequest request, string transport, CancellationToken cancellationToken)
    {
        var rejections = new Rejections();
        var records = Convert(request, rejections);
        if (patterns is not null)
        {
            records = patterns.Annotate(records);
        }

        return await IngestAppend.AppendAsync(writer, metrics, OtlpConstants.Logs, transport, TelemetryBatch.OfLogs(records), records.Count, rejections, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Converts and validates a request without storing it.</summary>
    internal List<CoreLogRecord> Convert(ExportLogsServiceRequest request, Rejections rejections)
    {
        var window = TimeWindow.Of(time, options);
        var records = new List<CoreLogRecord>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = new TelemetryResource(OtlpValues.ToAttributes(resourceLogs.Resource?.Attributes ?? []));
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var scopeName = scopeLogs.Scope?.Name ?? string.Empty;
                foreach (var record in scopeLogs.LogRecords)
                {
                    var observed = record.ObservedTimeUnixNano != 0 ? TimeWindow.ToNanos(record.ObservedTimeUnixNano) : window.ReceiveNanos;
                    var timestamp = record.TimeUnixNano != 0 ? TimeWindow.ToNanos(record.TimeUnixNano) : observed;
                    if (window.Check(timestamp, rejections, "log record") is false)
                    {
                        continue;
                    }

                    var attributes = OtlpValues.ToAttributes(record.Attributes);
                    if (record.EventName.Length > 0)
                    {
                        // event_name has no place of its own in the model; the semantic-convention attribute keeps it.
                        attributes = [.. attributes, new TelemetryAttribute("event.name", record.EventName)];
                    }

                    records.Add(new CoreLogRecord(
                        timestamp,
                        observed,
                        (int)record.SeverityNumber,
                        record.SeverityText,
                        OtlpValues.BodyText(record.Body),
                        attributes,
                        record.TraceId.Length == 16 ? OtlpValues.Hex(record.TraceId) : string.Empty,
                        record.SpanId.Length == 8 ? OtlpValues.Hex(record.SpanId) : string.Empty,
                        resource,
                        scopeName));
                }
            }
        }

        return records;
    }
}

/// <summary>The accepted time window of one request: from now minus the maximum age to now plus the allowed skew.</summary>
internal readonly record struct TimeWindow(long ReceiveNanos, long MinNanos, long MaxNanos, TimeSpan MaxAge, TimeSpan MaxFutureSkew)
{
    public static TimeWindow Of(TimeProvider time, IntakeOptions options)
    {
        var nowNanos = time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
        return new TimeWindow(
            nowNanos,
            nowNanos - (long)Math.Min(options.MaxAge.TotalMilliseconds * 1e6, long.MaxValue / 2),
            nowNanos + (long)Math.Min(options.MaxFutureSkew.TotalMilliseconds * 1e6, long.MaxValue / 2),
            options.MaxAge,
            options.MaxFutureSkew);
    }

    public static long ToNanos(ulong unixNano) => (long)Math.Min(unixNano, long.MaxValue);

    /// <summary>Whether a timestamp is in the window; records the rejection when it is not.</summary>
    public bool Check(long unixNano, Rejections rejections, string what)
    {
        if (unixNano < MinNanos)
        {
            rejections.Add(OtlpConstants.Reasons.TooOld, rejections.WantsMessage ? $"{what}: timestamp {Format(unixNano)} is older than the limit of {MaxAge}" : string.Empty);
            return false;
        }

        if (unixNano > MaxNanos)
        {
            rejections.Add(OtlpConstants.Reasons.TooFarInFuture, rejections.WantsMessage ? $"{what}: timestamp {Format(unixNano)} is more than {MaxFutureSkew} in the future" : string.Empty);
            return false;
        }

        return true;
    }

    private static string Format(long unixNano) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(unixNano / 1_000_000, -62135596800000, 253402300799999)).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
