using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Server.Tests.Integration;

/// <summary>
/// A server program a test starts (Prometheus, an exporter): in its own session (<c>setsid</c>) so it can be killed
/// with everything it started, its output captured (bounded) for failure messages, killed when disposed.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxOutputChars = 1_000_000;
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ChildProcess(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

    /// <summary>Everything the process printed so far (the first million characters).</summary>
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

    /// <summary>True once the process ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <paramref name="binary"/> listening on a free loopback port and waits until <paramref name="ready"/> says
    /// it answers. A start that fails because the port was taken meanwhile is retried on another port, up to 5 times.
    /// </summary>
    /// <param name="binary">The program (fails with a clear message when it is not installed).</param>
    /// <param name="package">The Debian package that provides it, named in that message.</param>
    /// <param name="arguments">The arguments for a port.</param>
    /// <param name="ready">Probes the port; true once the server answers.</param>
    /// <param name="timeout">How long to wait for readiness.</param>
    /// <param name="port">A fixed port instead of a free one (then no retry).</param>
    public static async Task<(ChildProcess Process, int Port)> StartOnFreePortAsync(
        string binary,
        string package,
        Func<int, IEnumerable<string>> arguments,
        Func<int, Task<bool>> ready,
        TimeSpan timeout,
        int? port = null)
    {
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{binary} is missing: install Debian's {package} package (scripts/test.sh does)");
        }

        var name = Path.GetFileName(binary);
        for (var attempt = 1; ; attempt++)
        {
            var listenPort = port ?? FreePort();
            var child = Start(binary, arguments(listenPort));
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < timeout && !child.HasExited)
            {
                try
                {
                    if (await ready(listenPort))
                    {
                        return (child, listenPort);
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Slow to answer while it starts.
                }

                await Task.Delay(100);
            }

            var output = child.Output;
            var exited = child.HasExited;
            var exitCode = exited ? child._process.ExitCode : 0;
            await child.DisposeAsync();
            if (!exited)
            {
                throw new TimeoutException($"{name} was not ready within {timeout}:\n{output}");
            }

            if (port is null && attempt < 5 && output.Contains("address already in use", StringComparison.Ordinal))
            {
                continue;
            }

            throw new InvalidOperationException($"{name} exited with {exitCode} before it was ready:\n{output}");
        }
    }

    /// <summary>A free loopback TCP port (free when asked; callers retry on a bind failure).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <paramref name="binary"/> in its own session with its output captured.</summary>
    public static ChildProcess Start(string binary, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        start.ArgumentList.Add(binary);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + binary);
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, output);
    }

    /// <summary>Adds one line to a bounded output buffer (thread-safe); lines beyond the bound are dropped.</summary>
    public static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < MaxOutputChars)
            {
                output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
