using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Vigil.Core.Drift;
using Vigil.Storage.Drift;

namespace Vigil.Server.Tests.Drift;

public sealed class SqliteSchemaSourceTests : IDisposable
{
    /// <summary>One SQLite schema with every kind of object SQLite has, written in one order.</summary>
    internal const string Schema = """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name VARCHAR(200));
        CREATE TABLE orders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            total NUMERIC NOT NULL DEFAULT 0 CHECK (total >= 0),
            status TEXT NOT NULL DEFAULT 'new',
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            CONSTRAINT status_known CHECK (status IN ('new', 'paid')));
        CREATE INDEX ix_orders_customer ON orders (customer_id);
        CREATE UNIQUE INDEX ix_orders_open ON orders (customer_id, created_at) WHERE status = 'new';
        CREATE VIEW open_orders AS SELECT id, customer_id, total FROM orders WHERE status = 'new';
        CREATE TRIGGER orders_touch AFTER UPDATE ON orders BEGIN UPDATE orders SET created_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END;
        CREATE TABLE "__EFMigrationsHistory" ("MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY, "ProductVersion" TEXT NOT NULL);
        INSERT INTO "__EFMigrationsHistory" VALUES ('20240101000000_Init', '8.0.1'), ('20240201000000_AddStatus', '8.0.4');
        CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version TEXT, description TEXT NOT NULL, type TEXT NOT NULL,
            script TEXT NOT NULL, checksum INT, installed_by TEXT NOT NULL, execution_time INT NOT NULL, success BOOLEAN NOT NULL);
        INSERT INTO flyway_schema_history VALUES (1, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', 'main', NULL, 'ci', 0, 1),
            (2, '1', 'init', 'SQL', 'V1__init.sql', 11, 'ci', 5, 1), (3, NULL, 'views', 'SQL', 'R__views.sql', 1, 'ci', 5, 1),
            (4, NULL, 'views', 'SQL', 'R__views.sql', 2, 'ci', 5, 0);
        CREATE TABLE DATABASECHANGELOG (ID TEXT NOT NULL, AUTHOR TEXT NOT NULL, FILENAME TEXT NOT NULL, DATEEXECUTED TEXT NOT NULL,
            ORDEREXECUTED INT NOT NULL, EXECTYPE TEXT NOT NULL);
        INSERT INTO DATABASECHANGELOG VALUES ('1', 'alice', 'db/changelog.xml', '2026-01-01', 1, 'EXECUTED');
        """;

    private readonly List<string> _files = [];

    [Fact]
    public async Task CollectAsync_RealFile_EveryObjectKindWithKeyAndValue()
    {
        var file = NewFile();
        await CreateAsync(file, Schema);

        var items = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("ORDERS_DB"), new Dictionary<string, string> { ["ORDERS_DB"] = file });

        Assert.Equal("table", SchemaTestSupport.ValueOf(items, DriftItemKinds.Table, "main.orders"));
        Assert.Equal("numeric not null default 0", SchemaTestSupport.ValueOf(items, DriftItemKinds.Column, "main.orders.total"));
        Assert.Equal("text not null default current_timestamp", SchemaTestSupport.ValueOf(items, DriftItemKinds.Column, "main.orders.created_at"));
        Assert.Equal("text not null default 'new'", SchemaTestSupport.ValueOf(items, DriftItemKinds.Column, "main.orders.status"));
        Assert.Equal("varchar(200)", SchemaTestSupport.ValueOf(items, DriftItemKinds.Column, "main.customers.name"));
        Assert.Equal("(customer_id)", SchemaTestSupport.ValueOf(items, DriftItemKinds.Index, "main.orders.ix_orders_customer"));
        Assert.Equal("unique (customer_id, created_at) where status = 'new'", SchemaTestSupport.ValueOf(items, DriftItemKinds.Index, "main.orders.ix_orders_open"));
        Assert.Equal("primary key (id)", SchemaTestSupport.ValueOf(items, DriftItemKinds.Constraint, "main.orders.orders_pkey"));
        Assert.Equal(
            "foreign key (customer_id) references customers(id) on delete cascade",
            SchemaTestSupport.ValueOf(items, DriftItemKinds.Constraint, "main.orders.orders_customer_id_fkey"));
        Assert.Equal("unique (email)", SchemaTestSupport.ValueOf(items, DriftItemKinds.Constraint, "main.customers.customers_email_key"));
        Assert.Equal("check (total >= 0)", SchemaTestSupport.ValueOf(items, DriftItemKinds.Constraint, "main.orders.check:total >= 0"));
        Assert.Equal("check (status in ('new', 'paid'))", SchemaTestSupport.ValueOf(items, DriftItemKinds.Constraint, "main.orders.status_known"));
        Assert.Equal("select id, customer_id, total from orders where status = 'new'", SchemaTestSupport.ValueOf(items, DriftItemKinds.View, "main.open_orders"));
        Assert.Equal(
            "after update on orders begin update orders set created_at = current_timestamp where id = new.id; end",
            SchemaTestSupport.ValueOf(items, DriftItemKinds.Trigger, "main.orders.orders_touch"));
        Assert.Equal("8.0.4", SchemaTestSupport.ValueOf(items, DriftItemKinds.AppliedMigration, "efcore:20240201000000_AddStatus"));
        Assert.Equal("init success", SchemaTestSupport.ValueOf(items, DriftItemKinds.AppliedMigration, "flyway:1"));
        Assert.Equal("views failed", SchemaTestSupport.ValueOf(items, DriftItemKinds.AppliedMigration, "flyway:R:views"));
        Assert.Equal("executed", SchemaTestSupport.ValueOf(items, DriftItemKinds.AppliedMigration, "liquibase:1:alice:db/changelog.xml"));

        // SQLite's own tables and automatic indexes are not items; nothing unreadable; the source names the file.
        Assert.DoesNotContain(items, i => i.Key.Contains("sqlite_", StringComparison.Ordinal));
        Assert.DoesNotContain(items, i => i.Kind == DriftItemKinds.Unreadable);
        Assert.DoesNotContain(items, i => i.Key.StartsWith("flyway:R:<<", StringComparison.Ordinal));
        Assert.All(items, i => Assert.Equal("$ORDERS_DB (sqlite)", i.Source));
    }

    [Fact]
    public async Task CollectAsync_SameSchemaWrittenDifferently_IdenticalItems()
    {
        var first = NewFile();
        await CreateAsync(first, Schema);
        var second = NewFile();

        // Other order, letter case, whitespace and quoting; tables made and dropped in between.
        await CreateAsync(second, """
            create table scratch (x); drop table scratch;
            CREATE TABLE DATABASECHANGELOG (ID TEXT NOT NULL, AUTHOR TEXT NOT NULL, FILENAME TEXT NOT NULL, DATEEXECUTED TEXT NOT NULL,
                ORDEREXECUTED INT NOT NULL, EXECTYPE TEXT NOT NULL);
            INSERT INTO DATABASECHANGELOG VALUES ('1', 'alice', 'db/changelog.xml', '2026-02-02', 1, 'EXECUTED');
            CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version TEXT, description TEXT NOT NULL, type TEXT NOT NULL,
                script TEXT NOT NULL, checksum INT, installed_by TEXT NOT NULL, execution_time INT NOT NULL, success BOOLEAN NOT NULL);
            INSERT INTO flyway_schema_history VALUES (4, NULL, 'views', 'SQL', 'R__views.sql', 2, 'ci', 5, 0),
                (2, '1', 'init', 'SQL', 'V1__init.sql', 11, 'ci', 5, 1), (3, NULL, 'views', 'SQL', 'R__views.sql', 1, 'ci', 5, 1);
            CREATE TABLE "__EFMigrationsHistory" ("MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY, "ProductVersion" TEXT NOT NULL);
            INSERT INTO "__EFMigrationsHistory" VALUES ('20240201000000_AddStatus', '8.0.4'), ('20240101000000_Init', '8.0.1');
            CREATE TABLE orders (
              id integer primary key autoincrement,
              customer_id integer not null references customers ( id ) on delete cascade,
              total numeric not null default 0 check(total>=0),
              status text not null default 'new',
              created_at text not null default current_timestamp,
              constraint status_known check ( status in ('new','paid') )
            );
            create view open_orders as
              select id, customer_id, total
              from orders
              where status='new';
            create unique index ix_orders_open on orders(customer_id,created_at) where status = 'new';
            CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL UNIQUE, name varchar( 200 ));
            create trigger orders_touch after update on orders
            begin
              update orders set created_at = CURRENT_TIMESTAMP where id = new.id;
            end;
            CREATE INDEX IX_Orders_Customer ON Orders(Customer_ID);
            """);

        var firstItems = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = first });
        var secondItems = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = "Data Source=" + second + ";Cache=Shared" });

        Assert.True(firstItems.Count > 30, $"only {firstItems.Count} items");
        Assert.Equal(SchemaTestSupport.Rows(firstItems), SchemaTestSupport.Rows(secondItems));
    }

    [Fact]
    public async Task CollectAsync_RootedPathUnderRoot_ReadsTheFileInsideTheTree()
    {
        var root = Path.Combine(Path.GetTempPath(), "vigil-tree-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "srv", "app"));
        _files.Add(root);
        await CreateAsync(Path.Combine(root, "srv", "app", "orders.db"), "CREATE TABLE planted (a INT)");

        var items = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = "/srv/app/orders.db" }, root);

        Assert.Equal("int", SchemaTestSupport.ValueOf(items, DriftItemKinds.Column, "main.planted.a"));
        Assert.Equal("$DB (sqlite)", items[0].Source);
    }

    [Fact]
    public async Task CollectAsync_ReadOnly_FileUnchangedAndNothingCreated()
    {
        var file = NewFile();
        await CreateAsync(file, Schema);
        var before = await File.ReadAllBytesAsync(file);
        var missing = NewFile();

        await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = file });
        var items = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = missing });

        Assert.Equal(SHA256.HashData(before), SHA256.HashData(await File.ReadAllBytesAsync(file)));
        Assert.False(File.Exists(missing));
        var item = SchemaTestSupport.WholeDatabaseUnreadable(items);
        Assert.Equal(("$DB", "could not read: no such file: " + missing), (item.Key, item.Value));
    }

    [Fact]
    public async Task CollectAsync_NotADatabase_UnreadableItem()
    {
        var file = NewFile();
        await File.WriteAllTextAsync(file, "this is not a database, it is a text file that is long enough to have a header page.......");

        var items = await SchemaTestSupport.CollectAsync(new SqliteSchemaSource("DB"), new Dictionary<string, string> { ["DB"] = file });

        var item = SchemaTestSupport.WholeDatabaseUnreadable(items);
        Assert.Contains("file is not a database", item.Value, StringComparison.Ordinal);
        Assert.EndsWith($"({file})", item.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/srv/app/orders.db", true)]
    [InlineData("orders.sqlite3", true)]
    [InlineData("Data Source=orders.db;Mode=ReadOnly", true)]
    [InlineData("file:/srv/app/orders.db?mode=ro", true)]
    [InlineData("Host=db;Database=orders;Username=app;Password=x", false)]
    [InlineData("Server=db;Database=orders", false)]
    [InlineData("postgresql://app:x@db:5432/orders", false)]
    public void For_ValueShape_PicksTheEngine(string value, bool sqlite)
    {
        Assert.Equal(sqlite ? typeof(SqliteSchemaSource) : typeof(PostgresSchemaSource), DatabaseSchemaSource.For("DB", value).GetType());
    }

    /// <summary>Creates a SQLite file with <paramref name="sql"/> applied.</summary>
    internal static async Task CreateAsync(string file, string sql)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        foreach (var path in _files)
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    private string NewFile()
    {
        var file = Path.Combine(Path.GetTempPath(), "vigil-schema-" + Guid.NewGuid().ToString("N") + ".db");
        _files.Add(file);
        return file;
    }
}
