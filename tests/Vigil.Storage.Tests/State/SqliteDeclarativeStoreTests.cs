using Microsoft.Data.Sqlite;
using Vigil.Core.Declarative;
using Vigil.Storage.State;

namespace Vigil.Storage.Tests.State;

public sealed class SqliteDeclarativeStoreTests() : StateStoreTest(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero))
{
    private SqliteDeclarativeStore _store = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _store = new SqliteDeclarativeStore(State);
    }

    private DeclarativeObject Obj(string kind, string name, string yaml = "a: 1\n") => new(kind, name, yaml, Time.GetUtcNow());

    [Fact]
    public async Task ApplyAsync_UpsertsAndDeletes_ListAndGetSeeThem()
    {
        await _store.ApplyAsync([Obj("VerificationPlan", "b"), Obj("VerificationPlan", "a"), Obj("Check", "home")], [], CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(1));

        await _store.ApplyAsync([Obj("VerificationPlan", "a", "a: 2\n")], [("VerificationPlan", "b"), ("VerificationPlan", "missing")], CancellationToken.None);

        Assert.Equal(
            [("Check", "home"), ("VerificationPlan", "a")],
            (await _store.ListAsync(null, CancellationToken.None)).Select(o => (o.Kind, o.Name)));
        Assert.Equal(
            [new DeclarativeObject("VerificationPlan", "a", "a: 2\n", Time.GetUtcNow())],
            await _store.ListAsync("VerificationPlan", CancellationToken.None));
        Assert.Equal(Obj("Check", "home") with { UpdatedAt = Time.GetUtcNow().AddMinutes(-1) }, await _store.GetAsync("Check", "home", CancellationToken.None));
        Assert.Null(await _store.GetAsync("VerificationPlan", "b", CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_AStatementFails_NothingIsApplied()
    {
        await _store.ApplyAsync([Obj("VerificationPlan", "keep"), Obj("VerificationPlan", "old")], [], CancellationToken.None);
        await using (var connection = new SqliteConnection($"Data Source={State.DatabasePath}"))
        {
            await connection.OpenAsync();
            await using var trigger = connection.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER boom BEFORE INSERT ON declarative_objects WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;";
            await trigger.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<SqliteException>(() => _store.ApplyAsync(
            [Obj("VerificationPlan", "keep", "changed: true\n"), Obj("VerificationPlan", "new"), Obj("VerificationPlan", "boom")],
            [("VerificationPlan", "old")],
            CancellationToken.None));

        var stored = await _store.ListAsync(null, CancellationToken.None);
        Assert.Equal([Obj("VerificationPlan", "keep"), Obj("VerificationPlan", "old")], stored);
    }
}
