using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;
using Vigil.Server.Tests.Integration;
using Vigil.Storage.Drift;

namespace Vigil.Server.Tests.Drift;

/// <summary>The schema sources' items through the real comparer: what a report says about databases.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaDriftCompareTests
{
    private static readonly DateTimeOffset TakenAt = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly PostgresCluster _cluster;

    public SchemaDriftCompareTests(PostgresCluster cluster) => _cluster = cluster;

    [Fact]
    public async Task Compare_ProdDatabaseUnreachable_UnreadableNotEveryTableMissing()
    {
        var uatDb = await _cluster.CreateDatabaseAsync("reach");
        await PostgresCluster.ExecuteAsync(uatDb, PostgresSchemaSourceTests.Schema);
        var unreachable = $"Host=127.0.0.1;Port={PrometheusProcess.FreePort()};Database=orders;Username=app;Password=pw-nowhere";

        var uat = await SchemaTestSupport.CollectAsync(new PostgresSchemaSource("ORDERS_DB"), new Dictionary<string, string> { ["ORDERS_DB"] = uatDb.PasswordConnectionString });
        var prod = await SchemaTestSupport.CollectAsync(new PostgresSchemaSource("ORDERS_DB"), new Dictionary<string, string> { ["ORDERS_DB"] = unreachable });
        var report = new DriftComparer().Compare(Snapshot("uat", uat), Snapshot("prod", prod));

        // Prod's tables, columns, migrations and server version are unknown, not missing: only the two unreadable items
        // are listed, and a note says what is unknown.
        Assert.True(uat.Count > 40);
        Assert.Equal(
            ["migration|unexpected|$ORDERS_DB|medium", "schema|unexpected|$ORDERS_DB|medium"],
            report.Items.Select(i => $"{i.Category}|{i.Change.ToString().ToLowerInvariant()}|{i.Key}|{i.Risk.ToString().ToLowerInvariant()}").Order(StringComparer.Ordinal));
        Assert.Contains(report.Notes ?? [], n => n.Contains("could not read $ORDERS_DB (postgresql) (schema)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compare_SqliteDefinitionsDifferInMeaningOnly_OnlyThoseAreDrift()
    {
        var left = Path.Combine(Path.GetTempPath(), "vigil-meaning-" + Guid.NewGuid().ToString("N") + ".db");
        var right = Path.Combine(Path.GetTempPath(), "vigil-meaning-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await SqliteSchemaSourceTests.CreateAsync(left, """
                CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL DEFAULT 'New', note TEXT DEFAULT 'a  b');
                CREATE VIEW recent AS SELECT id FROM orders WHERE status = 'New' -- the open ones
                ;
                """);
            await SqliteSchemaSourceTests.CreateAsync(right, """
                create table ORDERS (ID integer primary key, STATUS text not null default 'new', NOTE text default 'a b');
                create view RECENT as
                  /* the open ones */
                  select ID from ORDERS where STATUS = 'New';
                """);

            var uat = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = left });
            var prod = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = right });
            var report = new DriftComparer().Compare(Snapshot("uat", uat), Snapshot("prod", prod));

            // Letter case of names and keywords, whitespace and comments are not drift; text inside literals is.
            Assert.Equal(
                ["main.orders.note|text default 'a  b'|text default 'a b'", "main.orders.status|text not null default 'New'|text not null default 'new'"],
                report.Items.Select(i => $"{i.Key}|{i.Left}|{i.Right}").Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(left);
            File.Delete(right);
        }
    }

    private static DriftSnapshot Snapshot(string environment, IReadOnlyList<SnapshotItem> items) => new(environment, null, TakenAt, "host", items);
}
