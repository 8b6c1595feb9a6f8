using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Server.Tests.Integration;
using Vigil.Storage.State;

namespace Vigil.Server.Tests.Drift;

/// <summary>
/// A planted host file system for a drift snapshot: a temporary folder with <c>etc</c> and <c>usr</c> (so the
/// collector treats it as a whole file system), files written by relative path, deleted on dispose.
/// </summary>
internal sealed class PlantedTree : IDisposable
{
    public PlantedTree(string name)
    {
        Root = Path.Combine(Path.GetTempPath(), $"vigil-drift-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        Directory.CreateDirectory(Path.Combine(Root, "usr"));
    }

    /// <summary>The tree's root folder.</summary>
    public string Root { get; }

    /// <summary>The host path of <paramref name="relative"/>.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes a text file (folders created), exactly as given.</summary>
    public PlantedTree Write(string relative, string text) => WriteBytes(relative, Encoding.UTF8.GetBytes(text));

    /// <summary>Writes a binary file (folders created).</summary>
    public PlantedTree WriteBytes(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return this;
    }

    /// <summary>Creates an empty folder.</summary>
    public PlantedTree Folder(string relative)
    {
        Directory.CreateDirectory(PathOf(relative));
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}

/// <summary>Java key stores in the JKS format that <c>keytool</c> writes (what a JVM's <c>cacerts</c> is).</summary>
internal static class JavaKeyStore
{
    /// <summary>
    /// A JKS store (magic <c>FEEDFEED</c>, version 2) holding <paramref name="certificates"/> trusted-certificate entries
    /// of fresh self-signed CA certificates, sealed with the keyed SHA-1 digest for the password <c>changeit</c>.
    /// </summary>
    public static byte[] Jks(int certificates)
    {
        using var body = new MemoryStream();
        WriteInt(body, unchecked((int)0xFEEDFEED));
        WriteInt(body, 2);
        WriteInt(body, certificates);
        for (var i = 0; i < certificates; i++)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest($"CN=Vigil Test Root {i}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            var notBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            using var certificate = request.CreateSelfSigned(notBefore, notBefore.AddYears(10));
            WriteInt(body, 2); // trusted certificate entry
            WriteUtf(body, $"vigiltestroot{i}");
            WriteLong(body, notBefore.ToUnixTimeMilliseconds());
            WriteUtf(body, "X.509");
            var der = certificate.RawData;
            WriteInt(body, der.Length);
            body.Write(der);
        }

        var content = body.ToArray();
        // The JKS format seals the store with SHA-1 over the password, a fixed phrase and the content; nothing else reads it.
#pragma warning disable CA5350
        var digest = SHA1.HashData([.. Encoding.BigEndianUnicode.GetBytes("changeit"), .. Encoding.UTF8.GetBytes("Mighty Aphrodite"), .. content]);
#pragma warning restore CA5350
        return [.. content, .. digest];
    }

    private static void WriteInt(Stream stream, int value) =>
        stream.Write([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);

    private static void WriteLong(Stream stream, long value)
    {
        WriteInt(stream, (int)(value >> 32));
        WriteInt(stream, (int)value);
    }

    private static void WriteUtf(Stream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        stream.Write([(byte)(bytes.Length >> 8), (byte)bytes.Length]);
        stream.Write(bytes);
    }
}

/// <summary>
/// The built <c>vigil</c> CLI run as a user would, with an environment the test controls completely (nothing inherited
/// but what makes <c>dotnet</c> run), so a snapshot records exactly the variables the scenario planted.
/// </summary>
internal static class DriftCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The variables every child gets: enough for <c>dotnet</c> to start, identical for every environment.</summary>
    public static Dictionary<string, string> BaseVariables()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["HOME"] = Path.GetTempPath(),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["LANG"] = "C.UTF-8",
        };
        foreach (var name in new[] { "DOTNET_ROOT", "DOTNET_ROOT_X64" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                variables[name] = value;
            }
        }

        return variables;
    }

    /// <summary>
    /// Runs <c>dotnet vigil.dll ARGS</c> with exactly <paramref name="variables"/> as its environment; as the user
    /// <c>nobody</c> when <paramref name="asNobody"/> and the tests run as root (so file permissions apply to it).
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> variables, IReadOnlyList<string> arguments, bool asNobody = false)
    {
        var dotnet = File.Exists("/usr/bin/dotnet") ? "/usr/bin/dotnet" : "dotnet";
        var nobody = asNobody && Environment.UserName == "root";
        var start = new ProcessStartInfo(nobody ? "runuser" : dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (nobody)
        {
            foreach (var argument in new[] { "-u", "nobody", "--", dotnet })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(nobody && !OperatingSystem.IsWindows() ? await ReadableCopyAsync() : VigilServerProcess.VigilDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in variables)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start vigil");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>
    /// The built CLI copied once into a folder every user can read: the checkout may sit under a folder only its owner
    /// can enter (as <c>mktemp -d</c> makes), where <c>nobody</c> could not load <c>vigil.dll</c>.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static Task<string> ReadableCopyAsync()
    {
        lock (ReadableCopyGate)
        {
            return _readableCopy ??= Task.Run(CopyForEveryone);
        }
    }

    private static readonly Lock ReadableCopyGate = new();
    private static Task<string>? _readableCopy;

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string CopyForEveryone()
    {
        var source = Path.GetDirectoryName(VigilServerProcess.VigilDll)!;
        var target = Path.Combine(Path.GetTempPath(), "vigil-cli-for-nobody-" + Guid.NewGuid().ToString("N"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(target, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp folder must not fail the run.
            }
        };
        const UnixFileMode Readable = (UnixFileMode)0x1ED; // rwxr-xr-x
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories).Prepend(source))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, directory));
            Directory.CreateDirectory(copy);
            File.SetUnixFileMode(copy, Readable);
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, Readable);
        }

        return Path.Combine(target, Path.GetFileName(VigilServerProcess.VigilDll));
    }
}

/// <summary>
/// A real <c>vigil serve</c> with API keys required: an <c>ingest</c> key for snapshot uploads and a <c>read</c> key
/// for reports, created in its state store before it starts.
/// </summary>
internal sealed class DriftServer : IAsyncDisposable
{
    private DriftServer(VigilServerProcess process, string ingestKey, string readKey)
    {
        Process = process;
        IngestKey = ingestKey;
        ReadKey = readKey;
    }

    public VigilServerProcess Process { get; }

    public string IngestKey { get; }

    public string ReadKey { get; }

    public static async Task<DriftServer> StartAsync()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-drift-server-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        string ingest;
        string read;
        await using (var state = await SqliteStateStore.OpenAsync(dataDirectory, TimeProvider.System, CancellationToken.None))
        {
            var keys = new SqliteApiKeyStore(state);
            ingest = (await keys.CreateAsync("snapshots", ApiKeyScope.Ingest, TimeProvider.System.GetUtcNow(), CancellationToken.None)).Secret;
            read = (await keys.CreateAsync("reports", ApiKeyScope.Read, TimeProvider.System.GetUtcNow(), CancellationToken.None)).Secret;
        }

        var process = await VigilServerProcess.StartAsync(dataDirectory, environment: new Dictionary<string, string> { ["VIGIL__SECURITY__REQUIREAPIKEYS"] = "true" });
        return new DriftServer(process, ingest, read);
    }

    /// <summary>Runs <c>vigil drift snapshot</c> for one environment against this server with the ingest key.</summary>
    public async Task<string> SnapshotAsync(string environment, PlantedTree tree, IReadOnlyDictionary<string, string> variables, params string[] extra)
    {
        var childVariables = new Dictionary<string, string>(variables, StringComparer.Ordinal) { ["VIGIL_API_KEY"] = IngestKey };
        var (exit, output, error) = await DriftCli.RunAsync(
            childVariables,
            ["drift", "snapshot", "--environment", environment, "--root", tree.Root, "--server", Process.HttpAddress.ToString(), .. extra]);
        Assert.True(exit == 0, $"vigil drift snapshot --environment {environment} exited {exit}:\n{output}\n{error}");
        return output + error;
    }

    /// <summary>Runs <c>vigil drift compare LEFT RIGHT</c> with the read key; answers the exit code and what it printed.</summary>
    public Task<(int ExitCode, string Output, string Error)> CompareAsync(string left, string right, params string[] extra)
    {
        var variables = DriftCli.BaseVariables();
        variables["VIGIL_API_KEY"] = ReadKey;
        return DriftCli.RunAsync(variables, ["drift", "compare", left, right, "--server", Process.HttpAddress.ToString(), .. extra]);
    }

    /// <summary>The report as JSON (<c>--output json</c>), parsed.</summary>
    public async Task<DriftReportDto> CompareJsonAsync(string left, string right)
    {
        var (exit, output, error) = await CompareAsync(left, right, "--output", "json");
        Assert.True(exit == 0, $"vigil drift compare {left} {right} exited {exit}:\n{output}\n{error}");
        return JsonSerializer.Deserialize<DriftReportDto>(output, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("empty report: " + output);
    }

    public async ValueTask DisposeAsync()
    {
        var directory = Process.DataDirectory;
        await Process.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
