using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Vigil.Storage.State;

/// <summary>
/// Applies <see cref="StateMigration"/>s that a database has not seen, in one immediate transaction, so two processes
/// opening the same file at once cannot both apply a step.
/// </summary>
internal static class StateMigrator
{
    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        ) STRICT;
        """;

    /// <summary>Applies the missing migrations; returns how many were applied.</summary>
    /// <exception cref="InvalidOperationException">
    /// The list is not numbered 1, 2, 3...; the database was migrated by a newer Vigil; or an applied step's name differs.
    /// </exception>
    public static async Task<int> ApplyAsync(
        SqliteConnection connection,
        IReadOnlyList<StateMigration> migrations,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        Validate(migrations);

        // BEGIN IMMEDIATE: the write lock is taken before we read what is applied, so a concurrent opener waits
        // (busy timeout) and then sees our rows instead of applying the same steps.
        await using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        await ExecuteAsync(connection, transaction, CreateTable, cancellationToken);

        var applied = new Dictionary<int, string>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT version, name FROM schema_migrations ORDER BY version";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0), reader.GetString(1));
            }
        }

        var known = migrations.Count;
        foreach (var (version, name) in applied)
        {
            if (version > known)
            {
                throw new InvalidOperationException(
                    $"The state database is at schema version {applied.Keys.Max()}, newer than this Vigil knows ({known}); " +
                    "upgrade Vigil or restore a backup of the state database.");
            }

            if (migrations[version - 1].Name != name)
            {
                throw new InvalidOperationException(
                    $"State schema version {version} was applied as '{name}' but this Vigil calls it '{migrations[version - 1].Name}'.");
            }
        }

        var count = 0;
        foreach (var migration in migrations)
        {
            if (applied.ContainsKey(migration.Version))
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($version, $name, $applied_at)";
            insert.Parameters.AddWithValue("$version", migration.Version);
            insert.Parameters.AddWithValue("$name", migration.Name);
            insert.Parameters.AddWithValue("$applied_at", StateTime.Format(now));
            await insert.ExecuteNonQueryAsync(cancellationToken);
            count++;
        }

        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    private static void Validate(IReadOnlyList<StateMigration> migrations)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"State migrations must be numbered 1, 2, 3... without gaps; position {i + 1} has version {migrations[i].Version}."));
            }
        }
    }

    private static async Task ExecuteAsync(
        SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
