using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Vigil.Storage.State;

namespace Vigil.Storage.Tests.State;

public sealed class SqliteStateStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task OpenAsync_NewDirectory_CreatesDatabaseInWalModeWithAllMigrations()
    {
        var data = Path.Combine(_dir.Path, "nested", "data");

        await using var store = await SqliteStateStore.OpenAsync(data, _time, CancellationToken.None);

        Assert.Equal(Path.Combine(data, "state.db"), store.DatabasePath);
        Assert.True(SqliteStateStore.Exists(data));
        Assert.Equal("wal", await ScalarAsync<string>(store, "PRAGMA journal_mode"));
        Assert.Equal(StateMigrations.All.Count, await ScalarAsync<long>(store, "SELECT count(*) FROM schema_migrations"));
        Assert.Equal("2025-03-01T12:00:00.0000000Z", await ScalarAsync<string>(store, "SELECT applied_at FROM schema_migrations WHERE version = 1"));
    }

    [Fact]
    public async Task OpenAsync_Reopened_AppliesNothingTwice()
    {
        await (await SqliteStateStore.OpenAsync(_dir.Path, _time, CancellationToken.None)).DisposeAsync();
        _time.Advance(TimeSpan.FromDays(1));

        await using var store = await SqliteStateStore.OpenAsync(_dir.Path, _time, CancellationToken.None);

        Assert.Equal(StateMigrations.All.Count, await ScalarAsync<long>(store, "SELECT count(*) FROM schema_migrations"));
        Assert.Equal(0, await ScalarAsync<long>(store, "SELECT count(*) FROM schema_migrations WHERE applied_at LIKE '2025-03-02%'"));
    }

    [Fact]
    public async Task OpenAsync_TwoOpenersAtOnce_BothSucceedAndApplyOnce()
    {
        var first = SqliteStateStore.OpenAsync(_dir.Path, _time, CancellationToken.None);
        var second = SqliteStateStore.OpenAsync(_dir.Path, _time, CancellationToken.None);

        var stores = await Task.WhenAll(first, second);

        Assert.Equal(StateMigrations.All.Count, await ScalarAsync<long>(stores[0], "SELECT count(*) FROM schema_migrations"));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task OpenAsync_NewMigrationAppended_AppliesOnlyTheNewOne()
    {
        StateMigration first = new(1, "one", "CREATE TABLE one (x INTEGER);");
        StateMigration second = new(2, "two", "CREATE TABLE two (y INTEGER);");
        await (await SqliteStateStore.OpenAsync(_dir.Path, _time, [first], CancellationToken.None)).DisposeAsync();

        await using var store = await SqliteStateStore.OpenAsync(_dir.Path, _time, [first, second], CancellationToken.None);

        Assert.Equal(2, await ScalarAsync<long>(store, "SELECT max(version) FROM schema_migrations"));
        Assert.Equal(1, await ScalarAsync<long>(store, "SELECT count(*) FROM sqlite_master WHERE name = 'two'"));
    }

    [Fact]
    public async Task OpenAsync_DatabaseNewerThanCode_Throws()
    {
        StateMigration first = new(1, "one", "CREATE TABLE one (x INTEGER);");
        StateMigration second = new(2, "two", "CREATE TABLE two (y INTEGER);");
        await (await SqliteStateStore.OpenAsync(_dir.Path, _time, [first, second], CancellationToken.None)).DisposeAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => SqliteStateStore.OpenAsync(_dir.Path, _time, [first], CancellationToken.None));

        Assert.Contains("newer than this Vigil knows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_AppliedMigrationRenamed_Throws()
    {
        await (await SqliteStateStore.OpenAsync(_dir.Path, _time, [new(1, "one", "CREATE TABLE one (x INTEGER);")], CancellationToken.None)).DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => SqliteStateStore.OpenAsync(_dir.Path, _time, [new(1, "uno", "CREATE TABLE one (x INTEGER);")], CancellationToken.None));
    }

    [Fact]
    public async Task OpenAsync_MigrationsWithGap_Throws()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => SqliteStateStore.OpenAsync(_dir.Path, _time, [new(1, "one", "SELECT 1;"), new(3, "three", "SELECT 1;")], CancellationToken.None));
    }

    [Fact]
    public async Task OpenAsync_FailingMigration_LeavesNothingApplied()
    {
        StateMigration good = new(1, "good", "CREATE TABLE good (x INTEGER);");
        StateMigration bad = new(2, "bad", "CREATE TABLE broken (;");

        await Assert.ThrowsAsync<SqliteException>(
            () => SqliteStateStore.OpenAsync(_dir.Path, _time, [good, bad], CancellationToken.None));

        await using var store = await SqliteStateStore.OpenAsync(_dir.Path, _time, [good], CancellationToken.None);
        Assert.Equal(1, await ScalarAsync<long>(store, "SELECT count(*) FROM schema_migrations"));
    }

    private static async Task<T> ScalarAsync<T>(SqliteStateStore store, string sql)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
