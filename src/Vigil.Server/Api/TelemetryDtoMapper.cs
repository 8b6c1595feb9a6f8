using Vigil.Client.Contracts;
using Vigil.Core.Telemetry;

namespace Vigil.Server.Api;

/// <summary>Turns the telemetry model into the REST API's contracts.</summary>
internal static class TelemetryDtoMapper
{
    public static IReadOnlyDictionary<string, string> ToDictionary(LabelSet labels)
    {
        var result = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
        foreach (var label in labels.Labels)
        {
            result[label.Name] = label.Value;
        }

        return result;
    }

    public static IReadOnlyDictionary<string, string> ToDictionary(IReadOnlyList<TelemetryAttribute> attributes)
    {
        var result = new Dictionary<string, string>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = attribute.Value;
        }

        return result;
    }

    public static LogRecordDto ToDto(LogRecord log) => new(
        DateTimeOffset.UnixEpoch.AddTicks(log.TimeUnixNano / 100),
        log.TimeUnixNano,
        log.SeverityNumber,
        log.SeverityText,
        log.Body,
        ToDictionary(log.Attributes),
        log.TraceId,
        log.SpanId,
        ToDictionary(log.Resource.Attributes),
        log.ScopeName);

    public static SpanDto ToDto(SpanRecord span) => new(
        span.TraceId,
        span.SpanId,
        span.ParentSpanId,
        span.Name,
        span.Kind.ToString().ToLowerInvariant(),
        span.StartTimeUnixNano,
        span.EndTimeUnixNano,
        span.DurationSeconds,
        span.StatusCode.ToString().ToLowerInvariant(),
        span.StatusMessage,
        ToDictionary(span.Attributes),
        span.Events.Select(e => new SpanEventDto(e.TimeUnixNano, e.Name, ToDictionary(e.Attributes))).ToList(),
        span.Links.Select(l => new SpanLinkDto(l.TraceId, l.SpanId, ToDictionary(l.Attributes))).ToList(),
        ToDictionary(span.Resource.Attributes),
        span.ScopeName);

    public static TraceSummaryDto ToDto(TraceSummary trace) => new(
        trace.TraceId,
        trace.RootService,
        trace.RootName,
        trace.StartTimeUnixNano,
        trace.DurationSeconds,
        trace.SpanCount,
        trace.HasError);
}
