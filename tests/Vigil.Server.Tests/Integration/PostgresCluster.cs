using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Vigil.Server.Tests.Integration;

/// <summary>
/// A real PostgreSQL cluster (Debian's <c>postgresql</c> package) started once per test run: <c>initdb</c> and
/// <c>pg_ctl</c> (as the <c>postgres</c> user through <c>runuser</c> when the tests run as root) in a temporary folder on
/// a free loopback port, retried on a bind failure. Loopback connections are trusted, except for one role with a
/// password (<see cref="PasswordUser"/>) so connection strings carrying a password are exercised for real. Each test
/// takes its own database with <see cref="CreateDatabaseAsync"/>. Stopped with <c>pg_ctl stop -m immediate</c> and
/// deleted when disposed. A missing PostgreSQL fails the test with a clear message (scripts/test.sh installs it).
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    /// <summary>The role that logs in with a password (scram-sha-256) and owns every test database.</summary>
    public const string PasswordUser = "vigil_app";

    private const string Superuser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private int _databases;
    private string? _binDirectory;

    /// <summary>The cluster's folder (data directory, socket and log inside it).</summary>
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "vigil-postgres-" + Guid.NewGuid().ToString("N"));

    /// <summary>The loopback port the cluster listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The password of <see cref="PasswordUser"/> (random per run).</summary>
    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");

    /// <summary>PostgreSQL's major version (<c>15</c>).</summary>
    public string Version => Path.GetFileName(Path.GetDirectoryName(_binDirectory) ?? "");

    private string DataDirectory => Path.Combine(Directory, "data");

    private string LogFile => Path.Combine(Directory, "postgres.log");

    /// <summary>
    /// Creates an empty database owned by <see cref="PasswordUser"/> and returns its connection strings.
    /// </summary>
    /// <param name="prefix">A readable prefix for the database's name.</param>
    public async Task<PostgresDatabase> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture)}_{Guid.NewGuid().ToString("N")[..8]}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres", Superuser, null)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER {PasswordUser}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new PostgresDatabase(
            name,
            ConnectionString(name, Superuser, null),
            ConnectionString(name, PasswordUser, Password));
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (several statements allowed) in <paramref name="database"/> as its owner,
    /// <see cref="PasswordUser"/>, so what it creates is readable with <see cref="PostgresDatabase.PasswordConnectionString"/>.
    /// </summary>
    public static async Task ExecuteAsync(PostgresDatabase database, string sql)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = new NpgsqlConnection(database.PasswordConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Finds PostgreSQL, creates the cluster, starts it on a free port (retried on a bind failure) and creates the password role.</summary>
    public async Task InitializeAsync()
    {
        _binDirectory = FindBinDirectory();
        System.IO.Directory.CreateDirectory(Directory);
        if (RunsAsRoot)
        {
            await RunAsync("chown", [Superuser + ":" + Superuser, Directory]);
        }

        await RunAsPostgresAsync(Path.Combine(_binDirectory, "initdb"), ["-D", DataDirectory, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
        await File.WriteAllTextAsync(
            Path.Combine(DataDirectory, "pg_hba.conf"),
            $"""
            local all all trust
            host all {PasswordUser} 127.0.0.1/32 scram-sha-256
            host all all 127.0.0.1/32 trust
            """);

        for (var attempt = 1; ; attempt++)
        {
            Port = PrometheusProcess.FreePort();
            var options = $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories={Directory} -c fsync=off -c full_page_writes=off -c max_connections=50";
            var (exitCode, output) = await RunAsPostgresAsync(
                Path.Combine(_binDirectory, "pg_ctl"),
                ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", options],
                throwOnFailure: false);
            if (exitCode == 0)
            {
                break;
            }

            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "";
            if (attempt < 5 && (log.Contains("could not bind", StringComparison.Ordinal) || log.Contains("already in use", StringComparison.Ordinal)))
            {
                continue;
            }

            throw new InvalidOperationException($"pg_ctl start failed ({exitCode}):\n{output}\n{log}");
        }

        await using var connection = new NpgsqlConnection(ConnectionString("postgres", Superuser, null));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE ROLE {PasswordUser} LOGIN PASSWORD '{Password}'", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the cluster at once and deletes its folder.</summary>
    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_binDirectory is not null && System.IO.Directory.Exists(DataDirectory))
        {
            await RunAsPostgresAsync(Path.Combine(_binDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w"], throwOnFailure: false);
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort, as above.
        }
    }

    private string ConnectionString(string database, string user, string? password)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database,
            Username = user,
            Pooling = false,
            Timeout = 30,
        };
        if (password is not null)
        {
            builder.Password = password;
        }

        return builder.ConnectionString;
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var candidates = System.IO.Directory.Exists(root)
            ? System.IO.Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .ToList()
            : [];
        return candidates.Count > 0
            ? candidates[0]
            : throw new InvalidOperationException("PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb): install Debian's postgresql package (scripts/test.sh does)");
    }

    private Task<(int ExitCode, string Output)> RunAsPostgresAsync(string binary, IReadOnlyList<string> arguments, bool throwOnFailure = true) =>
        RunsAsRoot
            ? RunAsync("runuser", ["-u", Superuser, "--", binary, .. arguments], throwOnFailure)
            : RunAsync(binary, arguments, throwOnFailure);

    private async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        var output = (await stdout) + (await stderr);
        if (throwOnFailure && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output}");
        }

        return (process.ExitCode, output);
    }
}

/// <summary>One test's database in the <see cref="PostgresCluster"/>.</summary>
/// <param name="Name">The database name.</param>
/// <param name="ConnectionString">As the superuser, trusted on loopback (for setting up the schema).</param>
/// <param name="PasswordConnectionString">As <see cref="PostgresCluster.PasswordUser"/> with its password (what a snapshot is given).</param>
public sealed record PostgresDatabase(string Name, string ConnectionString, string PasswordConnectionString);

/// <summary>The test collection that shares one <see cref="PostgresCluster"/> per run.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    /// <summary>The collection's name, for <c>[Collection(PostgresCollection.Name)]</c>.</summary>
    public const string Name = "postgres";
}
