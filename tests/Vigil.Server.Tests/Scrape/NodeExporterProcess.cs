using System.Diagnostics;
using System.Net;
using System.Text;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Scrape;

/// <summary>
/// Debian's <c>prometheus-node-exporter</c> on a free loopback port (retried on a bind failure), in its own process
/// group, with only a few collectors so its page stays small and its series stable. Killed when disposed.
/// </summary>
public sealed class NodeExporterProcess : IAsyncDisposable
{
    /// <summary>Where Debian installs the exporter.</summary>
    public const string Binary = "/usr/bin/prometheus-node-exporter";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;

    private NodeExporterProcess(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The <c>host:port</c> it listens on.</summary>
    public string Address { get; }

    /// <summary>Starts the exporter with the cpu, meminfo and loadavg collectors.</summary>
    public static async Task<NodeExporterProcess> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install Debian's prometheus-node-exporter package (scripts/test.sh does)");
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = PrometheusProcess.FreePort();
            var address = $"127.0.0.1:{port}";
            var start = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                Binary, "--web.listen-address=" + address, "--collector.disable-defaults",
                "--collector.cpu", "--collector.meminfo", "--collector.loadavg", "--log.level=warn",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var output = new StringBuilder();
            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the node exporter");
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < StartTimeout && !process.HasExited)
            {
                try
                {
                    using var response = await http.GetAsync($"http://{address}/metrics");
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return new NodeExporterProcess(process, address);
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(100);
            }

            string text;
            lock (output)
            {
                text = output.ToString();
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"node exporter was not ready within {StartTimeout}:\n{text}");
            }

            if (attempt < 5 && text.Contains("address already in use", StringComparison.Ordinal))
            {
                continue;
            }

            throw new InvalidOperationException($"node exporter exited with {process.ExitCode}:\n{text}");
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

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
