using System.Diagnostics;
using System.Net;

namespace Vigil.Server.Tests.Integration;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package, 2.42) started by a test on a free loopback port with its own
/// data folder and a 10-year retention, in its own process group, killed when disposed. Blocks made with
/// <see cref="CreateBlocksFromOpenMetricsAsync"/> before the start are loaded as they are. <c>scripts/test.sh</c>
/// installs the package; a missing binary fails the test with a clear message, never skips it.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private const string PrometheusBinary = "/usr/bin/prometheus";
    private const string PromtoolBinary = "/usr/bin/promtool";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly ChildProcess _process;
    private readonly bool _ownsDataDirectory;

    private PrometheusProcess(ChildProcess process, Uri address, string dataDirectory, bool ownsDataDirectory)
    {
        _process = process;
        Address = address;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
    }

    /// <summary>The base address, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The TSDB folder.</summary>
    public string DataDirectory { get; }

    /// <summary>Everything the process printed so far.</summary>
    public string Output => _process.Output;

    /// <summary>
    /// Starts Prometheus with <paramref name="configYaml"/> as its configuration file (empty for none) on a free port,
    /// retried on a bind failure, and waits for <c>/-/ready</c>.
    /// </summary>
    /// <param name="configYaml">The contents of prometheus.yml.</param>
    /// <param name="dataDirectory">The TSDB folder (created and deleted on dispose when null).</param>
    /// <param name="enableRemoteWriteReceiver">Adds <c>--web.enable-remote-write-receiver</c>.</param>
    /// <param name="extraArguments">More flags.</param>
    /// <param name="port">A fixed port (when the configuration must name it, e.g. to scrape itself); no retry then.</param>
    public static async Task<PrometheusProcess> StartAsync(
        string configYaml = "",
        string? dataDirectory = null,
        bool enableRemoteWriteReceiver = false,
        IReadOnlyList<string>? extraArguments = null,
        int? port = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "vigil-prometheus-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var configFile = ConfigFileOf(dataDirectory);
        await File.WriteAllTextAsync(configFile, configYaml);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var (process, listenPort) = await ChildProcess.StartOnFreePortAsync(
            PrometheusBinary,
            "prometheus",
            listenPort =>
            [
                "--config.file=" + configFile, "--storage.tsdb.path=" + dataDirectory, $"--web.listen-address=127.0.0.1:{listenPort}",
                "--storage.tsdb.retention.time=10y", "--log.level=warn",
                .. enableRemoteWriteReceiver ? new[] { "--web.enable-remote-write-receiver" } : [],
                .. extraArguments ?? [],
            ],
            async listenPort =>
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{listenPort}/-/ready");
                return response.StatusCode == HttpStatusCode.OK;
            },
            StartTimeout,
            port);
        return new PrometheusProcess(process, new Uri($"http://127.0.0.1:{listenPort}/"), dataDirectory, owns);
    }

    /// <summary>
    /// Runs <c>promtool tsdb create-blocks-from openmetrics FILE DIR</c>, so Prometheus started on <paramref name="dataDirectory"/>
    /// afterwards serves that data. The file must end with <c># EOF</c>.
    /// </summary>
    public static async Task CreateBlocksFromOpenMetricsAsync(string openMetricsFile, string dataDirectory)
    {
        RequireBinary(PromtoolBinary);
        Directory.CreateDirectory(dataDirectory);
        var start = new ProcessStartInfo(PromtoolBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "tsdb", "create-blocks-from", "openmetrics", openMetricsFile, dataDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start promtool");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"promtool create-blocks-from openmetrics failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }
    }

    /// <summary>A client for the Prometheus address.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A free loopback TCP port (free when asked; callers retry on a bind failure).</summary>
    public static int FreePort() => ChildProcess.FreePort();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
                File.Delete(ConfigFileOf(DataDirectory));
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }

    private static void RequireBinary(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: install Debian's prometheus package (scripts/test.sh does)");
        }
    }

    private static string ConfigFileOf(string dataDirectory) => Path.Combine(dataDirectory, "..", Path.GetFileName(dataDirectory) + ".prometheus.yml");
}
