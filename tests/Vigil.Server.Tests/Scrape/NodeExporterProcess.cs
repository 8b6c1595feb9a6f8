using System.Net;
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
    private readonly ChildProcess _process;

    private NodeExporterProcess(ChildProcess process, string address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The <c>host:port</c> it listens on.</summary>
    public string Address { get; }

    /// <summary>Starts the exporter with the cpu, meminfo and loadavg collectors.</summary>
    public static async Task<NodeExporterProcess> StartAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var (process, port) = await ChildProcess.StartOnFreePortAsync(
            Binary,
            "prometheus-node-exporter",
            port =>
            [
                $"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
                "--collector.cpu", "--collector.meminfo", "--collector.loadavg", "--log.level=warn",
            ],
            async port =>
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
                return response.StatusCode == HttpStatusCode.OK;
            },
            StartTimeout);
        return new NodeExporterProcess(process, $"127.0.0.1:{port}");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
