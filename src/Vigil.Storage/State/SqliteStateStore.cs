using Microsoft.Data.Sqlite;

namespace Vigil.Storage.State;

/// <summary>
/// The SQLite state database, <c>&lt;data&gt;/state.db</c>: releases, verdicts, keys and every other durable outcome.
/// Opening it creates the file when missing, switches it to WAL (readers never block the writer) and applies the
/// schema migrations it has not seen. Connections are pooled; each one waits up to <see cref="BusyTimeout"/> for a lock
/// held by another process (the CLI working offline next to a running server) instead of failing at once.
/// </summary>
public sealed class SqliteStateStore : IAsyncDisposable
{
    /// <summary>The file name of the state database inside the data directory.</summary>
    public const string FileName = "state.db";

    /// <summary>How long a statement waits for another connection's lock: 5 seconds, well above any state write.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectionString;

    private SqliteStateStore(string databasePath, TimeProvider timeProvider)
    {
        DatabasePath = databasePath;
        TimeProvider = timeProvider;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The clock the store stamps its own records with (migrations); callers pass <c>now</c> for theirs.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>True when <paramref name="dataDirectory"/> already holds a state database.</summary>
    public static bool Exists(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, FileName));

    /// <summary>Opens (creating if needed) the state database in <paramref name="dataDirectory"/> and migrates it.</summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer Vigil, or its schema history differs.</exception>
    public static Task<SqliteStateStore> OpenAsync(string dataDirectory, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        OpenAsync(dataDirectory, timeProvider, StateMigrations.All, cancellationToken);

    internal static async Task<SqliteStateStore> OpenAsync(
        string dataDirectory,
        TimeProvider timeProvider,
        IReadOnlyList<StateMigration> migrations,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);
        var store = new SqliteStateStore(Path.Combine(directory, FileName), timeProvider);
        try
        {
            await using var connection = await store.OpenConnectionAsync(cancellationToken);
            await using (var wal = connection.CreateCommand())
            {
                // Persistent in the file: set once, every later connection is in WAL mode too.
                wal.CommandText = "PRAGMA journal_mode = WAL;";
                await wal.ExecuteNonQueryAsync(cancellationToken);
            }

            await StateMigrator.ApplyAsync(connection, migrations, timeProvider.GetUtcNow(), cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a pooled connection with the busy timeout and foreign keys on. The caller disposes it.</summary>
    internal async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the pooled connections, releasing the file (tests delete the folder afterwards).</summary>
    public ValueTask DisposeAsync()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
