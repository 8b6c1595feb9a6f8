using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Vigil.Cli.Output;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Drift.Secrets;
using Vigil.Storage.Drift;

namespace Vigil.Cli.Bench;

/// <summary>
/// <c>vigil bench drift [--keys 10000] [--packages 2000] [--tables 500] [--pg-env VAR] [--out DIR]</c>: generates two
/// environments (<see cref="DriftBenchTree"/>: configuration keys over appsettings JSON, YAML and .properties files,
/// packages over NuGet, npm, pip and Gradle lock files, a SQLite schema, and optionally the same schema in the
/// PostgreSQL database whose connection string is in VAR), snapshots both with the standard collector and the schema
/// sources, compares them, prints the figures and checks issue 9's first bar (snapshot under 10 s, compare under 1 s):
/// exit 0 when met, 1 when not.
/// </summary>
internal static class DriftBenchCommand
{
    /// <summary>The snapshot bar: 10 seconds.</summary>
    public static readonly TimeSpan SnapshotBar = TimeSpan.FromSeconds(10);

    /// <summary>The compare bar: 1 second.</summary>
    public static readonly TimeSpan CompareBar = TimeSpan.FromSeconds(1);

    // The schema the bench creates (and drops) in a PostgreSQL database given with --pg-env.
    private const string PostgresSchema = "vigil_bench";
    private const string SqliteVariable = "BENCH_SQLITE_DB";
    private const int CompareRuns = 5;

    public static Command Create(CliContext context)
    {
        var keys = new Option<int>("--keys") { Description = "Configuration keys per environment. Default 10000.", DefaultValueFactory = _ => 10_000 };
        var packages = new Option<int>("--packages") { Description = "Packages per environment. Default 2000.", DefaultValueFactory = _ => 2_000 };
        var tables = new Option<int>("--tables") { Description = "Tables of the schema. Default 500.", DefaultValueFactory = _ => 500 };
        var postgres = new Option<string?>("--pg-env")
        {
            Description = "An environment variable holding a PostgreSQL connection string: the schema is also created there (in schema vigil_bench, dropped afterwards) and read by both snapshots.",
            HelpName = "VAR",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Keep the generated trees under this folder. Default: a temporary folder, deleted afterwards.",
            HelpName = "DIR",
        };
        var command = new Command("drift", "Time a drift snapshot of a large generated environment and the compare of two, and check issue 9's first bar.")
        {
            keys, packages, tables, postgres, output,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var sizes = new DriftBenchSizes(parseResult.GetValue(keys), parseResult.GetValue(packages), parseResult.GetValue(tables));
            if (sizes.Keys is < 100 or > 1_000_000 || sizes.Packages is < 100 or > 200_000 || sizes.Tables is < 2 or > 20_000)
            {
                await context.Error.WriteLineAsync("error: --keys must be 100..1000000, --packages 100..200000, --tables 2..20000.");
                return ExitCodes.Usage;
            }

            var postgresVariable = parseResult.GetValue(postgres);
            string? postgresConnection = null;
            if (postgresVariable is not null && string.IsNullOrWhiteSpace(postgresConnection = context.Environment.GetVariable(postgresVariable)))
            {
                await context.Error.WriteLineAsync($"error: --pg-env names {Display.Safe(postgresVariable)}, which is not set.");
                return ExitCodes.Usage;
            }

            var keep = parseResult.GetValue(output);
            var folder = keep ?? Path.Combine(Path.GetTempPath(), "vigil-bench-drift-" + Guid.NewGuid().ToString("N"));
            try
            {
                return await RunAsync(context, sizes, folder, postgresVariable, postgresConnection, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NpgsqlException)
            {
                await context.Error.WriteLineAsync("error: " + Display.Safe(e.Message));
                return ExitCodes.Failed;
            }
            finally
            {
                if (keep is null && Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, DriftBenchSizes sizes, string folder, string? postgresVariable, string? postgresConnection, CancellationToken cancellationToken)
    {
        var output = context.Out;
        var generate = Stopwatch.StartNew();
        var uatRoot = Path.Combine(folder, "uat");
        var prodRoot = Path.Combine(folder, "prod");
        await DriftBenchTree.WriteAsync(uatRoot, sizes, drifted: false, cancellationToken);
        await DriftBenchTree.WriteAsync(prodRoot, sizes, drifted: true, cancellationToken);
        if (postgresConnection is not null)
        {
            await CreatePostgresSchemaAsync(postgresConnection, sizes.Tables, cancellationToken);
        }

        generate.Stop();
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"generated 2 environments in {generate.Elapsed.TotalSeconds:0.0} s: {sizes.Keys} configuration keys, {sizes.Packages} packages, {sizes.Tables} tables (SQLite{(postgresConnection is null ? "" : " and PostgreSQL")}) each"));

        try
        {
            var (uat, uatTime) = await SnapshotAsync("uat", uatRoot, postgresVariable, postgresConnection, cancellationToken);
            var (prod, prodTime) = await SnapshotAsync("prod", prodRoot, postgresVariable, postgresConnection, cancellationToken);
            var (schemaItems, schemaTime) = await SchemaOnlyAsync(uatRoot, postgresVariable, postgresConnection, cancellationToken);

            var comparer = new DriftComparer();
            var times = new List<TimeSpan>();
            DriftReport? report = null;
            for (var run = 0; run < CompareRuns; run++)
            {
                var watch = Stopwatch.StartNew();
                report = comparer.Compare(uat, prod);
                watch.Stop();
                times.Add(watch.Elapsed);
            }

            var unreadable = uat.Items.Concat(prod.Items).Count(i => i.Kind == DriftItemKinds.Unreadable);
            var table = new Table("STEP", "ITEMS", "SECONDS", "BAR", "MET");
            var snapshotMet = uatTime < SnapshotBar && prodTime < SnapshotBar;
            table.Add("snapshot uat (first run, cold)", Count(uat.Items.Count), Seconds(uatTime), "< 10 s", uatTime < SnapshotBar ? "yes" : "NO");
            table.Add("snapshot prod", Count(prod.Items.Count), Seconds(prodTime), "< 10 s", prodTime < SnapshotBar ? "yes" : "NO");
            table.Add("  database schema sources alone (uat)", Count(schemaItems), Seconds(schemaTime), "", "");
            var sorted = times.Order().ToList();
            var compareMet = times[0] < CompareBar;
            table.Add("compare (first run, cold)", Count(report!.Items.Count), Seconds(times[0]), "< 1 s", compareMet ? "yes" : "NO");
            table.Add($"compare (median of {CompareRuns})", Count(report.Items.Count), Seconds(sorted[CompareRuns / 2]), "", "");
            table.WriteTo(output);
            await output.WriteLineAsync();

            foreach (var category in uat.Items.GroupBy(i => i.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  uat {category.Key}: {category.Count()} items"));
            }

            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"differences: {report.Items.Count(i => i.Risk == DriftRisk.High)} high, {report.Items.Count(i => i.Risk == DriftRisk.Medium)} medium, {report.Items.Count(i => i.Risk == DriftRisk.Low)} low; planted: {Planted(sizes)}; unreadable items: {unreadable}"));
            await output.WriteLineAsync(snapshotMet && compareMet ? "bar met: snapshot under 10 s, compare under 1 s" : "bar NOT met");
            return snapshotMet && compareMet && unreadable == 0 ? ExitCodes.Success : ExitCodes.Failed;
        }
        finally
        {
            if (postgresConnection is not null)
            {
                await DropPostgresSchemaAsync(postgresConnection, cancellationToken);
            }
        }
    }

    /// <summary>The database schema sources alone on one environment, for the breakdown.</summary>
    private static async Task<(int Items, TimeSpan Elapsed)> SchemaOnlyAsync(string root, string? postgresVariable, string? postgresConnection, CancellationToken cancellationToken)
    {
        var context = Context("uat", root, postgresVariable, postgresConnection);
        var items = new List<SnapshotItem>();
        var watch = Stopwatch.StartNew();
        await new DatabaseSchemaSource().CollectAsync(context, items, cancellationToken);
        watch.Stop();
        return (items.Count, watch.Elapsed);
    }

    /// <summary>One snapshot with the standard sources plus the schema sources, timed from the collector's start to its end.</summary>
    private static async Task<(DriftSnapshot Snapshot, TimeSpan Elapsed)> SnapshotAsync(
        string environment, string root, string? postgresVariable, string? postgresConnection, CancellationToken cancellationToken)
    {
        var context = Context(environment, root, postgresVariable, postgresConnection);
        var watch = Stopwatch.StartNew();
        var collector = new SnapshotCollector(SnapshotCollector.DefaultSources(null, [new DatabaseSchemaSource()]), TimeProvider.System);
        var snapshot = await collector.CollectAsync(context, null, "bench", cancellationToken);
        watch.Stop();
        return (snapshot, watch.Elapsed);
    }

    private static SnapshotContext Context(string environment, string root, string? postgresVariable, string? postgresConnection)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { [SqliteVariable] = DriftBenchTree.DatabasePath, ["BENCH_MODE"] = "on" };
        var databases = new List<string> { SqliteVariable };
        if (postgresVariable is not null && postgresConnection is not null)
        {
            variables[postgresVariable] = postgresConnection;
            databases.Add(postgresVariable);
        }

        // A fixed key: the bench measures the keyed (HMAC) path, the slower one.
        var redactor = new SecretRedactor(Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
        return new SnapshotContext(root, environment, variables, databases, [], ProbeEndpoints: false, redactor);
    }

    private static async Task CreatePostgresSchemaAsync(string connectionString, int tables, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var sql = $"DROP SCHEMA IF EXISTS {PostgresSchema} CASCADE; CREATE SCHEMA {PostgresSchema};\n"
            + DriftBenchTree.SchemaSql(tables, drifted: false, PostgresSchema + ".");
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task DropPostgresSchemaAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {PostgresSchema} CASCADE", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Planted(DriftBenchSizes sizes) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(sizes.Keys + 199) / 200} keys, {(sizes.Packages + 99) / 100} packages, {sizes.Tables / 100} columns, 1 migration");

    private static string Count(int count) => count.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
