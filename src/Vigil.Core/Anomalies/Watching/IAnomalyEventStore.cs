namespace Vigil.Core.Anomalies.Watching;

/// <summary>Which events a listing returns, newest first.</summary>
/// <param name="Watch">Only this watch's events, or null.</param>
/// <param name="Service">Only events of series labelled <c>service_name</c> with this value, or null.</param>
/// <param name="Since">Only events open at or after this instant (started after it, or still open, or ended after it), or null.</param>
/// <param name="OpenOnly">Only events still open.</param>
/// <param name="Limit">The most events returned.</param>
public sealed record AnomalyEventQuery(string? Watch = null, string? Service = null, DateTimeOffset? Since = null, bool OpenOnly = false, int Limit = 100);

/// <summary>Where anomaly events are kept (bounded: the oldest go first).</summary>
public interface IAnomalyEventStore
{
    /// <summary>Stores a new event; returns it with its id.</summary>
    Task<AnomalyEvent> AddAsync(AnomalyEvent anomaly, CancellationToken cancellationToken);

    /// <summary>Closes event <paramref name="id"/> at <paramref name="endedAt"/> with its peak score; false when it is unknown.</summary>
    Task<bool> CloseAsync(long id, DateTimeOffset endedAt, double peakScore, CancellationToken cancellationToken);

    /// <summary>Closes every open event at <paramref name="endedAt"/>; returns how many.</summary>
    Task<int> CloseAllOpenAsync(DateTimeOffset endedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Closes every open event at <paramref name="endedAt"/> except those in <paramref name="keep"/> (at server start:
    /// the events whose series carry on); returns how many closed.
    /// </summary>
    Task<int> CloseAllOpenExceptAsync(DateTimeOffset endedAt, IReadOnlyCollection<long> keep, CancellationToken cancellationToken);

    /// <summary>One event, or null.</summary>
    Task<AnomalyEvent?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Events matching <paramref name="query"/>, newest first.</summary>
    Task<IReadOnlyList<AnomalyEvent>> ListAsync(AnomalyEventQuery query, CancellationToken cancellationToken);
}
