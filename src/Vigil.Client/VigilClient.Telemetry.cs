using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>
    /// The series matching any of <paramref name="matchers"/> (Prometheus series selectors such as
    /// <c>http_requests_total{job="api"}</c>) that have samples in the window; <c>GET /api/v1/telemetry/series</c>.
    /// </summary>
    /// <param name="matchers">One or more series selectors; a series is returned when it matches any of them.</param>
    /// <param name="start">The start of the window; null uses the server's default.</param>
    /// <param name="end">The end of the window; null uses the server's default (now).</param>
    /// <param name="limit">The most series returned; null uses the server's default.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<SeriesListResponse> GetSeriesAsync(
        IReadOnlyList<string> matchers,
        DateTimeOffset? start = null,
        DateTimeOffset? end = null,
        int? limit = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var route = new QueryString("api/v1/telemetry/series")
            .AddEach("match[]", matchers).Add("start", start).Add("end", end).Add("limit", limit);
        return GetAsync<SeriesListResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>The raw samples of the series matching <paramref name="matchers"/>; <c>GET /api/v1/telemetry/samples</c>.</summary>
    /// <param name="matchers">One or more series selectors.</param>
    /// <param name="start">The start of the window; null uses the server's default.</param>
    /// <param name="end">The end of the window; null uses the server's default (now).</param>
    /// <param name="limit">The most series returned; null uses the server's default.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<SamplesResponse> GetSamplesAsync(
        IReadOnlyList<string> matchers,
        DateTimeOffset? start = null,
        DateTimeOffset? end = null,
        int? limit = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var route = new QueryString("api/v1/telemetry/samples")
            .AddEach("match[]", matchers).Add("start", start).Add("end", end).Add("limit", limit);
        return GetAsync<SamplesResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>
    /// One page of log records, newest first; <c>GET /api/v1/telemetry/logs</c>. Pass the answer's
    /// <see cref="LogsResponse.NextPageToken"/> as <see cref="LogSearch.PageToken"/> for the next page.
    /// </summary>
    public Task<LogsResponse> SearchLogsAsync(LogSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        return GetAsync<LogsResponse>(LogRoute("api/v1/telemetry/logs", search).Add("page_token", search.PageToken).ToString(), cancellationToken);
    }

    /// <summary>
    /// The records matching <paramref name="search"/> grouped by log template, most frequent first;
    /// <c>GET /api/v1/telemetry/logs/templates</c>. Needs <see cref="LogSearch.Service"/>; <see cref="LogSearch.Limit"/>
    /// caps the groups and the page token is not used.
    /// </summary>
    public Task<LogTemplateGroupsResponse> GroupLogsByTemplateAsync(LogSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        return GetAsync<LogTemplateGroupsResponse>(LogRoute("api/v1/telemetry/logs/templates", search).ToString(), cancellationToken);
    }

    private static QueryString LogRoute(string path, LogSearch search) =>
        new QueryString(path)
            .Add("service", search.Service)
            .Add("environment", search.Environment)
            .Add("version", search.Version)
            .Add("severity", search.Severity)
            .Add("start", search.Start)
            .Add("end", search.End)
            .Add("contains", search.Contains)
            .Add("trace_id", search.TraceId)
            .Add("template_id", search.TemplateId)
            .Add("limit", search.Limit);

    /// <summary>The log templates of one service, most frequent first; <c>GET /api/v1/telemetry/log-patterns</c>.</summary>
    /// <param name="service">The <c>service.name</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LogPatternsResponse> GetLogPatternsAsync(string service, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        var route = new QueryString("api/v1/telemetry/log-patterns").Add("service", service);
        return GetAsync<LogPatternsResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>Summaries of the traces matching <paramref name="search"/>; <c>GET /api/v1/telemetry/traces</c>.</summary>
    public Task<TracesResponse> ListTracesAsync(TraceSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var route = new QueryString("api/v1/telemetry/traces")
            .Add("service", search.Service)
            .Add("operation", search.Operation)
            .Add("status", search.Status)
            .Add("min_duration", search.MinDuration)
            .Add("start", search.Start)
            .Add("end", search.End)
            .Add("limit", search.Limit);
        return GetAsync<TracesResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>Every span of one trace; <c>GET /api/v1/telemetry/traces/{id}</c>. An unknown id throws <see cref="VigilApiException"/> (404).</summary>
    /// <param name="traceId">The trace id, 32 hex characters.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<TraceResponse> GetTraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(traceId);
        return GetAsync<TraceResponse>("api/v1/telemetry/traces/" + Uri.EscapeDataString(traceId), cancellationToken);
    }
}
