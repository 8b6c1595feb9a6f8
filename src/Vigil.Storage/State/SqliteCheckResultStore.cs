using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Vigil.Core.Checks;

namespace Vigil.Storage.State;

/// <summary>
/// Check results in the state database's <c>check_results</c> table, one row per run with the whole result as JSON.
/// Bounded: each (check, location) keeps its newest <see cref="MaxPerLocation"/> rows (by arrival), pruned after a
/// write once a tenth of that many rows arrived since its last prune, so the table holds at most checks × locations ×
/// 1.1 × that many rows; results of deleted checks go with <see cref="DeleteOtherChecksAsync"/>.
/// </summary>
public sealed class SqliteCheckResultStore : ICheckResultStore
{
    /// <summary>The default of <see cref="MaxPerLocation"/>: 1,000, a week of hourly runs or almost three hours at a 10s interval.</summary>
    public const int DefaultMaxPerLocation = 1000;

    /// <summary>The most results one listing returns: 1,000; larger limits are clamped.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>How results are written as JSON: camelCase, outcomes as names, durations as <c>d.hh:mm:ss.fffffff</c>.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly SqliteStateStore _state;

    // New rows per (check, location) since its last prune; entries go with DeleteOtherChecksAsync.
    private readonly Dictionary<(string Check, string Location), int> _sinceLastPrune = [];

    /// <summary>Creates the store over an open state database.</summary>
    /// <param name="state">The state database.</param>
    /// <param name="maxPerLocation">Results kept per (check, location); at least 1.</param>
    public SqliteCheckResultStore(SqliteStateStore state, int maxPerLocation = DefaultMaxPerLocation)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerLocation, 1);
        _state = state;
        MaxPerLocation = maxPerLocation;
    }

    /// <summary>Results kept per (check, location).</summary>
    public int MaxPerLocation { get; }

    /// <inheritdoc />
    public async Task AddAsync(IReadOnlyList<CheckResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }

        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO check_results (check_name, location, started_at, outcome, result_json)
                VALUES ($check, $location, $started_at, $outcome, $json)
                """;
            var check = insert.Parameters.Add("$check", SqliteType.Text);
            var location = insert.Parameters.Add("$location", SqliteType.Text);
            var startedAt = insert.Parameters.Add("$started_at", SqliteType.Text);
            var outcome = insert.Parameters.Add("$outcome", SqliteType.Text);
            var json = insert.Parameters.Add("$json", SqliteType.Text);
            foreach (var result in results)
            {
                ArgumentNullException.ThrowIfNull(result, nameof(results));
                (check.Value, location.Value, startedAt.Value, outcome.Value, json.Value) =
                    (result.Check, result.Location, StateTime.Format(result.StartedAt), CheckOutcomeNames.Text(result.Outcome), JsonSerializer.Serialize(result, Json));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await using (var prune = connection.CreateCommand())
        {
            prune.Transaction = transaction;
            prune.CommandText = """
                DELETE FROM check_results WHERE check_name = $check AND location = $location AND id <= (
                    SELECT id FROM check_results WHERE check_name = $check AND location = $location ORDER BY id DESC LIMIT 1 OFFSET $keep)
                """;
            var check = prune.Parameters.Add("$check", SqliteType.Text);
            var location = prune.Parameters.Add("$location", SqliteType.Text);
            prune.Parameters.AddWithValue("$keep", MaxPerLocation);
            foreach (var (c, l) in results.Select(r => (r.Check, r.Location)).Distinct())
            {
                if (!DuePrune(c, l, results.Count(r => r.Check == c && r.Location == l)))
                {
                    continue;
                }

                (check.Value, location.Value) = (c, l);
                await prune.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    // Pruning a (check, location) costs a walk over its kept rows, so it is done once every tenth of the limit of
    // new rows (and on the first write after start): at most MaxPerLocation × 1.1 rows are ever kept.
    private bool DuePrune(string check, string location, int added)
    {
        lock (_sinceLastPrune)
        {
            var since = _sinceLastPrune.TryGetValue((check, location), out var n) ? n + added : int.MaxValue;
            if (since >= Math.Max(1, MaxPerLocation / 10))
            {
                _sinceLastPrune[(check, location)] = 0;
                return true;
            }

            _sinceLastPrune[(check, location)] = since;
            return false;
        }
    }

    /// <inheritdoc />
    /// <remarks><paramref name="limit"/> is clamped to 1..<see cref="MaxListLimit"/>.</remarks>
    public async Task<IReadOnlyList<CheckResult>> ListAsync(string check, string? location, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = location is null
            ? "SELECT result_json FROM check_results WHERE check_name = $check ORDER BY started_at DESC, id DESC LIMIT $limit"
            : "SELECT result_json FROM check_results WHERE check_name = $check AND location = $location ORDER BY started_at DESC, id DESC LIMIT $limit";
        select.Parameters.AddWithValue("$check", check);
        select.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, MaxListLimit));
        if (location is not null)
        {
            select.Parameters.AddWithValue("$location", location);
        }

        return await ReadAllAsync(select, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckResult>> LatestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT result_json FROM check_results
            WHERE id IN (SELECT max(id) FROM check_results GROUP BY check_name, location)
            ORDER BY check_name, location
            """;
        return await ReadAllAsync(select, cancellationToken);
    }

    /// <summary>Deletes every result of checks not in <paramref name="keep"/> (checks that were deleted or pruned); returns how many rows went.</summary>
    public async Task<int> DeleteOtherChecksAsync(IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var names = new List<string>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT DISTINCT check_name FROM check_results";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                names.Add(reader.GetString(0));
            }
        }

        var deleted = 0;
        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM check_results WHERE check_name = $check";
            var parameter = delete.Parameters.Add("$check", SqliteType.Text);
            foreach (var name in names.Where(n => !keep.Contains(n)))
            {
                parameter.Value = name;
                deleted += await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        lock (_sinceLastPrune)
        {
            foreach (var key in _sinceLastPrune.Keys.Where(k => !keep.Contains(k.Check)).ToList())
            {
                _sinceLastPrune.Remove(key);
            }
        }

        return deleted;
    }

    private static async Task<IReadOnlyList<CheckResult>> ReadAllAsync(SqliteCommand select, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (JsonSerializer.Deserialize<CheckResult>(reader.GetString(0), Json) is { } result)
            {
                results.Add(result);
            }
        }

        return results;
    }
}
