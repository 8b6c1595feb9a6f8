using System.Diagnostics;
using System.Globalization;
using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Server.Configuration;
using Vigil.Server.Diagnostics;
using Vigil.Server.Security;

namespace Vigil.Server.Api;

/// <summary>
/// The raw query API over stored telemetry: series by matchers, raw samples, logs, traces. No aggregation here:
/// that is the PromQL engine's job, over the same <see cref="ISeriesSource"/>.
/// </summary>
public static class TelemetryEndpoints
{
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);

    /// <summary>Maps <c>/api/v1/telemetry/*</c>, which needs a read key when keys are required.</summary>
    public static IEndpointRouteBuilder MapTelemetryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/telemetry").RequireScope(ApiKeyScope.Read).WithTags("Telemetry");
        (string, string)[] window =
        [
            ("match[]", "series selector, e.g. http_requests_total{job=\"api\"}; repeat for a union; at least one"),
            ("start", "RFC 3339 or Unix seconds; default: end minus 1h"),
            ("end", "RFC 3339 or Unix seconds; default: now"),
            ("limit", "most series returned; default and cap: query.maxSeries"),
        ];
        group.MapGet("/series", GetSeries).WithSummary("Series whose labels match every matcher of any match[] selector, with samples in [start, end].")
            .WithQueryParameters(window);
        group.MapGet("/samples", GetSamples).WithSummary("Raw samples in [start, end] of every series matching any match[] selector.")
            .WithQueryParameters(window);
        group.MapGet("/logs", GetLogs).WithSummary("Log records, newest first, filtered by service, environment, version, severity, time, text and trace id; paged.")
            .WithQueryParameters(
                ("service", "service.name"),
                ("environment", "deployment.environment.name (or deployment.environment)"),
                ("version", "service.version"),
                ("severity", "minimum severity: trace, debug, info, warn, error, fatal, or 1-24"),
                ("start", "RFC 3339 or Unix seconds"),
                ("end", "RFC 3339 or Unix seconds"),
                ("contains", "case-insensitive text in the body"),
                ("trace_id", "32 hex digits"),
                ("template_id", "log template id (see log-patterns; its aliases match too); needs service"),
                ("limit", "records per page; default 100, cap query.maxPageSize"),
                ("page_token", "nextPageToken of the previous page"));
        group.MapGet("/logs/templates", GroupLogsByTemplate).WithSummary("The log records matching the search's filters grouped by template, most frequent first, with counts and the newest record of each.")
            .WithQueryParameters(
                ("service", "service.name; required (template ids are per service)"),
                ("environment", "deployment.environment.name"),
                ("version", "service.version"),
                ("severity", "minimum severity"),
                ("start", "RFC 3339 or Unix seconds"),
                ("end", "RFC 3339 or Unix seconds"),
                ("contains", "case-insensitive text in the body"),
                ("trace_id", "32 hex digits"),
                ("template_id", "log template id"),
                ("limit", "groups returned; default 100"));
        group.MapGet("/log-patterns", LogPatterns.LogPatternEndpoint.GetLogPatterns).WithSummary("The log templates mined from one service's records: id, text, count and merged ids; most frequent first.")
            .WithQueryParameters([("service", "service.name; required")]);
        group.MapGet("/traces", ListTraces).WithSummary("Traces by service, operation, status, minimum duration and time range; newest first.")
            .WithQueryParameters(
                ("service", "service.name of any span"),
                ("operation", "span name of any span"),
                ("status", "ok, error or unset: of any span"),
                ("min_duration", "minimum trace duration, e.g. 250ms"),
                ("start", "RFC 3339 or Unix seconds"),
                ("end", "RFC 3339 or Unix seconds"),
                ("limit", "traces returned; default 100, cap query.maxPageSize"));
        group.MapGet("/traces/{traceId}", GetTrace).WithSummary("Every span of one trace, by hex trace id.");
        return endpoints;
    }

    private static Results<Ok<SeriesListResponse>, ProblemHttpResult> GetSeries(
        HttpRequest request, ISeriesSource source, QueryOptions options, TimeProvider time, VigilMetrics metrics) =>
        Timed(metrics, "series", () =>
        {
            var query = new QueryParameters(request.Query);
            var selectors = query.Selectors();
            var (start, end) = query.Window(time.GetUtcNow(), DefaultWindow);
            var limit = query.Limit("limit", options.MaxSeries, options.MaxSeries);
            var seen = new HashSet<LabelSet>();
            var series = new List<SeriesDto>();
            foreach (var selector in selectors)
            {
                foreach (var labels in source.SelectSeries(selector, start, end, limit))
                {
                    if (series.Count < limit && seen.Add(labels))
                    {
                        series.Add(new SeriesDto(TelemetryDtoMapper.ToDictionary(labels)));
                    }
                }
            }

            return new SeriesListResponse(series);
        });

    private static Results<Ok<SamplesResponse>, ProblemHttpResult> GetSamples(
        HttpRequest request, ISeriesSource source, QueryOptions options, TimeProvider time, VigilMetrics metrics) =>
        Timed(metrics, "samples", () =>
        {
            var query = new QueryParameters(request.Query);
            var selectors = query.Selectors();
            var (start, end) = query.Window(time.GetUtcNow(), DefaultWindow);
            var limit = query.Limit("limit", options.MaxSeries, options.MaxSeries);
            var seen = new HashSet<LabelSet>();
            var series = new List<SeriesSamplesDto>();
            long samples = 0;
            foreach (var selector in selectors)
            {
                foreach (var data in source.SelectSamples(selector, start, end, limit))
                {
                    if (series.Count < limit && seen.Add(data.Labels))
                    {
                        samples += data.Samples.Count;
                        if (samples > options.MaxSamples)
                        {
                            throw new QueryTooLargeException($"the query would return more than {options.MaxSamples} samples (query.maxSamples); narrow the time window or the selector");
                        }

                        series.Add(new SeriesSamplesDto(
                            TelemetryDtoMapper.ToDictionary(data.Labels),
                            data.Samples.Select(s => new SampleDto(s.TimestampMs, s.Value)).ToList()));
                    }
                }
            }

            return new SamplesResponse(series);
        });

    private static Results<Ok<LogsResponse>, ProblemHttpResult> GetLogs(
        HttpRequest request, ILogSource source, QueryOptions options, VigilMetrics metrics, LogPatterns.LogPatternsService patterns) =>
        Timed(metrics, "logs", () =>
        {
            var query = new QueryParameters(request.Query);
            var page = QueryLogs(source, ReadLogQuery(query, patterns, query.Limit("limit", 100, options.MaxPageSize), query.String("page_token")));
            return new LogsResponse(page.Records.Select(TelemetryDtoMapper.ToDto).ToList(), page.NextPageToken);
        });

    /// <summary>
    /// The records matching the logs search's filters grouped by template, most frequent first, each with its text,
    /// count, most severe severity and newest record. Reads at most <see cref="MaxGroupedRecords"/> records, newest first,
    /// and says when it stopped there. Needs <c>service</c>: template ids are per service.
    /// </summary>
    private static Results<Ok<LogTemplateGroupsResponse>, ProblemHttpResult> GroupLogsByTemplate(
        HttpRequest request, ILogSource source, QueryOptions options, VigilMetrics metrics, LogPatterns.LogPatternsService patterns) =>
        Timed(metrics, "logs-templates", () =>
        {
            var query = new QueryParameters(request.Query);
            var service = query.String("service");
            if (string.IsNullOrEmpty(service))
            {
                throw new BadParameterException("service", "required: template ids are per service");
            }

            var groups = new Dictionary<string, (long Count, LogRecord Newest, LogRecord MostSevere)>(StringComparer.Ordinal);
            var logQuery = ReadLogQuery(query, patterns, options.MaxPageSize, pageToken: null);
            var scanned = 0;
            var truncated = false;
            while (true)
            {
                var page = QueryLogs(source, logQuery);
                foreach (var record in page.Records)
                {
                    var id = TemplateOf(patterns, service, record);
                    groups[id] = groups.TryGetValue(id, out var seen)
                        ? (seen.Count + 1, seen.Newest, record.SeverityNumber > seen.MostSevere.SeverityNumber ? record : seen.MostSevere)
                        : (1, record, record);
                }

                scanned += page.Records.Count;
                if (page.NextPageToken is null)
                {
                    break;
                }

                if (scanned >= MaxGroupedRecords)
                {
                    truncated = true;
                    break;
                }

                logQuery = logQuery with { PageToken = page.NextPageToken };
            }

            var limit = query.Limit("limit", 100, options.MaxPageSize);
            var result = groups
                .OrderByDescending(g => g.Value.Count)
                .ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(limit)
                .Select(g => new LogTemplateGroupDto(
                    long.TryParse(g.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null,
                    id is { } known ? patterns.Miner.GetTemplate(service, new Core.LogPatterns.TemplateId(known))?.Template ?? string.Empty : string.Empty,
                    g.Value.Count,
                    string.IsNullOrEmpty(g.Value.MostSevere.SeverityText) ? g.Value.MostSevere.SeverityNumber.ToString(CultureInfo.InvariantCulture) : g.Value.MostSevere.SeverityText,
                    TelemetryDtoMapper.ToDto(g.Value.Newest)))
                .ToList();
            return new LogTemplateGroupsResponse(service, scanned, truncated, result);
        });

    /// <summary>The most records one grouping reads; beyond it the answer says <c>truncated</c>.</summary>
    internal const int MaxGroupedRecords = 100_000;

    private static string TemplateOf(LogPatterns.LogPatternsService patterns, string service, LogRecord record)
    {
        var text = record.Attributes.FirstOrDefault(a => a.Key == LogAttributes.TemplateId).Value;
        return text is not null && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? patterns.Miner.Resolve(service, new Core.LogPatterns.TemplateId(id)).ToString()
            : "none";
    }

    /// <summary>The filters of the logs search, shared by the search and the grouping.</summary>
    private static LogQuery ReadLogQuery(QueryParameters query, LogPatterns.LogPatternsService patterns, int limit, string? pageToken) => new(
        Service: query.String("service"),
        Environment: query.String("environment"),
        Version: query.String("version"),
        MinSeverityNumber: ParseSeverity(query.String("severity")),
        StartUnixNano: ToUnixNano(query.Time("start")),
        EndUnixNano: ToUnixNano(query.Time("end")),
        Contains: query.String("contains"),
        TraceId: NormalizeTraceId(query.String("trace_id"), "trace_id"),
        Limit: limit,
        PageToken: pageToken,
        TemplateIds: LogPatterns.LogPatternEndpoint.TemplateIdFilter(patterns, query.String("service"), query.String("template_id")));

    private static LogPage QueryLogs(ILogSource source, LogQuery query)
    {
        try
        {
            return source.QueryLogs(query);
        }
        catch (FormatException ex)
        {
            throw new BadParameterException("page_token", ex.Message);
        }
    }

    private static Results<Ok<TracesResponse>, ProblemHttpResult> ListTraces(
        HttpRequest request, ITraceSource source, QueryOptions options, VigilMetrics metrics) =>
        Timed(metrics, "traces", () =>
        {
            var query = new QueryParameters(request.Query);
            var traceQuery = new TraceQuery(
                Service: query.String("service"),
                Operation: query.String("operation"),
                Status: ParseStatus(query.String("status")),
                MinDurationSeconds: query.Duration("min_duration")?.TotalSeconds,
                StartUnixNano: ToUnixNano(query.Time("start")),
                EndUnixNano: ToUnixNano(query.Time("end")),
                Limit: query.Limit("limit", 100, options.MaxPageSize));
            return new TracesResponse(source.QueryTraces(traceQuery).Select(TelemetryDtoMapper.ToDto).ToList());
        });

    private static Results<Ok<TraceResponse>, ProblemHttpResult> GetTrace(string traceId, ITraceSource source, VigilMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var id = NormalizeTraceId(traceId, "traceId")!;
            var spans = source.GetTrace(id);
            if (spans.Count == 0)
            {
                return ApiProblems.NotFound($"no trace with id {id}");
            }

            return TypedResults.Ok(new TraceResponse(id, spans.Select(TelemetryDtoMapper.ToDto).ToList()));
        }
        catch (BadParameterException ex)
        {
            return ApiProblems.BadParameter(ex.Parameter, ex.Reason);
        }
        finally
        {
            metrics.QueryLatency("trace", Stopwatch.GetElapsedTime(started));
        }
    }

    private static Results<Ok<T>, ProblemHttpResult> Timed<T>(VigilMetrics metrics, string endpoint, Func<T> handler)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return TypedResults.Ok(handler());
        }
        catch (BadParameterException ex)
        {
            return ApiProblems.BadParameter(ex.Parameter, ex.Reason);
        }
        catch (QueryTooLargeException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Query too large", detail: ex.Message);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Query too expensive", detail: "a regular expression matcher took too long; simplify it");
        }
        finally
        {
            metrics.QueryLatency(endpoint, Stopwatch.GetElapsedTime(started));
        }
    }

    private static long? ToUnixNano(DateTimeOffset? time) =>
        time is null ? null : (time.Value - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>Severity as an OTLP number (1-24) or a name: trace, debug, info, warn, error, fatal.</summary>
    internal static int? ParseSeverity(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 24)
        {
            return number;
        }

        return text.ToLowerInvariant() switch
        {
            "trace" => 1,
            "debug" => 5,
            "info" or "information" => 9,
            "warn" or "warning" => 13,
            "error" => 17,
            "fatal" or "critical" => 21,
            _ => throw new BadParameterException("severity", $"'{text}' is not a severity (trace, debug, info, warn, error, fatal, or 1-24)"),
        };
    }

    private static SpanStatusCode? ParseStatus(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "ok" => SpanStatusCode.Ok,
        "error" => SpanStatusCode.Error,
        "unset" => SpanStatusCode.Unset,
        _ => throw new BadParameterException("status", $"'{text}' is not a span status (ok, error, unset)"),
    };

    private static string? NormalizeTraceId(string? text, string parameter)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length != 32 || !text.All(char.IsAsciiHexDigit))
        {
            throw new BadParameterException(parameter, $"'{text}' is not a trace id (32 hex digits)");
        }

        return text.ToLowerInvariant();
    }
}
