using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Vigil.Cli.Tests.Drift;

public sealed class DriftSnapshotCommandTests
{
    private const string DriftKey = "00112233445566778899aabbccddeeff";
    private const string Password = "pl4nted-Pa55word-4412";

    [Fact]
    public async Task Snapshot_Out_WritesTheSnapshotWithSecretsAsFingerprintsOnly()
    {
        using var tree = PlantedTree();
        var file = Path.Combine(tree.Path, "snapshot.json");
        var variables = new Dictionary<string, string> { ["VIGIL_DRIFT_KEY"] = DriftKey, ["DB_PASSWORD"] = Password, ["REGION"] = "eu-west-1", ["PWD"] = "/root" };

        var run = await RunAsync(["drift", "snapshot", "--environment", "prod", "--service", "orders", "--root", Path.Combine(tree.Path, "root"), "--out", file], variables);

        Assert.True(run.ExitCode == 0, run.ToString());
        var text = await File.ReadAllTextAsync(file);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("prod", root.GetProperty("environment").GetString());
        Assert.Equal("orders", root.GetProperty("service").GetString());
        Assert.Equal(CliRun.Now, root.GetProperty("takenAt").GetDateTimeOffset());
        var items = root.GetProperty("items").EnumerateArray().ToList();
        var byKey = items.ToDictionary(i => i.GetProperty("category").GetString() + "|" + i.GetProperty("key").GetString());
        Assert.Equal("eu-west-1", byKey["env|REGION"].GetProperty("value").GetString());
        Assert.False(byKey.ContainsKey("env|PWD"));
        Assert.False(byKey.ContainsKey("env|VIGIL_DRIFT_KEY"));
        var secret = byKey["env|DB_PASSWORD"];
        Assert.True(secret.GetProperty("secret").GetBoolean());
        Assert.Equal(JsonValueKind.Null, secret.GetProperty("value").ValueKind);
        Assert.Equal(64, secret.GetProperty("secretHmac").GetString()!.Length);
        Assert.Equal(secret.GetProperty("secretHmac").GetString(), byKey["config|app/appsettings.json:Db:Password"].GetProperty("secretHmac").GetString());
        Assert.Equal("10", byKey["config|app/appsettings.json:Timeout"].GetProperty("value").GetString());
        Assert.Equal("17.0.9", byKey["runtime|java"].GetProperty("value").GetString());
        Assert.Equal("13.0.3", byKey["dependency|nuget:Newtonsoft.Json"].GetProperty("value").GetString());
        Assert.Equal("unreadable", byKey["config|app/broken.ini"].GetProperty("kind").GetString());
        Assert.Equal(items.Select(i => (i.GetProperty("category").GetString(), i.GetProperty("key").GetString())).OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal), items.Select(i => (i.GetProperty("category").GetString(), i.GetProperty("key").GetString())));
        foreach (var haystack in new[] { text, run.Out, run.Error })
        {
            Assert.DoesNotContain(Password, haystack, StringComparison.Ordinal);
            Assert.DoesNotContain(DriftKey, haystack, StringComparison.Ordinal);
        }

        Assert.Contains("keyed fingerprints", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_WithoutKey_RecordsPresenceOnly()
    {
        using var tree = PlantedTree();
        var file = Path.Combine(tree.Path, "snapshot.json");

        var run = await RunAsync(["drift", "snapshot", "--environment", "uat", "--root", Path.Combine(tree.Path, "root"), "--out", file], new Dictionary<string, string> { ["DB_PASSWORD"] = Password });

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        var secret = json.RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("key").GetString() == "DB_PASSWORD");
        Assert.True(secret.GetProperty("secret").GetBoolean());
        Assert.Equal(JsonValueKind.Null, secret.GetProperty("secretHmac").ValueKind);
        Assert.Contains("presence only", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_WithoutOut_UploadsToTheServer()
    {
        using var tree = PlantedTree();
        var handler = StubHandler.Json("""{"id":"snap_1","environment":"prod","service":null,"takenAt":"2025-03-01T12:00:00Z","host":"h","items":42}""", HttpStatusCode.Created);

        var run = await RunAsync(["drift", "snapshot", "--environment", "prod", "--root", Path.Combine(tree.Path, "root"), "--server", "http://vigil.test:7070", "--api-key", "ingest-key"],
            new Dictionary<string, string> { ["DB_PASSWORD"] = Password }, handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/v1/drift/snapshots", request.RequestUri!.AbsolutePath);
        using var body = JsonDocument.Parse(handler.Bodies[0]!);
        Assert.Equal("prod", body.RootElement.GetProperty("environment").GetString());
        Assert.Contains(body.RootElement.GetProperty("items").EnumerateArray(), i => i.GetProperty("key").GetString() == "app/appsettings.json:Timeout");
        Assert.DoesNotContain(Password, handler.Bodies[0]!, StringComparison.Ordinal);
        Assert.Contains("snap_1", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_ServerUnreachable_Exits4()
    {
        using var tree = PlantedTree();

        var run = await RunAsync(["drift", "snapshot", "--environment", "prod", "--root", Path.Combine(tree.Path, "root"), "--server", ClosedPort.Url()], new Dictionary<string, string>());

        Assert.True(run.ExitCode == 4, run.ToString());
    }

    [Fact]
    public async Task Snapshot_DbEnv_RecordsTheSqliteSchemaAndAnUnsetVariableAsUnreadable()
    {
        using var tree = PlantedTree();
        var database = Path.Combine(tree.Path, "orders.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + database))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC NOT NULL)";
            command.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var file = Path.Combine(tree.Path, "snapshot.json");

        var run = await RunAsync(
            ["drift", "snapshot", "--environment", "prod", "--root", Path.Combine(tree.Path, "root"), "--db-env", "ORDERS_DB", "--db-env", "MISSING_DB", "--out", file],
            new Dictionary<string, string> { ["ORDERS_DB"] = "Data Source=" + database });

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        var schema = json.RootElement.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("category").GetString() == "schema").ToList();
        Assert.Contains(schema, i => i.GetProperty("kind").GetString() == "table" && i.GetProperty("key").GetString()!.Contains("orders", StringComparison.Ordinal));
        Assert.Contains(schema, i => i.GetProperty("kind").GetString() == "column" && i.GetProperty("key").GetString()!.EndsWith("orders.total", StringComparison.Ordinal));
        var missing = Assert.Single(schema, i => i.GetProperty("key").GetString() == "$MISSING_DB");
        Assert.Equal("unreadable", missing.GetProperty("kind").GetString());
        Assert.StartsWith("could not read: ", missing.GetProperty("value").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("drift", "snapshot")]
    [InlineData("drift", "snapshot", "--environment", "prod", "--root", "/nonexistent/vigil-root")]
    [InlineData("drift", "snapshot", "--environment", "prod prod")]
    [InlineData("drift", "snapshot", "--environment", "-prod")]
    [InlineData("drift", "snapshot", "--environment", "prod", "--service", "a/b")]
    [InlineData("drift", "snapshot", "--environment", "prod", "--secret-pattern", "(unclosed")]
    [InlineData("drift", "snapshot", "--environment", "prod", "--db-env", "Host=db;Password=x")]
    public async Task Snapshot_BadUsage_Exits3WithoutCallingTheServer(params string[] args)
    {
        var handler = StubHandler.Json("{}");

        var run = await RunAsync(args, new Dictionary<string, string>(), handler);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData("not-hex-at-all-not-hex-at-all-xx")]
    [InlineData("0011")]
    public async Task Snapshot_BadDriftKey_Exits3AndNeverPrintsTheKey(string key)
    {
        using var tree = PlantedTree();

        var run = await RunAsync(["drift", "snapshot", "--environment", "prod", "--root", Path.Combine(tree.Path, "root"), "--out", Path.Combine(tree.Path, "s.json")],
            new Dictionary<string, string> { ["VIGIL_DRIFT_KEY"] = key });

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("VIGIL_DRIFT_KEY", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(key, run.Error + run.Out, StringComparison.Ordinal);
    }

    private static TempDirectory PlantedTree()
    {
        var tree = new TempDirectory();
        Write(tree, "root/app/appsettings.json", $$"""{ "Timeout": 30, "Db": { "Password": "{{Password}}" } }""");
        Write(tree, "root/app/appsettings.Production.json", """{ "Timeout": 10 }""");
        Write(tree, "root/app/broken.ini", "[unclosed\n");
        Write(tree, "root/app/packages.lock.json", """{ "version": 1, "dependencies": { "net8.0": { "Newtonsoft.Json": { "type": "Direct", "resolved": "13.0.3" } } } }""");
        Write(tree, "root/usr/lib/jvm/java-17/release", "JAVA_VERSION=\"17.0.9\"\n");
        return tree;
    }

    private static void Write(TempDirectory tree, string relative, string text)
    {
        var path = Path.Combine(tree.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static async Task<CliRun> RunAsync(string[] args, Dictionary<string, string> variables, HttpMessageHandler? handler = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new CliEnvironment(
            output, error, new FakeTimeProvider(CliRun.Now),
            name => variables.TryGetValue(name, out var value) ? value : null,
            handler, HandleSignals: false, ListVariables: () => variables);
        var code = await CliApp.RunAsync(args, environment, CancellationToken.None);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}
