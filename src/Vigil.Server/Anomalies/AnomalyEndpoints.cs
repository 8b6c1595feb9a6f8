using System.Globalization;
using Vigil.Client.Contracts;
using Vigil.Core.Anomalies.Forecasting;
using Vigil.Core.Anomalies.Watching;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Security;
using Vigil.Core.Time;
using Vigil.Server.Api;
using Vigil.Server.Security;
using Vigil.Storage.State;

namespace Vigil.Server.Anomalies;

/// <summary>
/// Anomalies (a <c>read</c> key): <c>GET /api/v1/anomalies</c>, <c>/api/v1/anomalies/{id}</c>,
/// <c>/api/v1/anomalies/watches</c>, and <c>GET /api/v1/forecast</c>.
/// </summary>
public static class AnomalyEndpoints
{
    /// <summary>Events returned when no limit is given: 100.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The default history a forecast fits: 7 days.</summary>
    public static readonly TimeSpan DefaultForecastRange = TimeSpan.FromDays(7);

    /// <summary>The most points a forecast's range query may have: 11,000 (Prometheus's own limit).</summary>
    public const int MaxForecastPoints = 11_000;

    /// <summary>Registers the anomaly services: options, event store, release link, the detector state file under <paramref name="dataDirectory"/> and the rule loop.</summary>
    public static IServiceCollection AddAnomalies(this IServiceCollection services, AnomaliesOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new AnomalyStateFile(Path.Combine(dataDirectory, AnomalyStateFile.FileName), sp.GetRequiredService<ILogger<AnomalyStateFile>>()));
        services.AddSingleton<IAnomalyEventStore>(sp => new SqliteAnomalyEventStore(sp.GetRequiredService<SqliteStateStore>(), options.MaxEvents));
        services.AddSingleton<AnomalyReleaseLink>();
        services.AddSingleton<AnomalyRuleLoop>();
        services.AddHostedService(sp => sp.GetRequiredService<AnomalyRuleLoop>());
        return services;
    }

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapAnomalyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/anomalies").WithTags("Anomalies");
        group.MapGet("/", ListAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("Anomaly events, newest first, with their explanation (actual value, expected range, since when).")
            .WithQueryParameters(
                ("watch", "only this watch's events"),
                ("service", "only events of series with this service_name"),
                ("since", "only events open at or after this time: a duration back from now (1h) or a timestamp"),
                ("open", "true: only events still open"),
                ("limit", $"events returned; default {DefaultLimit}, cap {SqliteAnomalyEventStore.MaxListLimit}"));
        group.MapGet("/watches", Watches).RequireScope(ApiKeyScope.Read)
            .WithSummary("The watched expressions, each series with its current score and expected range.");
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("One anomaly event; 404 for an unknown id.");
        endpoints.MapGet("/api/v1/forecast", ForecastAsync).RequireScope(ApiKeyScope.Read).WithTags("Anomalies")
            .WithSummary("When a series crosses a threshold: a linear (Theil–Sen) or seasonal (daily profile plus trend) fit of its history.")
            .WithQueryParameters(
                ("query", "PromQL giving one series (required)"),
                ("threshold", "the value to cross (required)"),
                ("range", "history fitted; default 7d"),
                ("step", "resolution of the history; default range/1000, at least 1m"),
                ("horizon", "how far ahead to look; default the range"));
        return endpoints;
    }

    internal static AnomalyEventDto ToDto(AnomalyEvent e) =>
        new(e.Id, e.Watch, e.Labels, e.StartedAt, e.EndedAt, e.Open, e.Score, e.Actual, e.Expected, e.ExpectedLow, e.ExpectedHigh, e.Explanation);

    private static async Task<Results<Ok<AnomalyEventsResponse>, ProblemHttpResult>> ListAsync(
        HttpRequest request, IAnomalyEventStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        AnomalyEventQuery query;
        try
        {
            var parameters = new QueryParameters(request.Query);
            var open = parameters.String("open") switch
            {
                null or "false" => false,
                "true" => true,
                var other => throw new BadParameterException("open", $"'{other}' is not true or false"),
            };
            query = new AnomalyEventQuery(
                parameters.String("watch"),
                parameters.String("service"),
                Since(parameters.String("since"), time.GetUtcNow()),
                open,
                parameters.Limit("limit", DefaultLimit, SqliteAnomalyEventStore.MaxListLimit));
        }
        catch (BadParameterException e)
        {
            return ApiProblems.BadParameter(e.Parameter, e.Reason);
        }

        var found = await store.ListAsync(query, cancellationToken);
        return TypedResults.Ok(new AnomalyEventsResponse([.. found.Select(ToDto)]));
    }

    private static async Task<Results<Ok<AnomalyEventDto>, ProblemHttpResult>> GetAsync(string id, IAnomalyEventStore store, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return ApiProblems.BadParameter("id", $"'{id}' is not an anomaly id (a positive whole number)");
        }

        return await store.GetAsync(number, cancellationToken) is { } found
            ? TypedResults.Ok(ToDto(found))
            : ApiProblems.NotFound($"no anomaly event {number}");
    }

    private static Ok<AnomalyWatchesResponse> Watches(AnomalyRuleLoop loop, AnomaliesOptions options) =>
        TypedResults.Ok(new AnomalyWatchesResponse(
            options.EvaluationInterval.TotalSeconds,
            options.MaxSeries,
            loop.SeriesLeftOut,
            [.. loop.Status.Select(w => new AnomalyWatchDto(
                w.Loaded.Watch.Name,
                w.Loaded.Watch.Query,
                w.Loaded.Source,
                w.Loaded.Watch.Labels,
                w.Error,
                [.. w.Series.Select(s => new AnomalySeriesDto(
                    s.Labels, s.Points, s.EvaluatedAt, s.Value, s.Score, s.Expected,
                    s.Expected - (AnomalyEvent.RangeSpreads * s.Spread), s.Expected + (AnomalyEvent.RangeSpreads * s.Spread), s.OpenEventId))]))]));

    private static async Task<Results<Ok<ForecastDto>, ProblemHttpResult>> ForecastAsync(
        HttpRequest request, IMetricsSource metrics, TimeProvider time, CancellationToken cancellationToken)
    {
        string query;
        double threshold;
        TimeSpan range, step, horizon;
        try
        {
            var parameters = new QueryParameters(request.Query);
            query = parameters.String("query") ?? throw new BadParameterException("query", "required: PromQL giving the series to forecast");
            var thresholdText = parameters.String("threshold") ?? throw new BadParameterException("threshold", "required: the value to cross");
            if (!double.TryParse(thresholdText, NumberStyles.Float, CultureInfo.InvariantCulture, out threshold) || !double.IsFinite(threshold))
            {
                throw new BadParameterException("threshold", $"'{thresholdText}' is not a number");
            }

            range = parameters.Duration("range") ?? DefaultForecastRange;
            if (range <= TimeSpan.Zero)
            {
                throw new BadParameterException("range", "must be positive");
            }

            step = parameters.Duration("step") ?? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMinute, range.Ticks / 1000));
            if (step <= TimeSpan.Zero)
            {
                throw new BadParameterException("step", "must be positive");
            }

            if (range.Ticks / step.Ticks > MaxForecastPoints)
            {
                throw new BadParameterException("step", $"range/step is {range.Ticks / step.Ticks} points; at most {MaxForecastPoints} (raise step)");
            }

            horizon = parameters.Duration("horizon") ?? range;
            if (horizon <= TimeSpan.Zero)
            {
                throw new BadParameterException("horizon", "must be positive");
            }

            if (AnomalyWatchYaml.CheckQuery(query) is { } problem)
            {
                throw new BadParameterException("query", problem.Reason);
            }
        }
        catch (BadParameterException e)
        {
            return ApiProblems.BadParameter(e.Parameter, e.Reason);
        }

        var endMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        MatrixResult history;
        try
        {
            history = await metrics.RangeQueryAsync(query, endMs - (long)range.TotalMilliseconds, endMs, (long)step.TotalMilliseconds, cancellationToken);
        }
        catch (Exception ex) when (ex is MetricsSourceException or PromQlParseException or PromQlEvaluationException)
        {
            return ApiProblems.BadParameter("query", ex.Message);
        }

        if (history.Series.Count != 1)
        {
            return ApiProblems.BadParameter("query", history.Series.Count == 0
                ? "the query gives no series over the range"
                : $"the query gives {history.Series.Count} series; a forecast needs exactly one (aggregate with sum or max, or select one)");
        }

        ForecastResult result;
        try
        {
            result = Forecaster.Forecast(history.Series[0].Samples, threshold, (long)horizon.TotalMilliseconds);
        }
        catch (ArgumentException ex)
        {
            return ApiProblems.BadParameter("query", ex.Message.Split(" (Parameter", 2)[0]);
        }

        DateTimeOffset? crossesAt = result.CrossesAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        double? hours = result.CrossesAtMs is { } c ? Math.Max(0, (c - endMs) / 3_600_000.0) : null;
        var summary = crossesAt is null
            ? string.Create(CultureInfo.InvariantCulture, $"does not cross {AnomalyEvent.Format(threshold)} within {DurationFormat(horizon)} ({result.Model} fit, R² {result.FitQuality:0.00})")
            : string.Create(CultureInfo.InvariantCulture, $"crosses {AnomalyEvent.Format(threshold)} in about {hours:0.#} h, at {crossesAt.Value.UtcDateTime:yyyy-MM-dd HH:mm}Z ({result.Model} fit, R² {result.FitQuality:0.00})");
        return TypedResults.Ok(new ForecastDto(query, threshold, result.Model, result.FitQuality, result.SlopePerHour, result.LastValue, crossesAt, hours, horizon.TotalHours, summary));
    }

    private static string DurationFormat(TimeSpan d) =>
        d.TotalDays >= 1 && d.TotalDays == Math.Floor(d.TotalDays)
            ? string.Create(CultureInfo.InvariantCulture, $"{d.TotalDays}d")
            : string.Create(CultureInfo.InvariantCulture, $"{d.TotalHours:0.#}h");

    private static DateTimeOffset? Since(string? text, DateTimeOffset now)
    {
        if (text is null)
        {
            return null;
        }

        if (DurationParser.TryParse(text, out var duration, out _))
        {
            return now - duration;
        }

        return TimestampParser.TryParse(text, out var at, out var error) ? at : throw new BadParameterException("since", $"'{text}' is neither a duration (1h) nor a timestamp: {error}");
    }
}
