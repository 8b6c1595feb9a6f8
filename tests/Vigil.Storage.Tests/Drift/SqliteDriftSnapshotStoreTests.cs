using Microsoft.Data.Sqlite;
using Vigil.Core.Drift;
using Vigil.Storage.State;
using Vigil.Storage.Tests.State;

namespace Vigil.Storage.Tests.Drift;

public sealed class SqliteDriftSnapshotStoreTests() : StateStoreTest(Start)
{
    private const string Hmac = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static DriftSnapshot Snap(string environment, string? service, DateTimeOffset takenAt, string marker = "1") => new(
        environment, service, takenAt, "host-1",
        [
            new SnapshotItem("config", "key", "appsettings:Marker", marker, "appsettings.json"),
            new SnapshotItem("env", "variable", "DB_PASSWORD", null, "env", new SecretFingerprint(Hmac)),
            new SnapshotItem("env", "variable", "API_TOKEN", null, null, new SecretFingerprint(null)),
        ]);

    [Fact]
    public async Task SaveAsync_ThenFind_ReturnsTheSameItemsWithSecretsAsFingerprints()
    {
        var store = new SqliteDriftSnapshotStore(State);
        var snapshot = Snap("prod", "orders", Start);

        var summary = await store.SaveAsync(snapshot, Start.AddMinutes(1), CancellationToken.None);
        var found = await store.FindAsync("prod", "orders", null, CancellationToken.None);

        Assert.StartsWith("snap_", summary.Id, StringComparison.Ordinal);
        Assert.Equal(3, summary.Items);
        Assert.NotNull(found);
        Assert.Equal(summary, found.Summary);
        Assert.Equal(snapshot.Items, found.Snapshot.Items);
        Assert.Equal(("prod", "orders", Start, "host-1"), (found.Snapshot.Environment, found.Snapshot.Service, found.Snapshot.TakenAt, found.Snapshot.Host));
    }

    [Fact]
    public async Task FindAsync_AtOrBefore_PicksTheNewestTakenAtOrBeforeThatTime()
    {
        var store = new SqliteDriftSnapshotStore(State);
        foreach (var day in new[] { 3, 1, 2 })
        {
            await store.SaveAsync(Snap("prod", null, Start.AddDays(day), marker: $"day{day}"), Start.AddDays(4), CancellationToken.None);
        }

        Assert.Equal("day3", Marker(await store.FindAsync("prod", null, null, CancellationToken.None)));
        Assert.Equal("day2", Marker(await store.FindAsync("prod", null, Start.AddDays(2), CancellationToken.None)));
        Assert.Equal("day2", Marker(await store.FindAsync("prod", null, Start.AddDays(2.5), CancellationToken.None)));
        Assert.Null(await store.FindAsync("prod", null, Start.AddHours(23), CancellationToken.None));
        Assert.Null(await store.FindAsync("uat", null, null, CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_Service_KeepsServicesAndWholeHostSnapshotsApart()
    {
        var store = new SqliteDriftSnapshotStore(State);
        await store.SaveAsync(Snap("prod", null, Start, "host"), Start, CancellationToken.None);
        await store.SaveAsync(Snap("prod", "orders", Start.AddMinutes(1), "orders"), Start, CancellationToken.None);

        Assert.Equal("host", Marker(await store.FindAsync("prod", null, null, CancellationToken.None)));
        Assert.Equal("orders", Marker(await store.FindAsync("prod", "orders", null, CancellationToken.None)));
        Assert.Null(await store.FindAsync("prod", "billing", null, CancellationToken.None));
    }

    [Fact]
    public async Task PreviousAsync_IsTheSnapshotTakenJustBeforeInTheSameEnvironmentAndService()
    {
        var store = new SqliteDriftSnapshotStore(State);
        await store.SaveAsync(Snap("prod", "orders", Start, "first"), Start, CancellationToken.None);
        await store.SaveAsync(Snap("uat", "orders", Start.AddMinutes(5), "uat"), Start, CancellationToken.None);
        await store.SaveAsync(Snap("prod", "billing", Start.AddMinutes(6), "billing"), Start, CancellationToken.None);
        var second = await store.SaveAsync(Snap("prod", "orders", Start.AddMinutes(10), "second"), Start, CancellationToken.None);
        var first = (await store.ListAsync("prod", "orders", 10, CancellationToken.None))[^1];

        Assert.Equal("first", Marker(await store.PreviousAsync(second.Id, CancellationToken.None)));
        Assert.Null(await store.PreviousAsync(first.Id, CancellationToken.None));
        Assert.Null(await store.PreviousAsync("snap_unknown", CancellationToken.None));
    }

    [Fact]
    public async Task SaveAsync_BeyondTheHistoryBound_DropsTheOldestTakenOfThatEnvironmentOnly()
    {
        var store = new SqliteDriftSnapshotStore(State, historyPerSeries: 3, maxSnapshots: 100);
        await store.SaveAsync(Snap("uat", null, Start), Start, CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            await store.SaveAsync(Snap("prod", null, Start.AddHours(i), $"h{i}"), Start, CancellationToken.None);
        }

        var prod = await store.ListAsync("prod", null, 100, CancellationToken.None);
        Assert.Equal([Start.AddHours(4), Start.AddHours(3), Start.AddHours(2)], prod.Select(s => s.TakenAt));
        Assert.Single(await store.ListAsync("uat", null, 100, CancellationToken.None));
    }

    [Fact]
    public async Task SaveAsync_BeyondTheTotalBound_DropsTheOldestTakenOfAll()
    {
        var store = new SqliteDriftSnapshotStore(State, historyPerSeries: 2, maxSnapshots: 3);
        await store.SaveAsync(Snap("a", null, Start), Start, CancellationToken.None);
        await store.SaveAsync(Snap("b", null, Start.AddHours(1)), Start, CancellationToken.None);
        await store.SaveAsync(Snap("c", null, Start.AddHours(2)), Start, CancellationToken.None);
        await store.SaveAsync(Snap("d", null, Start.AddHours(3)), Start, CancellationToken.None);

        Assert.Equal(["d", "c", "b"], (await store.ListAsync(null, null, 10, CancellationToken.None)).Select(s => s.Environment));
    }

    [Fact]
    public async Task ListAsync_FiltersAndClampsTheLimit()
    {
        var store = new SqliteDriftSnapshotStore(State);
        await store.SaveAsync(Snap("prod", "orders", Start), Start, CancellationToken.None);
        await store.SaveAsync(Snap("prod", null, Start.AddMinutes(1)), Start, CancellationToken.None);
        await store.SaveAsync(Snap("uat", "orders", Start.AddMinutes(2)), Start, CancellationToken.None);

        Assert.Single(await store.ListAsync(null, null, 0, CancellationToken.None));
        Assert.Equal(["uat", "prod"], (await store.ListAsync(null, "orders", 10, CancellationToken.None)).Select(s => s.Environment));
        Assert.Equal([null, "orders"], (await store.ListAsync("prod", null, 10, CancellationToken.None)).Select(s => s.Service));
    }

    [Fact]
    public async Task SaveAsync_LargeSnapshot_IsStoredCompressedAndReadBackWhole()
    {
        var store = new SqliteDriftSnapshotStore(State);
        var items = Enumerable.Range(0, 5000).Select(i => new SnapshotItem("config", "key", $"appsettings:Section{i / 50}:Key{i}", $"value-{i % 10}", "appsettings.json")).ToList();
        await store.SaveAsync(new DriftSnapshot("prod", null, Start, "h", items), Start, CancellationToken.None);

        await using var connection = new SqliteConnection($"Data Source={State.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT length(items_gz) FROM drift_snapshots";
        var bytes = (long)(await command.ExecuteScalarAsync())!;

        // About 70 bytes of JSON per item; gzip keeps well under a fifth of it.
        Assert.InRange(bytes, 1, 5000 * 70 / 5);
        Assert.Equal(items, (await store.FindAsync("prod", null, null, CancellationToken.None))!.Snapshot.Items);
    }

    private static string? Marker(Vigil.Core.Drift.Compare.StoredDriftSnapshot? stored) =>
        stored?.Snapshot.Items.Single(i => i.Key == "appsettings:Marker").Value;
}
