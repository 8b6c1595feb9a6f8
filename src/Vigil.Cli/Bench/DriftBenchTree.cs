using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Vigil.Cli.Bench;

/// <summary>The sizes of one generated drift benchmark environment.</summary>
/// <param name="Keys">Configuration keys, spread over appsettings JSON, application YAML and .properties files.</param>
/// <param name="Packages">Packages, spread over NuGet, npm, pip and Gradle lock files.</param>
/// <param name="Tables">Tables of the SQLite schema (each with five columns, a primary key, a foreign key and an index).</param>
/// <param name="Services">How many service folders the files are spread over.</param>
internal sealed record DriftBenchSizes(int Keys, int Packages, int Tables, int Services = 20);

/// <summary>
/// Writes one environment of the drift benchmark under a folder laid out like a host (<c>srv/svcNN/...</c>,
/// <c>srv/data/orders.db</c>). The right-hand environment (<c>prod</c>) differs from the left (<c>uat</c>) on purpose:
/// every 200th configuration key has another value, every 100th package another version, every 100th table lacks a
/// column and the last migration is not applied, so a compare has real work and a known number of differences.
/// Values depend only on the index, so both sides are generated independently and stay in step.
/// </summary>
internal static class DriftBenchTree
{
    /// <summary>The SQLite file, relative to the root, as a rooted path the way a host's variable would name it.</summary>
    public const string DatabasePath = "/srv/data/orders.db";

    /// <summary>The number of migrations the left side has (the right lacks the last one).</summary>
    public const int Migrations = 100;

    /// <summary>Writes the environment under <paramref name="root"/>; <paramref name="drifted"/> for the right-hand side.</summary>
    public static async Task WriteAsync(string root, DriftBenchSizes sizes, bool drifted, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        for (var service = 0; service < sizes.Services; service++)
        {
            var folder = Path.Combine(root, "srv", ServiceName(service));
            Directory.CreateDirectory(Path.Combine(folder, "config"));
            var (first, count) = Share(sizes.Keys, sizes.Services, service);
            await WriteConfigAsync(folder, first, count, drifted, cancellationToken);
            (first, count) = Share(sizes.Packages, sizes.Services, service);
            await WriteLockFilesAsync(folder, first, count, drifted, cancellationToken);
        }

        Directory.CreateDirectory(Path.Combine(root, "srv", "data"));
        await WriteDatabaseAsync(Path.Combine(root, DatabasePath.TrimStart('/')), sizes.Tables, drifted, cancellationToken);
    }

    /// <summary>
    /// The SQL of the benchmark schema (PostgreSQL and SQLite both accept it): <paramref name="tables"/> tables, each
    /// referring to the previous one, the right-hand side lacking a column in every 100th.
    /// </summary>
    public static string SchemaSql(int tables, bool drifted, string schema = "")
    {
        var sql = new StringBuilder();
        for (var t = 1; t <= tables; t++)
        {
            var name = schema + TableName(t);
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, amount NUMERIC(12,2) NOT NULL DEFAULT 0, created_at TEXT");
            if (!(drifted && t % 100 == 0))
            {
                sql.Append(", note TEXT");
            }

            if (t > 1)
            {
                sql.Append(CultureInfo.InvariantCulture, $", parent_id INTEGER REFERENCES {schema}{TableName(t - 1)}(id)");
            }

            sql.Append(");\n");
            sql.Append(CultureInfo.InvariantCulture, $"CREATE INDEX ix_{TableName(t)}_name ON {name} (name);\n");
        }

        return sql.ToString();
    }

    private static string ServiceName(int service) => "svc" + service.ToString("00", CultureInfo.InvariantCulture);

    private static string TableName(int t) => "t" + t.ToString("0000", CultureInfo.InvariantCulture);

    private static (int First, int Count) Share(int total, int parts, int part)
    {
        var size = total / parts;
        var first = part * size;
        return (first, part == parts - 1 ? total - first : size);
    }

    private static string Value(int key, bool drifted)
    {
        var changed = drifted && key % 200 == 0;
        return (key % 4) switch
        {
            0 => (key * 7 + (changed ? 1 : 0)).ToString(CultureInfo.InvariantCulture),
            1 => changed ? "https://prod-" + key.ToString(CultureInfo.InvariantCulture) + ".example.internal" : "https://svc-" + key.ToString(CultureInfo.InvariantCulture) + ".example.internal",
            2 => changed ? "false" : "true",
            _ => (changed ? "value-b-" : "value-a-") + key.ToString(CultureInfo.InvariantCulture),
        };
    }

    private static async Task WriteConfigAsync(string folder, int first, int count, bool drifted, CancellationToken cancellationToken)
    {
        // 40% JSON (nested sections of 10), 30% YAML, 30% properties.
        var jsonCount = count * 4 / 10;
        var yamlCount = count * 3 / 10;
        var json = new StringBuilder("{\n");
        for (var i = 0; i < jsonCount; i += 10)
        {
            json.Append(CultureInfo.InvariantCulture, $"  \"Section{first + i}\": {{\n");
            var end = Math.Min(i + 10, jsonCount);
            for (var k = i; k < end; k++)
            {
                var value = Value(first + k, drifted);
                var literal = value is "true" or "false" || char.IsDigit(value[0]) ? value : "\"" + value + "\"";
                json.Append(CultureInfo.InvariantCulture, $"    \"Key{first + k}\": {literal}{(k + 1 < end ? "," : "")}\n");
            }

            json.Append(i + 10 < jsonCount ? "  },\n" : "  }\n");
        }

        json.Append("}\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "appsettings.json"), json.ToString(), cancellationToken);

        var yaml = new StringBuilder();
        for (var i = 0; i < yamlCount; i += 10)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"section{first + jsonCount + i}:\n");
            for (var k = i; k < Math.Min(i + 10, yamlCount); k++)
            {
                var key = first + jsonCount + k;
                yaml.Append(CultureInfo.InvariantCulture, $"  key{key}: \"{Value(key, drifted)}\"\n");
            }
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "config", "application.yml"), yaml.ToString(), cancellationToken);

        var properties = new StringBuilder();
        for (var k = jsonCount + yamlCount; k < count; k++)
        {
            properties.Append(CultureInfo.InvariantCulture, $"app.group{(first + k) / 10}.key{first + k}={Value(first + k, drifted)}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "config", "app.properties"), properties.ToString(), cancellationToken);
    }

    private static string Version(int package, bool drifted)
    {
        var major = 1 + package % 7;
        var minor = package % 13;
        var patch = drifted && package % 100 == 0 ? 99 : package % 5;
        return string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}.{patch}");
    }

    private static async Task WriteLockFilesAsync(string folder, int first, int count, bool drifted, CancellationToken cancellationToken)
    {
        // 40% NuGet, 30% npm, 15% pip, 15% Gradle.
        var nuget = count * 4 / 10;
        var npm = count * 3 / 10;
        var pip = count * 15 / 100;
        var lockJson = new StringBuilder("{\n  \"version\": 1,\n  \"dependencies\": {\n    \"net10.0\": {\n");
        for (var i = 0; i < nuget; i++)
        {
            var p = first + i;
            var version = Version(p, drifted);
            lockJson.Append(CultureInfo.InvariantCulture, $"      \"Bench.Package{p:00000}\": {{ \"type\": \"Direct\", \"requested\": \"[{version}, )\", \"resolved\": \"{version}\", \"contentHash\": \"abc{p}==\" }}{(i + 1 < nuget ? "," : "")}\n");
        }

        lockJson.Append("    }\n  }\n}\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "packages.lock.json"), lockJson.ToString(), cancellationToken);

        var npmJson = new StringBuilder("{\n  \"name\": \"bench\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": { \"name\": \"bench\", \"version\": \"1.0.0\" }");
        for (var i = 0; i < npm; i++)
        {
            var p = first + nuget + i;
            npmJson.Append(CultureInfo.InvariantCulture, $",\n    \"node_modules/bench-package-{p:00000}\": {{ \"version\": \"{Version(p, drifted)}\", \"resolved\": \"https://registry.npmjs.org/bench-package-{p:00000}/-/x.tgz\", \"integrity\": \"sha512-x{p}\" }}");
        }

        npmJson.Append("\n  }\n}\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "package-lock.json"), npmJson.ToString(), cancellationToken);

        var requirements = new StringBuilder();
        for (var i = 0; i < pip; i++)
        {
            var p = first + nuget + npm + i;
            requirements.Append(CultureInfo.InvariantCulture, $"bench-py-{p:00000}=={Version(p, drifted)}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "requirements.txt"), requirements.ToString(), cancellationToken);

        var gradle = new StringBuilder("# This is a Gradle generated file for dependency locking.\n");
        for (var i = nuget + npm + pip; i < count; i++)
        {
            var p = first + i;
            gradle.Append(CultureInfo.InvariantCulture, $"com.bench:artifact-{p:00000}:{Version(p, drifted)}=compileClasspath,runtimeClasspath\n");
        }

        gradle.Append("empty=annotationProcessor\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "gradle.lockfile"), gradle.ToString(), cancellationToken);
    }

    private static async Task WriteDatabaseAsync(string file, int tables, bool drifted, CancellationToken cancellationToken)
    {
        File.Delete(file);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            var migrations = new StringBuilder("CREATE TABLE \"__EFMigrationsHistory\" (\"MigrationId\" TEXT NOT NULL PRIMARY KEY, \"ProductVersion\" TEXT NOT NULL);\n");
            for (var m = 1; m <= (drifted ? Migrations - 1 : Migrations); m++)
            {
                migrations.Append(CultureInfo.InvariantCulture, $"INSERT INTO \"__EFMigrationsHistory\" VALUES ('2026{m:0000}000000_Step{m}', '10.0.0');\n");
            }

            command.CommandText = SchemaSql(tables, drifted) + migrations;
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
