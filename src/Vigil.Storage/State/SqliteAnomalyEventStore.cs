using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vigil.Core.Anomalies.Watching;

namespace Vigil.Storage.State;

/// <summary>
/// Anomaly events in the state database's <c>anomaly_events</c> table. Bounded: at most <see cref="MaxEvents"/> rows;
/// the oldest go when a write passes that by a tenth.
/// </summary>
public sealed class SqliteAnomalyEventStore : IAnomalyEventStore
{
    /// <summary>The default of <see cref="MaxEvents"/>: 10,000.</summary>
    public const int DefaultMaxEvents = 10_000;

    /// <summary>The most events one listing returns: 1,000; larger limits are clamped.</summary>
    public const int MaxListLimit = 1000;

    private const string Columns = "id, watch, labels_json, service, started_at, ended_at, score, actual, expected, spread, explanation";

    private readonly SqliteStateStore _state;
    private int _sincePrune = int.MaxValue;

    /// <summary>Creates the store over an open state database.</summary>
    /// <param name="state">The state database.</param>
    /// <param name="maxEvents">Events kept; at least 1.</param>
    public SqliteAnomalyEventStore(SqliteStateStore state, int maxEvents = DefaultMaxEvents)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        _state = state;
        MaxEvents = maxEvents;
    }

    /// <summary>Events kept.</summary>
    public int MaxEvents { get; }

    /// <inheritdoc />
    public async Task<AnomalyEvent> AddAsync(AnomalyEvent anomaly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        long id;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO anomaly_events (watch, labels_json, service, started_at, ended_at, score, actual, expected, spread, explanation)
                VALUES ($watch, $labels, $service, $started, $ended, $score, $actual, $expected, $spread, $explanation)
                RETURNING id
                """;
            insert.Parameters.AddWithValue("$watch", anomaly.Watch);
            insert.Parameters.AddWithValue("$labels", JsonSerializer.Serialize(anomaly.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).ToDictionary()));
            insert.Parameters.AddWithValue("$service", anomaly.Labels.TryGetValue(AnomalyEvent.ServiceLabel, out var s) ? s : string.Empty);
            insert.Parameters.AddWithValue("$started", StateTime.Format(anomaly.StartedAt));
            insert.Parameters.AddWithValue("$ended", anomaly.EndedAt is { } e ? StateTime.Format(e) : DBNull.Value);
            insert.Parameters.AddWithValue("$score", Finite(anomaly.Score));
            insert.Parameters.AddWithValue("$actual", Finite(anomaly.Actual));
            insert.Parameters.AddWithValue("$expected", Finite(anomaly.Expected));
            insert.Parameters.AddWithValue("$spread", Finite(anomaly.Spread));
            insert.Parameters.AddWithValue("$explanation", anomaly.Explanation);
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        if (Interlocked.Increment(ref _sincePrune) >= Math.Max(1, MaxEvents / 10) || _sincePrune < 0)
        {
            Interlocked.Exchange(ref _sincePrune, 0);
            await using var prune = connection.CreateCommand();
            prune.Transaction = transaction;
            prune.CommandText = "DELETE FROM anomaly_events WHERE id <= (SELECT id FROM anomaly_events ORDER BY id DESC LIMIT 1 OFFSET $keep)";
            prune.Parameters.AddWithValue("$keep", MaxEvents);
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return anomaly with { Id = id };
    }

    /// <inheritdoc />
    public async Task<bool> CloseAsync(long id, DateTimeOffset endedAt, double peakScore, CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE anomaly_events SET ended_at = $ended, score = max(score, $score) WHERE id = $id AND ended_at IS NULL";
        update.Parameters.AddWithValue("$ended", StateTime.Format(endedAt));
        update.Parameters.AddWithValue("$score", Finite(peakScore));
        update.Parameters.AddWithValue("$id", id);
        return await update.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <inheritdoc />
    public async Task<int> CloseAllOpenAsync(DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE anomaly_events SET ended_at = $ended WHERE ended_at IS NULL";
        update.Parameters.AddWithValue("$ended", StateTime.Format(endedAt));
        return await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> CloseAllOpenExceptAsync(DateTimeOffset endedAt, IReadOnlyCollection<long> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        // One JSON array parameter, so any number of ids binds (SQLite caps bound parameters).
        update.CommandText = "UPDATE anomaly_events SET ended_at = $ended WHERE ended_at IS NULL AND id NOT IN (SELECT value FROM json_each($keep))";
        update.Parameters.AddWithValue("$ended", StateTime.Format(endedAt));
        update.Parameters.AddWithValue("$keep", JsonSerializer.Serialize(keep));
        return await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<AnomalyEvent?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {Columns} FROM anomaly_events WHERE id = $id";
        select.Parameters.AddWithValue("$id", id);
        var found = await ReadAllAsync(select, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    /// <remarks>The limit is clamped to 1..<see cref="MaxListLimit"/>.</remarks>
    public async Task<IReadOnlyList<AnomalyEvent>> ListAsync(AnomalyEventQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        var where = new List<string>();
        if (query.Watch is not null)
        {
            where.Add("watch = $watch");
            select.Parameters.AddWithValue("$watch", query.Watch);
        }

        if (query.Service is not null)
        {
            where.Add("service = $service");
            select.Parameters.AddWithValue("$service", query.Service);
        }

        if (query.Since is { } since)
        {
            where.Add("(started_at >= $since OR ended_at IS NULL OR ended_at >= $since)");
            select.Parameters.AddWithValue("$since", StateTime.Format(since));
        }

        if (query.OpenOnly)
        {
            where.Add("ended_at IS NULL");
        }

        select.CommandText = $"SELECT {Columns} FROM anomaly_events {(where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where))} ORDER BY started_at DESC, id DESC LIMIT $limit";
        select.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 1, MaxListLimit));
        return await ReadAllAsync(select, cancellationToken);
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;

    private static async Task<List<AnomalyEvent>> ReadAllAsync(SqliteCommand select, CancellationToken cancellationToken)
    {
        var events = new List<AnomalyEvent>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2)) ?? [];
            events.Add(new AnomalyEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                labels,
                StateTime.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : StateTime.Parse(reader.GetString(5)),
                reader.GetDouble(6),
                reader.GetDouble(7),
                reader.GetDouble(8),
                reader.GetDouble(9),
                reader.GetString(10)));
        }

        return events;
    }
}
