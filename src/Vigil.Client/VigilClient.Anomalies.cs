using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>Anomaly events, newest first, filtered by watch, service, age and openness (read key).</summary>
    public Task<AnomalyEventsResponse> ListAnomaliesAsync(
        string? watch = null, string? service = null, TimeSpan? since = null, bool open = false, int? limit = null, CancellationToken cancellationToken = default)
    {
        var route = new QueryString("api/v1/anomalies").Add("watch", watch).Add("service", service).Add("since", since)
            .Add("open", open ? "true" : null).Add("limit", limit);
        return GetAsync<AnomalyEventsResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>One anomaly event; an unknown id throws <see cref="VigilApiException"/> (404).</summary>
    public Task<AnomalyEventDto> GetAnomalyAsync(long id, CancellationToken cancellationToken = default) =>
        GetAsync<AnomalyEventDto>("api/v1/anomalies/" + id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>The watched expressions with each series' current score and expected range (read key).</summary>
    public Task<AnomalyWatchesResponse> ListAnomalyWatchesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<AnomalyWatchesResponse>("api/v1/anomalies/watches", cancellationToken);

    /// <summary>When <paramref name="query"/> crosses <paramref name="threshold"/> within <paramref name="horizon"/>, from its last <paramref name="range"/> (read key).</summary>
    public Task<ForecastDto> ForecastAsync(
        string query, double threshold, TimeSpan? range = null, TimeSpan? step = null, TimeSpan? horizon = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        var route = new QueryString("api/v1/forecast").Add("query", query)
            .Add("threshold", threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Add("range", range).Add("step", step).Add("horizon", horizon);
        return GetAsync<ForecastDto>(route.ToString(), cancellationToken);
    }
}
