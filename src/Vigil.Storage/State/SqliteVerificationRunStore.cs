using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Vigil.Core.Verification;

namespace Vigil.Storage.State;

/// <summary>
/// Verification runs and their judged intervals in the state database (tables <c>verification_runs</c> and
/// <c>verification_intervals</c>). Verdicts and observations are stored as JSON (System.Text.Json, enums as their
/// names, infinities as <c>"Infinity"</c>) so that a run's whole history can be read back and re-judged.
/// Run ids are <c>run_</c> and 16 hex digits.
/// </summary>
public sealed class SqliteVerificationRunStore : IVerificationRunStore
{
    /// <summary>The JSON settings of the stored verdicts and observations.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private const string Columns =
        "id, release_id, plan_name, plan_yaml, mode, baseline_version, state, started_at, ended_at, verdict, latest_json, overridden_verdict, override_reason, abort_reason";

    private const int IdAttempts = 5;
    private const int SqliteConstraintError = 19;

    private readonly SqliteStateStore _state;

    /// <summary>Creates a run store over an open state database.</summary>
    public SqliteVerificationRunStore(SqliteStateStore state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
    }

    /// <inheritdoc />
    public async Task<VerificationRun> StartAsync(
        string releaseId, string planName, string planYaml, ComparisonMode mode, string? baselineVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(releaseId);
        ArgumentException.ThrowIfNullOrEmpty(planName);
        ArgumentNullException.ThrowIfNull(planYaml);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var run = new VerificationRun(NewId(), releaseId, planName, planYaml, mode, baselineVersion, RunState.Running, now, null, null, null, null, null, null);
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO verification_runs (id, release_id, plan_name, plan_yaml, mode, baseline_version, state, started_at)
                VALUES ($id, $release_id, $plan_name, $plan_yaml, $mode, $baseline_version, $state, $started_at)
                """;
            insert.Parameters.AddWithValue("$id", run.Id);
            insert.Parameters.AddWithValue("$release_id", releaseId);
            insert.Parameters.AddWithValue("$plan_name", planName);
            insert.Parameters.AddWithValue("$plan_yaml", planYaml);
            insert.Parameters.AddWithValue("$mode", mode.ToString());
            insert.Parameters.AddWithValue("$baseline_version", (object?)baselineVersion ?? DBNull.Value);
            insert.Parameters.AddWithValue("$state", nameof(RunState.Running));
            insert.Parameters.AddWithValue("$started_at", StateTime.Format(now));
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
                return run;
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraintError && attempt < IdAttempts)
            {
                // An id collision (64 random bits), or no such release (a foreign-key failure, not worth retrying).
                if (await ReleaseMissingAsync(connection, releaseId, cancellationToken))
                {
                    throw new ArgumentException($"No release with id '{releaseId}'.", nameof(releaseId), e);
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<VerificationRun?> GetAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var runs = await SelectAsync($"SELECT {Columns} FROM verification_runs WHERE id = $p", runId, cancellationToken);
        return runs.Count > 0 ? runs[0] : null;
    }

    /// <inheritdoc />
    public async Task<VerificationRun?> LatestForReleaseAsync(string releaseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(releaseId);
        var runs = await SelectAsync(
            $"SELECT {Columns} FROM verification_runs WHERE release_id = $p ORDER BY started_at DESC, rowid DESC LIMIT 1", releaseId, cancellationToken);
        return runs.Count > 0 ? runs[0] : null;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<VerificationRun>> RunningAsync(CancellationToken cancellationToken) =>
        SelectAsync($"SELECT {Columns} FROM verification_runs WHERE state = $p ORDER BY started_at, rowid", nameof(RunState.Running), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Storing a look a second time changes nothing (the first stays), so a retried step cannot rewrite history.</remarks>
    public async Task AppendIntervalAsync(RunInterval interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interval);
        var verdictJson = JsonSerializer.Serialize(interval.Verdict, Json);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO verification_intervals (run_id, look, end_ms, verdict_json, observations_json)
            VALUES ($run_id, $look, $end_ms, $verdict_json, $observations_json)
            ON CONFLICT (run_id, look) DO NOTHING
            """;
        insert.Parameters.AddWithValue("$run_id", interval.RunId);
        insert.Parameters.AddWithValue("$look", interval.Look);
        insert.Parameters.AddWithValue("$end_ms", interval.EndMs);
        insert.Parameters.AddWithValue("$verdict_json", verdictJson);
        insert.Parameters.AddWithValue("$observations_json", JsonSerializer.Serialize(interval.Observations, Json));
        if (await insert.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE verification_runs SET latest_json = $latest WHERE id = $id";
            update.Parameters.AddWithValue("$latest", verdictJson);
            update.Parameters.AddWithValue("$id", interval.RunId);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunInterval>> IntervalsAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT look, end_ms, verdict_json, observations_json FROM verification_intervals WHERE run_id = $id ORDER BY look";
        select.Parameters.AddWithValue("$id", runId);
        var intervals = new List<RunInterval>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            intervals.Add(new RunInterval(
                runId,
                reader.GetInt32(0),
                reader.GetInt64(1),
                Deserialize<LookVerdict>(reader.GetString(2)),
                Deserialize<List<MetricHistory>>(reader.GetString(3))));
        }

        return intervals;
    }

    /// <inheritdoc />
    public Task<bool> CompleteAsync(string runId, Verdict verdict, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateAsync(
            "UPDATE verification_runs SET state = 'Completed', verdict = $a, ended_at = $now WHERE id = $id AND state = 'Running'",
            runId, verdict.ToString(), null, now, cancellationToken);

    /// <inheritdoc />
    public Task<bool> AbortAsync(string runId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return UpdateAsync(
            "UPDATE verification_runs SET state = 'Aborted', abort_reason = $a, ended_at = $now WHERE id = $id AND state = 'Running'",
            runId, reason, null, now, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> OverrideAsync(string runId, Verdict verdict, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return UpdateAsync(
            "UPDATE verification_runs SET overridden_verdict = $a, override_reason = $b WHERE id = $id",
            runId, verdict.ToString(), reason, now, cancellationToken);
    }

    private static string NewId() => "run_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidDataException($"The state database holds a null {typeof(T).Name}.");

    private static async Task<bool> ReleaseMissingAsync(SqliteConnection connection, string releaseId, CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT count(*) FROM releases WHERE id = $id";
        select.Parameters.AddWithValue("$id", releaseId);
        return Convert.ToInt64(await select.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0;
    }

    private async Task<bool> UpdateAsync(string sql, string runId, string a, string? b, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = sql;
        update.Parameters.AddWithValue("$id", runId);
        update.Parameters.AddWithValue("$a", a);
        if (sql.Contains("$b", StringComparison.Ordinal))
        {
            update.Parameters.AddWithValue("$b", (object?)b ?? DBNull.Value);
        }

        if (sql.Contains("$now", StringComparison.Ordinal))
        {
            update.Parameters.AddWithValue("$now", StateTime.Format(now));
        }

        return await update.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<IReadOnlyList<VerificationRun>> SelectAsync(string sql, string parameter, CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = sql;
        select.Parameters.AddWithValue("$p", parameter);
        var runs = new List<VerificationRun>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new VerificationRun(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                Enum.Parse<ComparisonMode>(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                Enum.Parse<RunState>(reader.GetString(6)),
                StateTime.Parse(reader.GetString(7)),
                reader.IsDBNull(8) ? null : StateTime.Parse(reader.GetString(8)),
                reader.IsDBNull(9) ? null : Enum.Parse<Verdict>(reader.GetString(9)),
                reader.IsDBNull(10) ? null : Deserialize<LookVerdict>(reader.GetString(10)),
                reader.IsDBNull(11) ? null : Enum.Parse<Verdict>(reader.GetString(11)),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetString(13)));
        }

        return runs;
    }
}
