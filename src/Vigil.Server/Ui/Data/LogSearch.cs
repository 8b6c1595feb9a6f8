using System.Globalization;
using System.Text;
using Vigil.Core.Telemetry;
using Vigil.Server.Api;

namespace Vigil.Server.Ui.Data;

/// <summary>One log line as the logs page shows it.</summary>
/// <param name="Time">When the record was written (the observed time when the source gave none).</param>
/// <param name="Service">Its resource's <c>service.name</c>.</param>
/// <param name="Environment">Its resource's environment.</param>
/// <param name="Severity">The severity as text (the record's own text, else the name of its number).</param>
/// <param name="SeverityNumber">The OTLP severity number (1-24, 0 when unset).</param>
/// <param name="Body">The body.</param>
/// <param name="TraceId">The trace id, or empty.</param>
public sealed record LogLine(DateTimeOffset Time, string Service, string Environment, string Severity, int SeverityNumber, string Body, string TraceId);

/// <summary>The filters of the logs page, as read from its URL.</summary>
/// <param name="Service">Only this <c>service.name</c>, or null.</param>
/// <param name="Environment">Only this environment, or null.</param>
/// <param name="Severity">The minimum severity's name as given, or null.</param>
/// <param name="Text">Text the body contains (case-insensitive), or null.</param>
/// <param name="TraceId">Only this trace (32 hex digits, lowercase), or null.</param>
/// <param name="Window">The time window, or null for all stored time (a trace search with no window given).</param>
public sealed record LogSearchFilters(string? Service, string? Environment, string? Severity, string? Text, string? TraceId, ExploreWindow? Window);

/// <summary>The answer to a logs search: the newest lines first, and whether there were more.</summary>
/// <param name="Lines">At most <see cref="LogSearch.MaxLines"/> lines, newest first.</param>
/// <param name="More">True when older matching lines were left out.</param>
public sealed record LogSearchResult(IReadOnlyList<LogLine> Lines, bool More);

/// <summary>
/// The logs page's search, through the same <see cref="ILogSource"/> and filter spelling as <c>/api/v1/telemetry/logs</c>.
/// The URL names <c>service</c>, <c>env</c>, <c>from</c> and <c>to</c> (Unix seconds) are a contract: other pages link
/// with them (<see cref="Href"/>).
/// </summary>
public static class LogSearch
{
    /// <summary>The most lines shown: the newest ones.</summary>
    public const int MaxLines = 200;

    /// <summary>The severities offered by the page's selector, lowest first.</summary>
    public static IReadOnlyList<string> Severities { get; } = ["trace", "debug", "info", "warn", "error", "fatal"];

    /// <summary>
    /// A link to the logs page: <c>/explore/logs?service=S&amp;env=E&amp;from=F&amp;to=T</c>. <paramref name="from"/> and
    /// <paramref name="to"/> are written as given (Unix seconds, or the chart's <c>{from}</c>/<c>{to}</c> placeholders);
    /// null or empty parts are left out.
    /// </summary>
    public static string Href(string? service, string? environment, string? from, string? to, string? traceId = null)
    {
        var query = new StringBuilder();
        void Add(string name, string? value, bool escape)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(escape ? Uri.EscapeDataString(value) : value);
        }

        Add("service", service, escape: true);
        Add("env", environment, escape: true);
        Add("trace", traceId, escape: true);
        Add("from", from, escape: false);
        Add("to", to, escape: false);
        return "/explore/logs" + query;
    }

    /// <summary>
    /// Checks the filters that are not the window: the severity is a known name or 1-24, the trace id is 32 hex digits.
    /// Returns false with a message naming the field.
    /// </summary>
    public static bool TryValidate(string? severity, string? traceId, out int? minSeverity, out string? normalizedTraceId, out string error)
    {
        minSeverity = null;
        normalizedTraceId = null;
        error = string.Empty;
        if (!string.IsNullOrWhiteSpace(severity))
        {
            try
            {
                minSeverity = TelemetryEndpoints.ParseSeverity(severity.Trim());
            }
            catch (BadParameterException ex)
            {
                error = "severity " + ex.Reason;
                return false;
            }
        }

        if (!string.IsNullOrWhiteSpace(traceId))
        {
            if (!TraceView.TryNormalizeTraceId(traceId.Trim(), out var id))
            {
                error = $"trace '{traceId.Trim()}' is not a trace id (32 hex digits)";
                return false;
            }

            normalizedTraceId = id;
        }

        return true;
    }

    /// <summary>The newest <see cref="MaxLines"/> lines matching the filters.</summary>
    public static LogSearchResult Search(ILogSource source, LogSearchFilters filters, int? minSeverity)
    {
        var page = source.QueryLogs(new LogQuery(
            Service: filters.Service,
            Environment: filters.Environment,
            MinSeverityNumber: minSeverity,
            StartUnixNano: filters.Window?.FromUnixNano,
            EndUnixNano: filters.Window?.ToUnixNano,
            Contains: filters.Text,
            TraceId: filters.TraceId,
            Limit: MaxLines));
        var lines = page.Records.Select(r => new LogLine(
            DateTimeOffset.UnixEpoch.AddTicks(r.TimeUnixNano / 100),
            r.Resource.ServiceName,
            r.Resource.Environment,
            SeverityText(r),
            r.SeverityNumber,
            r.Body,
            r.TraceId)).ToList();
        return new LogSearchResult(lines, page.NextPageToken is not null);
    }

    /// <summary>A record's severity as text: its own text, else OTLP's short name of its number (INFO, WARN2, ...).</summary>
    public static string SeverityText(LogRecord record)
    {
        if (!string.IsNullOrWhiteSpace(record.SeverityText))
        {
            return record.SeverityText;
        }

        var n = record.SeverityNumber;
        if (n is < 1 or > 24)
        {
            return "UNSPECIFIED";
        }

        var name = ((n - 1) / 4) switch
        {
            0 => "TRACE",
            1 => "DEBUG",
            2 => "INFO",
            3 => "WARN",
            4 => "ERROR",
            _ => "FATAL",
        };
        var level = ((n - 1) % 4) + 1;
        return level == 1 ? name : name + level.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The CSS class for a severity number: error and fatal stand out (the text says it too).</summary>
    public static string SeverityClass(int number) => number switch
    {
        >= 17 => "badge-fail",
        >= 13 => "badge-marginal",
        _ => "badge-none",
    };
}
