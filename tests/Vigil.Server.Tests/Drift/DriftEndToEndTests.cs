using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Drift;

/// <summary>
/// Issue 9's "must show" scenarios end to end: planted host trees and real databases, snapshots taken by the built
/// <c>vigil drift snapshot</c> as a child process, uploaded with an ingest key to a real <c>vigil serve</c>, and the
/// report read with <c>vigil drift compare</c>.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DriftEndToEndTests
{
    // A fixed HMAC key for VIGIL_DRIFT_KEY (64 hex digits), so "same secret" is answerable.
    private const string DriftKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    private readonly PostgresCluster _cluster;

    public DriftEndToEndTests(PostgresCluster cluster) => _cluster = cluster;

    [Fact]
    public async Task Compare_TwoEnvironmentsBuiltForReal_ListsExactlyThePlantedDifferences()
    {
        // Databases: Prod lacks a column, an index and a migration row, and was built in another order.
        var uatDb = await _cluster.CreateDatabaseAsync("uat");
        await PostgresCluster.ExecuteAsync(uatDb, """
            CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                total numeric(12,2) NOT NULL DEFAULT 0, discount numeric(12,2) NOT NULL DEFAULT 0);
            CREATE INDEX ix_orders_customer ON orders (customer_id);
            CREATE TABLE "__EFMigrationsHistory" ("MigrationId" varchar(150) PRIMARY KEY, "ProductVersion" varchar(32) NOT NULL);
            INSERT INTO "__EFMigrationsHistory" VALUES ('20240101000000_Init', '8.0.4'), ('20240201000000_AddOrders', '8.0.4'),
                ('20240301000000_AddDiscount', '8.0.4');
            """);
        var prodDb = await _cluster.CreateDatabaseAsync("prod");
        await PostgresCluster.ExecuteAsync(prodDb, """
            CREATE TABLE "__EFMigrationsHistory" ("MigrationId" varchar(150) PRIMARY KEY, "ProductVersion" varchar(32) NOT NULL);
            INSERT INTO "__EFMigrationsHistory" VALUES ('20240201000000_AddOrders', '8.0.4'), ('20240101000000_Init', '8.0.4');
            create table customers (email text not null unique, id bigint primary key);
            create table orders (
                total numeric(12, 2) not null default 0,
                customer_id bigint not null references customers (id),
                id bigint primary key);
            """);

        using var uat = new PlantedTree("uat");
        using var prod = new PlantedTree("prod");
        PlantHost(uat, kernel: "6.1.0-18-amd64", memoryMax: "2147483648");
        PlantHost(prod, kernel: "6.1.0-21-amd64", memoryMax: "1073741824");

        // Configuration: the same files in both trees (as one build is deployed to both); the overlays that the
        // environment selects differ. Prod's copies are written with other key order, whitespace and file order.
        const string overlayUat = """{ "Payments": { "TimeoutSeconds": 60 } }""";
        const string overlayProd = """{ "Payments": { "TimeoutSeconds": 10 } }""";
        const string profileProd = "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\n";
        uat.Write("srv/orders/appsettings.json", """
            {
              "Logging": { "LogLevel": { "Default": "Information", "Microsoft": "Warning" } },
              "Payments": { "TimeoutSeconds": 30, "Retries": 3, "Url": "https://payments.example.com/v2" },
              "Features": [ "checkout", "returns" ]
            }
            """)
            .Write("srv/orders/appsettings.uat.json", overlayUat)
            .Write("srv/orders/appsettings.Production.json", overlayProd)
            .Write("srv/orders/config/application.yml", "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 20\n      connection-timeout: 3000\nserver:\n  port: 8080\n")
            .Write("srv/orders/config/application-prod.yml", profileProd)
            .Write("srv/orders/config/messaging.properties", "queue.name=orders\nqueue.prefetch=50\nqueue.durable=true\n")
            .Write("srv/orders/packages.lock.json", NuGetLock(("Newtonsoft.Json", "13.0.3"), ("Polly", "8.4.0"), ("Serilog", "3.1.1"), ("Dapper", "2.1.35")))
            .Write("srv/web/package-lock.json", NpmLock(("left-pad", "1.3.0"), ("lodash", "4.17.21"), ("react", "18.2.0")));
        await SqliteSchemaSourceTests.CreateAsync(uat.PathOf("srv/data/jobs.db"), """
            CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, retries INTEGER NOT NULL DEFAULT 3);
            CREATE INDEX ix_jobs_name ON jobs (name);
            """);

        prod.Write("srv/web/package-lock.json", NpmLock(("react", "18.2.0"), ("left-pad", "1.3.0"), ("lodash", "4.17.21")))
            .Write("srv/orders/packages.lock.json", NuGetLock(("Dapper", "2.1.35"), ("Polly", "8.2.0"), ("Newtonsoft.Json", "12.0.3")))
            .Write("srv/orders/config/messaging.properties", "queue.durable = true\n\nqueue.name=orders\n# comment\nqueue.prefetch =50\n")
            .Write("srv/orders/config/application-prod.yml", profileProd)
            .Write("srv/orders/config/application.yml", "server: {port: 8080}\nspring:\n    datasource:\n        hikari:\n            connection-timeout: 3000\n            maximum-pool-size: 20\n")
            .Write("srv/orders/appsettings.Production.json", overlayProd)
            .Write("srv/orders/appsettings.uat.json", overlayUat)
            .Write("srv/orders/appsettings.json", """{"Payments":{"Url":"https://payments.example.com/v2","Retries":3,"TimeoutSeconds":30},"Features":["checkout","returns"],"Logging":{"LogLevel":{"Microsoft":"Warning","Default":"Information"}}}""");
        await SqliteSchemaSourceTests.CreateAsync(prod.PathOf("srv/data/jobs.db"), """
            create table jobs (
                id integer primary key,
                name text not null,
                retries integer not null default 5);
            create index IX_JOBS_NAME on jobs(name);
            """);

        // Environment variables: a flag differs, a setting is missing in Prod; each points at its own database.
        var uatVariables = Variables(uatDb, ("FEATURE_NEW_CHECKOUT", "true"), ("CACHE_TTL_SECONDS", "300"));
        var prodVariables = Variables(prodDb, ("FEATURE_NEW_CHECKOUT", "false"));

        await using var server = await DriftServer.StartAsync();
        await server.SnapshotAsync("uat", uat, uatVariables, "--db-env", "ORDERS_DB", "--db-env", "JOBS_DB");
        await server.SnapshotAsync("prod", prod, prodVariables, "--db-env", "ORDERS_DB", "--db-env", "JOBS_DB");
        var report = await server.CompareJsonAsync("uat", "prod");

        string[] expected =
        [
            "config|changed|srv/orders/appsettings.json:Payments:TimeoutSeconds|medium",
            "config|changed|srv/orders/config/application.yml:spring.datasource.hikari.maximum-pool-size|medium",
            "dependency|changed|nuget:Newtonsoft.Json|high",
            "dependency|changed|nuget:Polly|medium",
            "dependency|missing|nuget:Serilog|medium",
            "env|changed|FEATURE_NEW_CHECKOUT|medium",
            "env|missing|CACHE_TTL_SECONDS|medium",
            "env|changed|ORDERS_DB|medium",
            "migration|missing|efcore:20240301000000_AddDiscount|high",
            "runtime|changed|kernel|low",
            "runtime|changed|memory.max|medium",
            "schema|missing|public.orders.discount|high",
            "schema|missing|public.orders.ix_orders_customer|medium",
            "schema|changed|main.jobs.retries|medium",
        ];
        var actual = report.Items.Select(i => $"{i.Category}|{i.Change}|{i.Key}|{i.Risk}").ToList();
        Assert.True(
            expected.Order(StringComparer.Ordinal).SequenceEqual(actual.Order(StringComparer.Ordinal)),
            $"expected:\n{string.Join('\n', expected.Order(StringComparer.Ordinal))}\nactual:\n{Describe(report)}");

        // Highest risk first, every item explained in one sentence, the databases' passwords nowhere.
        Assert.Equal(report.Items.Select(i => Rank(i.Risk)).OrderByDescending(r => r), report.Items.Select(i => Rank(i.Risk)));
        Assert.All(report.Items, i => Assert.False(string.IsNullOrWhiteSpace(i.Why)));
        Assert.Contains("column does not exist", report.Items.Single(i => i.Key == "public.orders.discount").Why, StringComparison.Ordinal);
        var retries = report.Items.Single(i => i.Key == "main.jobs.retries");
        Assert.Equal(("integer not null default 3", "integer not null default 5"), (retries.Left, retries.Right));
        Assert.DoesNotContain(_cluster.Password, JsonSerializer.Serialize(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_EmptyJavaTruststoreInProd_RankedHighWithTheReason()
    {
        using var uat = new PlantedTree("java-uat");
        using var prod = new PlantedTree("java-prod");
        foreach (var (tree, certificates) in new[] { (uat, 3), (prod, 0) })
        {
            PlantHost(tree, kernel: "6.1.0-18-amd64", memoryMax: "max");
            const string jvm = "usr/lib/jvm/java-17-openjdk-amd64";
            tree.Write($"{jvm}/release", "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"17.0.10\"\nJAVA_RUNTIME_VERSION=\"17.0.10+7\"\n")
                .Write($"{jvm}/conf/security/java.security", "crypto.policy=unlimited\njdk.tls.disabledAlgorithms=SSLv3, TLSv1, TLSv1.1, RC4, DES, \\\n    MD5withRSA, DH keySize < 1024\n")
                .WriteBytes($"{jvm}/lib/security/cacerts", JavaKeyStore.Jks(certificates));
        }

        await using var server = await DriftServer.StartAsync();
        await server.SnapshotAsync("uat", uat, Variables(null));
        await server.SnapshotAsync("prod", prod, Variables(null));
        var report = await server.CompareJsonAsync("uat", "prod");

        var item = Assert.Single(report.Items);
        Assert.Equal(("runtime", "crypto", "changed", "high"), (item.Category, item.Kind, item.Change, item.Risk));
        Assert.Equal(("java:17:cacerts", "3", "0"), (item.Key, item.Left, item.Right));
        Assert.Contains("InvalidAlgorithmParameterException", item.Why, StringComparison.Ordinal);
        Assert.Contains("trustAnchors parameter must be non-empty", item.Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_PlantedValuesAppearNowhere_YetSameAndDifferentAreTold()
    {
        var secrets = Enumerable.Range(1, 6).Select(i => $"sEcReT{i}-{Guid.NewGuid():N}").ToArray();
        var database = await _cluster.CreateDatabaseAsync("secrets");
        await PostgresCluster.ExecuteAsync(database, "CREATE TABLE accounts (id int PRIMARY KEY)");
        var forbidden = secrets.Append(_cluster.Password).ToArray();

        using var uat = new PlantedTree("secret-uat");
        using var prod = new PlantedTree("secret-prod");
        foreach (var (tree, clientSecret) in new[] { (uat, secrets[4]), (prod, secrets[5]) })
        {
            PlantHost(tree, kernel: "6.1.0-18-amd64", memoryMax: "max");
            tree.Write("srv/billing/appsettings.json", $$"""{ "ConnectionStrings": { "Billing": "Host=db;Username=app;Password={{secrets[3]}}" }, "Mode": "live" }""")
                .Write("srv/billing/config/application.properties", $"payments.client-secret={clientSecret}\npayments.region=eu\n");
        }

        var uatVariables = Variables(database, ("PAYMENTS_API_KEY", secrets[0]), ("ORDERS_API_TOKEN", secrets[1]));
        var prodVariables = Variables(database, ("PAYMENTS_API_KEY", secrets[0]), ("ORDERS_API_TOKEN", secrets[2]));

        await using var server = await DriftServer.StartAsync();
        var printed = new StringBuilder();
        printed.Append(await server.SnapshotAsync("uat", uat, uatVariables, "--db-env", "ORDERS_DB"));
        printed.Append(await server.SnapshotAsync("prod", prod, prodVariables, "--db-env", "ORDERS_DB"));

        // The snapshot JSON as written with --out.
        var outFile = Path.Combine(uat.Root, "..", Path.GetFileName(uat.Root) + ".snapshot.json");
        try
        {
            var (exit, output, error) = await DriftCli.RunAsync(
                uatVariables,
                ["drift", "snapshot", "--environment", "uat", "--root", uat.Root, "--db-env", "ORDERS_DB", "--out", outFile]);
            Assert.True(exit == 0, output + error);
            printed.Append(output).Append(error);
            var snapshotJson = await File.ReadAllTextAsync(outFile);
            AssertNowhere(forbidden, snapshotJson, "the snapshot JSON");
            var snapshot = JsonSerializer.Deserialize<DriftSnapshotDto>(snapshotJson, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            Assert.All(
                snapshot.Items.Where(i => i.Key is "PAYMENTS_API_KEY" or "ORDERS_API_TOKEN" or "ORDERS_DB"),
                i => Assert.True(i.Secret && i.Value is null && i.SecretHmac is { Length: 64 }, $"{i.Key} is not a keyed secret"));
            Assert.Contains(snapshot.Items, i => i.Category == "schema" && i.Key == "public.accounts.id");
        }
        finally
        {
            File.Delete(outFile);
        }

        // The report in every format, and the API's answers.
        foreach (var format in new[] { "table", "json", "markdown" })
        {
            var (exit, output, error) = await server.CompareAsync("uat", "prod", "--output", format);
            Assert.True(exit == 0, output + error);
            AssertNowhere(forbidden, output + error, $"the {format} report");
        }

        using var api = server.Process.CreateClient(server.ReadKey);
        AssertNowhere(forbidden, await api.GetStringAsync("/api/v1/drift/snapshots"), "GET /api/v1/drift/snapshots");
        var reportJson = await api.GetStringAsync("/api/v1/drift/compare?left=uat&right=prod");
        AssertNowhere(forbidden, reportJson, "GET /api/v1/drift/compare");
        AssertNowhere(forbidden, printed.ToString(), "what vigil drift snapshot printed");

        // Same and different secrets are still told apart.
        var report = (await api.GetFromJsonAsync<DriftReportDto>("/api/v1/drift/compare?left=uat&right=prod"))!;
        var notes = string.Join("\n", report.Notes ?? []);
        Assert.Contains("Same secret", notes, StringComparison.Ordinal);
        Assert.Contains("PAYMENTS_API_KEY", notes, StringComparison.Ordinal);
        Assert.Contains("srv/billing/appsettings.json:ConnectionStrings:Billing", notes, StringComparison.Ordinal);
        Assert.Contains("ORDERS_DB", notes, StringComparison.Ordinal);
        foreach (var key in new[] { "ORDERS_API_TOKEN", "srv/billing/config/application.properties:payments.client-secret" })
        {
            var item = Assert.Single(report.Items, i => i.Key == key);
            Assert.Equal("changed", item.Change);
            Assert.Contains("differs", item.Why, StringComparison.Ordinal);
            Assert.StartsWith("secret (sha ", item.Left, StringComparison.Ordinal);
            Assert.NotEqual(item.Left, item.Right);
        }

        Assert.DoesNotContain(report.Items, i => i.Key is "PAYMENTS_API_KEY" or "ORDERS_DB" or "srv/billing/appsettings.json:ConnectionStrings:Billing");

        // The stored data and the server's log, byte for byte, once the server has written everything down.
        await server.Process.StopAsync(TimeSpan.FromSeconds(30));
        foreach (var file in Directory.EnumerateFiles(server.Process.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var secret in forbidden)
            {
                Assert.True(
                    bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0 && bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) < 0,
                    $"a planted secret is in {file}");
            }
        }

        AssertNowhere(forbidden, server.Process.Output, "the server's output");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Snapshot_BadInput_EachBecomesCouldNotReadAndTheRestIsKept()
    {
        const string password = "bad-input-password-123";
        using var tree = new PlantedTree("bad");
        PlantHost(tree, kernel: "6.1.0-18-amd64", memoryMax: "max");
        tree.Write("srv/app/appsettings.json", "{ \"Logging\": { \"Level\": \"Information\", }\n  \"Broken\": [1, 2\n")
            .Write("srv/app/config/application.yml", "spring:\n  datasource:\n    url: jdbc:postgresql://db/app\n   - not: valid\n  :\n")
            .Write("srv/app/config/locked.properties", "locked.value=1\n")
            .Write("srv/app/config/good.properties", "good.value=42\n")
            .Write("srv/app/packages.lock.json", NuGetLock(("Dapper", "2.1.35")));
        File.SetUnixFileMode(tree.PathOf("srv/app/config/locked.properties"), UnixFileMode.None);
        await SqliteSchemaSourceTests.CreateAsync(tree.PathOf("srv/data/jobs.db"), "CREATE TABLE jobs (id INTEGER PRIMARY KEY)");

        var outDirectory = Path.Combine(Path.GetTempPath(), "vigil-drift-out-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outDirectory);
        File.SetUnixFileMode(outDirectory, (UnixFileMode)0x1FF); // rwxrwxrwx: written by the unprivileged child
        var outFile = Path.Combine(outDirectory, "snapshot.json");
        try
        {
            var variables = DriftCli.BaseVariables();
            variables["ORDERS_DB"] = $"Host=127.0.0.1;Port={PrometheusProcess.FreePort()};Database=orders;Username=app;Password={password}";
            variables["JOBS_DB"] = "/srv/data/jobs.db";
            variables["APP_MODE"] = "batch";

            // As an unprivileged user, so the file without read permission is really unreadable (root reads anything).
            var (exit, output, error) = await DriftCli.RunAsync(
                variables,
                ["drift", "snapshot", "--environment", "uat", "--root", tree.Root, "--db-env", "ORDERS_DB", "--db-env", "JOBS_DB", "--out", outFile],
                asNobody: true);
            Assert.True(exit == 0, output + error);
            var json = await File.ReadAllTextAsync(outFile);
            var snapshot = JsonSerializer.Deserialize<DriftSnapshotDto>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            var unreadable = snapshot.Items.Where(i => i.Kind == "unreadable").ToList();
            var described = string.Join('\n', snapshot.Items.Select(i => $"{i.Category}|{i.Kind}|{i.Key}|{i.Value}"));

            Assert.All(unreadable, i => Assert.StartsWith("could not read: ", i.Value, StringComparison.Ordinal));
            Assert.Contains(unreadable, i => i.Category == "config" && i.Key.StartsWith("srv/app/appsettings.json", StringComparison.Ordinal) && i.Value!.Contains("invalid JSON", StringComparison.Ordinal));
            Assert.Contains(unreadable, i => i.Category == "config" && i.Key.StartsWith("srv/app/config/application.yml", StringComparison.Ordinal) && i.Value!.Contains("invalid YAML", StringComparison.Ordinal));
            Assert.Contains(unreadable, i => i.Category == "config" && i.Key.StartsWith("srv/app/config/locked.properties", StringComparison.Ordinal) && i.Value!.Contains("permission denied", StringComparison.Ordinal));
            Assert.Contains(unreadable, i => i.Category == "schema" && i.Key == "$ORDERS_DB" && i.Value!.Contains("refused", StringComparison.OrdinalIgnoreCase));
            Assert.True(unreadable.Count is >= 4 and <= 6, described);

            // Everything else is still there.
            Assert.Contains(snapshot.Items, i => i.Category == "config" && i.Key == "srv/app/config/good.properties:good.value" && i.Value == "42");
            Assert.Contains(snapshot.Items, i => i.Category == "dependency" && i.Key == "nuget:Dapper" && i.Value == "2.1.35");
            Assert.Contains(snapshot.Items, i => i.Category == "env" && i.Key == "APP_MODE" && i.Value == "batch");
            Assert.Contains(snapshot.Items, i => i.Category == "schema" && i.Key == "main.jobs.id");
            Assert.Contains(snapshot.Items, i => i.Category == "runtime" && i.Key == "kernel");
            Assert.DoesNotContain(password, json, StringComparison.Ordinal);
            Assert.DoesNotContain(password, output + error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Compare_FailOnHigh_ExitsOneWithHighDriftAndZeroWithout()
    {
        using var uat = new PlantedTree("gate-uat");
        using var prod = new PlantedTree("gate-prod");
        using var stage = new PlantedTree("gate-stage");
        foreach (var (tree, newtonsoft) in new[] { (uat, "13.0.3"), (prod, "12.0.3"), (stage, "13.0.1") })
        {
            PlantHost(tree, kernel: "6.1.0-18-amd64", memoryMax: "max");
            tree.Write("srv/app/packages.lock.json", NuGetLock(("Newtonsoft.Json", newtonsoft), ("Dapper", "2.1.35")));
        }

        await using var server = await DriftServer.StartAsync();
        await server.SnapshotAsync("uat", uat, Variables(null, ("FEATURE_X", "on")));
        await server.SnapshotAsync("prod", prod, Variables(null, ("FEATURE_X", "on")));
        await server.SnapshotAsync("stage", stage, Variables(null, ("FEATURE_X", "off")));

        // Prod: a major version apart (high). Stage: a patch apart (low) and a flag (medium), nothing high.
        var highProd = await server.CompareAsync("uat", "prod", "--fail-on", "high");
        var highStage = await server.CompareAsync("uat", "stage", "--fail-on", "high");
        var mediumStage = await server.CompareAsync("uat", "stage", "--fail-on", "medium");
        var plain = await server.CompareAsync("uat", "prod");

        Assert.True(highProd.ExitCode == 1, highProd.Output + highProd.Error);
        Assert.True(highStage.ExitCode == 0, highStage.Output + highStage.Error);
        Assert.True(mediumStage.ExitCode == 1, mediumStage.Output + mediumStage.Error);
        Assert.True(plain.ExitCode == 0, plain.Output + plain.Error);
        Assert.Contains("nuget:Newtonsoft.Json", highProd.Output, StringComparison.Ordinal);
    }

    /// <summary>The runtime facts every planted host has; the kernel and the memory limit vary per scenario.</summary>
    private static void PlantHost(PlantedTree tree, string kernel, string memoryMax)
    {
        tree.Write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")
            .Write("etc/timezone", "Etc/UTC\n")
            .Write("proc/sys/kernel/osrelease", kernel + "\n")
            .Write("sys/fs/cgroup/memory.max", memoryMax + "\n")
            .Write("sys/fs/cgroup/cpu.max", "200000 100000\n")
            .Folder("usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.5")
            .Folder("usr/share/dotnet/shared/Microsoft.AspNetCore.App/8.0.5");
    }

    /// <summary>The child's variables: the base set, the drift key, the databases (when given) and <paramref name="extra"/>.</summary>
    private static Dictionary<string, string> Variables(PostgresDatabase? database, params (string Name, string Value)[] extra)
    {
        var variables = DriftCli.BaseVariables();
        variables["VIGIL_DRIFT_KEY"] = DriftKey;
        if (database is not null)
        {
            variables["ORDERS_DB"] = database.PasswordConnectionString;
            variables["JOBS_DB"] = "/srv/data/jobs.db";
        }

        foreach (var (name, value) in extra)
        {
            variables[name] = value;
        }

        return variables;
    }

    private static string NuGetLock(params (string Name, string Version)[] packages)
    {
        var entries = packages.Select(p => $$"""      "{{p.Name}}": { "type": "Direct", "requested": "[{{p.Version}}, )", "resolved": "{{p.Version}}", "contentHash": "x" }""");
        return "{\n  \"version\": 1,\n  \"dependencies\": {\n    \"net8.0\": {\n" + string.Join(",\n", entries) + "\n    }\n  }\n}\n";
    }

    private static string NpmLock(params (string Name, string Version)[] packages)
    {
        var entries = packages.Select(p => $$"""    "node_modules/{{p.Name}}": { "version": "{{p.Version}}", "resolved": "https://registry.npmjs.org/{{p.Name}}/-/{{p.Name}}-{{p.Version}}.tgz" }""");
        return "{\n  \"name\": \"web\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": { \"name\": \"web\", \"version\": \"1.0.0\" },\n" + string.Join(",\n", entries) + "\n  }\n}\n";
    }

    private static void AssertNowhere(IEnumerable<string> secrets, string text, string where)
    {
        foreach (var secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a planted secret appears in {where}");
        }
    }

    private static int Rank(string risk) => risk switch { "high" => 2, "medium" => 1, _ => 0 };

    private static string Describe(DriftReportDto report) =>
        string.Join('\n', report.Items.Select(i => $"{i.Category}|{i.Change}|{i.Key}|{i.Risk}   [{i.Left}] -> [{i.Right}]  {i.Why}"))
        + "\nnotes: " + string.Join(" / ", report.Notes ?? []);
}
