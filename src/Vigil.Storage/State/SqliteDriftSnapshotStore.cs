using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;

namespace Vigil.Storage.State;

/// <summary>
/// Drift snapshots in the state database (table <c>drift_snapshots</c>): one row per snapshot with its items as
/// gzip-compressed JSON (a 15,000-item snapshot is a few hundred KiB), at most <see cref="HistoryPerSeries"/> kept per
/// environment and service and <see cref="MaxSnapshots"/> in all, oldest taken dropped first. Secrets are stored as
/// they arrive: presence and fingerprint, never a value.
/// </summary>
public sealed class SqliteDriftSnapshotStore : IDriftSnapshotStore
{
    /// <summary>Snapshots kept per environment and service by default: 100, about three months of daily snapshots.</summary>
    public const int DefaultHistoryPerSeries = 100;

    /// <summary>Snapshots kept in all by default: 5,000 (50 environment and service pairs at full history).</summary>
    public const int DefaultMaxSnapshots = 5000;

    /// <summary>The most summaries one listing returns: 1,000; larger limits are clamped.</summary>
    public const int MaxListLimit = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly SqliteStateStore _state;

    /// <summary>Creates a snapshot store over an open state database.</summary>
    /// <param name="state">The state database.</param>
    /// <param name="historyPerSeries">Snapshots kept per environment and service (at least 2, so there is a previous one to compare with).</param>
    /// <param name="maxSnapshots">Snapshots kept in all.</param>
    public SqliteDriftSnapshotStore(SqliteStateStore state, int historyPerSeries = DefaultHistoryPerSeries, int maxSnapshots = DefaultMaxSnapshots)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(historyPerSeries, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSnapshots, historyPerSeries);
        _state = state;
        HistoryPerSeries = historyPerSeries;
        MaxSnapshots = maxSnapshots;
    }

    /// <summary>Snapshots kept per environment and service.</summary>
    public int HistoryPerSeries { get; }

    /// <summary>Snapshots kept in all.</summary>
    public int MaxSnapshots { get; }

    /// <inheritdoc />
    public async Task<DriftSnapshotSummary> SaveAsync(DriftSnapshot snapshot, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var body = Compress(snapshot.Items);
        var service = snapshot.Service ?? string.Empty;
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var id = "snap_" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO drift_snapshots (id, environment, service, taken_at, host, item_count, received_at, items_gz)
                VALUES ($id, $environment, $service, $taken_at, $host, $count, $received_at, $items)
                """;
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$environment", snapshot.Environment);
            insert.Parameters.AddWithValue("$service", service);
            insert.Parameters.AddWithValue("$taken_at", StateTime.Format(snapshot.TakenAt));
            insert.Parameters.AddWithValue("$host", snapshot.Host);
            insert.Parameters.AddWithValue("$count", snapshot.Items.Count);
            insert.Parameters.AddWithValue("$received_at", StateTime.Format(now));
            insert.Parameters.AddWithValue("$items", body);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var trim = connection.CreateCommand())
        {
            // The newest taken are kept: a late upload of an old snapshot is what goes first when the history is full.
            trim.Transaction = transaction;
            trim.CommandText = """
                DELETE FROM drift_snapshots WHERE environment = $environment AND service = $service AND seq NOT IN (
                    SELECT seq FROM drift_snapshots WHERE environment = $environment AND service = $service
                    ORDER BY taken_at DESC, seq DESC LIMIT $keep);
                DELETE FROM drift_snapshots WHERE seq NOT IN (
                    SELECT seq FROM drift_snapshots ORDER BY taken_at DESC, seq DESC LIMIT $max);
                """;
            trim.Parameters.AddWithValue("$environment", snapshot.Environment);
            trim.Parameters.AddWithValue("$service", service);
            trim.Parameters.AddWithValue("$keep", HistoryPerSeries);
            trim.Parameters.AddWithValue("$max", MaxSnapshots);
            await trim.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new DriftSnapshotSummary(id, snapshot.Environment, snapshot.Service, snapshot.TakenAt, snapshot.Host, snapshot.Items.Count, now);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DriftSnapshotSummary>> ListAsync(string? environment, string? service, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT id, environment, service, taken_at, host, item_count, received_at FROM drift_snapshots
            WHERE ($environment IS NULL OR environment = $environment) AND ($service IS NULL OR service = $service)
            ORDER BY taken_at DESC, seq DESC LIMIT $limit
            """;
        select.Parameters.AddWithValue("$environment", (object?)environment ?? DBNull.Value);
        select.Parameters.AddWithValue("$service", (object?)service ?? DBNull.Value);
        select.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, MaxListLimit));
        var summaries = new List<DriftSnapshotSummary>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            summaries.Add(ReadSummary(reader));
        }

        return summaries;
    }

    /// <inheritdoc />
    public async Task<StoredDriftSnapshot?> FindAsync(string environment, string? service, DateTimeOffset? atOrBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT id, environment, service, taken_at, host, item_count, received_at, items_gz FROM drift_snapshots
            WHERE environment = $environment AND service = $service AND ($at IS NULL OR taken_at <= $at)
            ORDER BY taken_at DESC, seq DESC LIMIT 1
            """;
        select.Parameters.AddWithValue("$environment", environment);
        select.Parameters.AddWithValue("$service", service ?? string.Empty);
        select.Parameters.AddWithValue("$at", atOrBefore is { } at ? StateTime.Format(at) : DBNull.Value);
        return await ReadOneAsync(select, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<StoredDriftSnapshot?> PreviousAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT p.id, p.environment, p.service, p.taken_at, p.host, p.item_count, p.received_at, p.items_gz
            FROM drift_snapshots s JOIN drift_snapshots p ON p.environment = s.environment AND p.service = s.service
            WHERE s.id = $id AND (p.taken_at < s.taken_at OR (p.taken_at = s.taken_at AND p.seq < s.seq))
            ORDER BY p.taken_at DESC, p.seq DESC LIMIT 1
            """;
        select.Parameters.AddWithValue("$id", id);
        return await ReadOneAsync(select, cancellationToken);
    }

    private static async Task<StoredDriftSnapshot?> ReadOneAsync(SqliteCommand select, CancellationToken cancellationToken)
    {
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var summary = ReadSummary(reader);
        var items = Decompress((byte[])reader.GetValue(7));
        return new StoredDriftSnapshot(summary, new DriftSnapshot(summary.Environment, summary.Service, summary.TakenAt, summary.Host, items));
    }

    private static DriftSnapshotSummary ReadSummary(SqliteDataReader reader)
    {
        var service = reader.GetString(2);
        return new DriftSnapshotSummary(
            reader.GetString(0),
            reader.GetString(1),
            service.Length == 0 ? null : service,
            StateTime.Parse(reader.GetString(3)),
            reader.GetString(4),
            reader.GetInt32(5),
            StateTime.Parse(reader.GetString(6)));
    }

    /// <summary>The items as gzip-compressed JSON.</summary>
    internal static byte[] Compress(IReadOnlyList<SnapshotItem> items)
    {
        var rows = new StoredItem[items.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var item = items[i];
            rows[i] = new StoredItem(item.Category, item.Kind, item.Key, item.Secret is null ? item.Value : null, item.Source, item.Secret is null ? null : true, item.Secret?.Hmac);
        }

        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, rows, Json);
        }

        return buffer.ToArray();
    }

    /// <summary>The items back from <see cref="Compress"/>.</summary>
    /// <exception cref="InvalidDataException">The stored bytes are not a snapshot (a damaged database).</exception>
    internal static IReadOnlyList<SnapshotItem> Decompress(byte[] body)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
            var rows = JsonSerializer.Deserialize<StoredItem[]>(gzip, Json) ?? [];
            return Array.ConvertAll(rows, r => new SnapshotItem(r.C, r.K, r.N, r.V, r.S, r.X == true ? new SecretFingerprint(r.H) : null));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("A stored drift snapshot could not be read back.", ex);
        }
    }

    /// <summary>One item as stored: short names, because they repeat for every item.</summary>
    private sealed record StoredItem(string C, string K, string N, string? V, string? S, bool? X, string? H);
}
