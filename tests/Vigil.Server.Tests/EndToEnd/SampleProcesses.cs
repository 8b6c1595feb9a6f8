using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.EndToEnd;

/// <summary>
/// The sample service and the traffic driver, started from their build outputs (<c>dotnet X.dll</c>, never
/// <c>dotnet run</c>), each in its own session through <see cref="ChildProcess"/> and killed with it.
/// </summary>
internal static class SampleProcesses
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The built <c>Vigil.Sample.dll</c> (same configuration as the tests).</summary>
    public static string SampleDll => BuiltDll("Vigil.Sample");

    /// <summary>The built <c>Vigil.TrafficDriver.dll</c>.</summary>
    public static string DriverDll => BuiltDll("Vigil.TrafficDriver");

    /// <summary>
    /// Starts the sample on a free loopback port exporting to <paramref name="vigil"/>'s OTLP/HTTP address and waits for
    /// its ready file; returns the process and the <c>/checkout</c> URL.
    /// </summary>
    public static async Task<(ChildProcess Process, Uri Checkout)> StartSampleAsync(
        VigilServerProcess vigil, string workDirectory, string version, string environment, params string[] knobs)
    {
        var readyFile = Path.Combine(workDirectory, $"sample-{version}-{Guid.NewGuid():N}.json");
        string[] arguments =
        [
            SampleDll,
            "--version", version,
            "--environment", environment,
            "--instance", "checkout-" + version,
            "--listen", "http://127.0.0.1:0",
            "--ready-file", readyFile,
            "--otlp", (vigil.OtlpHttpAddress ?? throw new InvalidOperationException("vigil serve has no OTLP/HTTP address")).ToString(),
            "--export-delay", "500ms",
            .. knobs,
        ];
        var process = ChildProcess.Start("dotnet", arguments, workDirectory);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
            {
                var output = process.Output;
                await process.DisposeAsync();
                throw new InvalidOperationException($"the sample {version} exited before it was ready:\n{output}");
            }

            if (File.Exists(readyFile))
            {
                using var ready = JsonDocument.Parse(await File.ReadAllTextAsync(readyFile));
                var address = ready.RootElement.GetProperty("http").GetString()!;
                return (process, new Uri(new Uri(address), "/checkout"));
            }

            await Task.Delay(50);
        }

        var pending = process.Output;
        await process.DisposeAsync();
        throw new TimeoutException($"the sample {version} was not ready within {ReadyTimeout}:\n{pending}");
    }

    /// <summary>
    /// A few sequential requests before the driver starts: a fresh .NET process answers its first requests slowly (JIT,
    /// connection set-up), and on this shared 2-core machine that cold start alone can make the canary's first interval
    /// look slower than the long-running baseline. They are real requests of that version, counted like any other.
    /// </summary>
    public static async Task WarmUpAsync(Uri checkout, int requests = 20)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < requests; i++)
        {
            using var response = await http.GetAsync(checkout);
        }
    }

    /// <summary>Starts the traffic driver over <paramref name="targets"/> at <paramref name="rps"/> requests per second in total.</summary>
    public static ChildProcess StartDriver(string workDirectory, double rps, TimeSpan? duration, params Uri[] targets)
    {
        var arguments = new List<string> { DriverDll, "--rps", rps.ToString(CultureInfo.InvariantCulture), "--report-every", "5s" };
        if (duration is { } d)
        {
            arguments.AddRange(["--duration", d.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s"]);
        }

        foreach (var target in targets)
        {
            arguments.AddRange(["--target", target.ToString()]);
        }

        return ChildProcess.Start("dotnet", arguments, workDirectory);
    }

    /// <summary>
    /// Runs the built <c>vigil</c> command to its end, killing it (and failing) after <paramref name="timeout"/>.
    /// <see cref="VigilServerProcess.RunCliAsync"/> caps a command at 60 seconds, shorter than a verification's wait.
    /// </summary>
    public static Task<(int ExitCode, string Output, string Error)> RunCliAsync(TimeSpan timeout, params string[] arguments) =>
        RunToEndAsync(VigilServerProcess.VigilDll, timeout, arguments);

    /// <summary>Runs <c>dotnet DLL arguments</c> to its end (killed, and failing, after <paramref name="timeout"/>).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(string dll, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + dll);
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => ChildProcess.Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => ChildProcess.Append(error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            // Without cancellation this also waits for the output readers to reach the end of both streams.
            await process.WaitForExitAsync(cts.Token);
            await process.WaitForExitAsync();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Path.GetFileName(dll)} {string.Join(' ', arguments)} did not end within {timeout}:\n{output}\n{error}");
        }

        lock (output)
        {
            lock (error)
            {
                return (process.ExitCode, output.ToString(), error.ToString());
            }
        }
    }

    /// <summary>The driver's final summary line (<c>done: requests N errors E ...</c>) from its output.</summary>
    public static string DriverSummary(string output) =>
        output.Split('\n').SingleOrDefault(l => l.Contains("done: ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("the driver printed no final summary:\n" + output);

    private static string BuiltDll(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(VigilServerProcess.RepositoryRoot, "samples", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {project} first (Vigil.Server.Tests references it): {path}");
    }
}

/// <summary>
/// A temporary folder for one test's processes (data, ready files), deleted when disposed. Declare it before the
/// processes that use it: disposal runs in reverse order, so they are gone before it is deleted.
/// </summary>
internal sealed class WorkDirectory : IDisposable
{
    /// <summary>Creates a fresh folder under the temp folder, its name starting with <paramref name="prefix"/>.</summary>
    public WorkDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The folder.</summary>
    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
