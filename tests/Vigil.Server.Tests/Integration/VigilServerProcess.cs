using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Vigil.Server.Tests.Integration;

/// <summary>
/// A real <c>vigil serve</c> process started from the CLI's build output on ephemeral loopback ports, in its own
/// process group, killed when disposed. Addresses come from the ready file, never from logs.
/// </summary>
public sealed class VigilServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly bool _ownsDataDirectory;

    private VigilServerProcess(Process process, StringBuilder output, string dataDirectory, bool ownsDataDirectory, JsonElement ready)
    {
        _process = process;
        _output = output;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        HttpAddress = new Uri(ready.GetProperty("http").GetString()!);
        var grpc = ready.GetProperty("otlpGrpc").GetString();
        var otlpHttp = ready.GetProperty("otlpHttp").GetString();
        OtlpGrpcAddress = string.IsNullOrEmpty(grpc) ? null : new Uri(grpc);
        OtlpHttpAddress = string.IsNullOrEmpty(otlpHttp) ? null : new Uri(otlpHttp);
    }

    /// <summary>The UI/API address.</summary>
    public Uri HttpAddress { get; }

    /// <summary>The OTLP/gRPC address.</summary>
    public Uri? OtlpGrpcAddress { get; }

    /// <summary>The OTLP/HTTP address.</summary>
    public Uri? OtlpHttpAddress { get; }

    /// <summary>The data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>The repository root (the folder holding Vigil.slnx).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Vigil.slnx) above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The built <c>vigil.dll</c> of the same configuration as the tests.</summary>
    public static string VigilDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(RepositoryRoot, "src", "Vigil.Cli", "bin", configuration, "net10.0", "vigil.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("build the CLI first: " + path);
        }
    }

    /// <summary>Starts a server; extra arguments follow <c>serve</c>, extra environment variables are added.</summary>
    public static async Task<VigilServerProcess> StartAsync(
        string? dataDirectory = null,
        IReadOnlyList<string>? extraArguments = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string listen = "127.0.0.1:0")
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "vigil-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var readyFile = Path.Combine(dataDirectory, "ready-" + Guid.NewGuid().ToString("N") + ".json");
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        foreach (var argument in new[] { "dotnet", VigilDll, "serve", "--data", dataDirectory, "--listen", listen, "--otlp-grpc", "127.0.0.1:0", "--otlp-http", "127.0.0.1:0", "--ready-file", readyFile })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in extraArguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start vigil");
        process.OutputDataReceived += (_, e) => ChildProcess.Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => ChildProcess.Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"vigil serve exited with {process.ExitCode} before it was ready:\n{output}");
            }

            if (File.Exists(readyFile))
            {
                using var document = JsonDocument.Parse(await File.ReadAllTextAsync(readyFile));
                return new VigilServerProcess(process, output, dataDirectory, owns, document.RootElement.Clone());
            }

            await Task.Delay(50);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"vigil serve was not ready within {StartTimeout}:\n{output}");
    }

    /// <summary>Runs the built <c>vigil</c> command (not a server) to its end, as a user would; at most 60 seconds.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunCliAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(VigilServerProcess.VigilDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>An HTTP client for the API address, optionally with an API key.</summary>
    public HttpClient CreateClient(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Kills the process at once with SIGKILL, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Sends SIGTERM and waits for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            if (SendSignal(_process.Id, SigTerm) != 0)
            {
                throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
            }

            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }

    private const int SigTerm = 15;

    // libc's kill(2): no dependency on the procps `kill` binary, which minimal images lack.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
