namespace Vigil.Core.Drift.Compare;

/// <summary>A stored snapshot without its items.</summary>
/// <param name="Id">The snapshot's id (<c>snap_</c> and 16 hex digits).</param>
/// <param name="Environment">The environment it was taken in.</param>
/// <param name="Service">The service, or null for a whole host.</param>
/// <param name="TakenAt">When it was taken.</param>
/// <param name="Host">The host it was taken on.</param>
/// <param name="Items">How many items it holds.</param>
/// <param name="ReceivedAt">When it was stored.</param>
public sealed record DriftSnapshotSummary(string Id, string Environment, string? Service, DateTimeOffset TakenAt, string Host, int Items, DateTimeOffset ReceivedAt);

/// <summary>A stored snapshot with its items.</summary>
/// <param name="Summary">Its id and header.</param>
/// <param name="Snapshot">The snapshot itself.</param>
public sealed record StoredDriftSnapshot(DriftSnapshotSummary Summary, DriftSnapshot Snapshot);

/// <summary>
/// Keeps snapshots per environment and service, a bounded history of each, so an environment can be compared with
/// another and with itself at an earlier time (<c>prod@2026-11-01</c>).
/// </summary>
public interface IDriftSnapshotStore
{
    /// <summary>Stores a snapshot (dropping the oldest of its environment and service beyond the history bound); answers its summary.</summary>
    Task<DriftSnapshotSummary> SaveAsync(DriftSnapshot snapshot, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Summaries, newest taken first, of one environment and/or service when given (null means any).</summary>
    Task<IReadOnlyList<DriftSnapshotSummary>> ListAsync(string? environment, string? service, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The newest snapshot of <paramref name="environment"/> and <paramref name="service"/> (null: snapshots taken
    /// without a service) taken at or before <paramref name="atOrBefore"/> (null: the newest of all), or null.
    /// </summary>
    Task<StoredDriftSnapshot?> FindAsync(string environment, string? service, DateTimeOffset? atOrBefore, CancellationToken cancellationToken);

    /// <summary>The snapshot of the same environment and service taken just before the one with <paramref name="id"/>, or null.</summary>
    Task<StoredDriftSnapshot?> PreviousAsync(string id, CancellationToken cancellationToken);
}
