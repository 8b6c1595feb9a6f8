using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Bench;

/// <summary>
/// <c>vigil bench checks [--targets 1700] [--interval 10s] [--duration 10m]</c>: the same HTTP checks of the same local
/// targets (fresh connection each: the targets answer <c>Connection: close</c>), run for the same time (a) by
/// Prometheus's blackbox_exporter driven by direct <c>/probe</c> calls from this process and (b) by a
/// <c>vigil serve</c> child process with one <c>kind: Check</c> per target. Reports checks per minute, CPU seconds and
/// CPU per check from the kernel's accounting of each process, peak RSS, and for Vigil the scheduling jitter of its
/// results; checks issue 8's first bar (exit 0 met, 1 not).
/// </summary>
internal static class CheckBenchCommand
{
    /// <summary>The blackbox_exporter binary of Debian's prometheus-blackbox-exporter package.</summary>
    public const string BlackboxBinary = "/usr/bin/prometheus-blackbox-exporter";

    /// <summary>The first bar: checks per minute.</summary>
    public const double BarChecksPerMinute = 10_000;

    /// <summary>The first bar: p99 scheduling jitter, milliseconds.</summary>
    public const double BarJitterP99Ms = 100;

    // The timeout of one check on both sides (the blackbox module's and the Vigil checks'): 5 s, or half a shorter interval.
    private static readonly TimeSpan MaxCheckTimeout = TimeSpan.FromSeconds(5);

    // The location of the agent in the --agent variant.
    private const string AgentLocation = "bench";

    public static Command Create(CliContext context)
    {
        var targets = new Option<int>("--targets")
        {
            Description = "How many HTTP targets (one check each). Default 1700: at a 10s interval about 10,000 checks a minute.",
            HelpName = "N",
            DefaultValueFactory = _ => 1700,
        };
        var interval = CliOptions.Duration("--interval", "How often each target is checked. Default: 10s.");
        var duration = CliOptions.Duration("--duration", "How long each side is measured, after a warm-up of one interval. Default: 10m.");
        var only = CliOptions.OneOf("--only", "Run one side only (for development); the CPU comparison then has nothing to compare with.", "blackbox", "vigil");
        var agent = new Option<bool>("--agent")
        {
            Description = "Also measure Vigil with the checks run by a 'vigil agent' process (the server then only stores results), to show where the CPU goes.",
        };
        var command = new Command(
            "checks",
            "Run the same local HTTP checks with blackbox_exporter and with a Vigil server, and compare checks per minute, CPU per check, memory and Vigil's scheduling jitter.")
        {
            targets, interval, duration, only, agent,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var count = parseResult.GetValue(targets);
            var every = parseResult.GetValue(interval) ?? TimeSpan.FromSeconds(10);
            var length = parseResult.GetValue(duration) ?? TimeSpan.FromMinutes(10);
            var side = parseResult.GetValue(only);
            if (count is < 1 or > 20_000)
            {
                await context.Error.WriteLineAsync("error: --targets must be between 1 and 20000.");
                return ExitCodes.Usage;
            }

            if (every < TimeSpan.FromSeconds(1) || every > TimeSpan.FromMinutes(10) || length < every || length > TimeSpan.FromHours(2))
            {
                await context.Error.WriteLineAsync("error: --interval must be between 1s and 10m, and --duration between the interval and 2h.");
                return ExitCodes.Usage;
            }

            if (side != "vigil" && !File.Exists(BlackboxBinary))
            {
                await context.Error.WriteLineAsync($"error: {BlackboxBinary} is missing: install Debian's prometheus-blackbox-exporter package (scripts/test.sh does).");
                return ExitCodes.Usage;
            }

            var settings = new Settings(count, every, length, every);
            var log = context.Error;
            await using var server = await CheckBenchTargets.StartAsync(count, cancellationToken);
            await log.WriteLineAsync($"bench: {count} targets at {server.Address}; interval {Display.Duration(every.TotalSeconds)}, " +
                $"{Display.Duration(length.TotalSeconds)} measured after {Display.Duration(settings.Warmup.TotalSeconds)} of warm-up, per side");
            var reports = new List<SideReport>();
            try
            {
                if (side != "vigil")
                {
                    reports.Add(await RunBlackboxAsync(server, settings, log, cancellationToken));
                }

                if (side != "blackbox")
                {
                    reports.Add(await RunVigilAsync(server, settings, context.Environment.Time, viaAgent: false, log, cancellationToken));
                    if (parseResult.GetValue(agent))
                    {
                        reports.Add(await RunVigilAsync(server, settings, context.Environment.Time, viaAgent: true, log, cancellationToken));
                    }
                }
            }
            catch (BenchException e)
            {
                await context.Error.WriteLineAsync("error: " + e.Message);
                return ExitCodes.ServerError;
            }

            var bar = Bar(reports);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                JsonOutput.Write(context.Out, new { targets = count, intervalSeconds = every.TotalSeconds, durationSeconds = length.TotalSeconds, sides = reports, bar });
            }
            else
            {
                Write(context.Out, reports, bar);
            }

            return bar.All(b => b.Met) ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>What one side achieved in the measured window.</summary>
    /// <param name="System">blackbox_exporter or vigil.</param>
    /// <param name="WindowSeconds">The measured window.</param>
    /// <param name="Expected">Checks due in the window (targets × window / interval).</param>
    /// <param name="Checks">Checks that ran (were started) in the window and completed.</param>
    /// <param name="Failures">Of those, the ones that did not succeed.</param>
    /// <param name="CpuSeconds">User + system CPU of the system's process over the window.</param>
    /// <param name="PeakRssBytes">The process's peak RSS (VmHWM) at the end.</param>
    /// <param name="DriverCpuSeconds">CPU of this benchmark process over the window (the /probe driver, if any, and the targets).</param>
    /// <param name="TargetConnections">TCP connections the targets accepted over the window.</param>
    /// <param name="TargetRequests">Requests the targets answered over the window.</param>
    /// <param name="JitterP50Ms">Median scheduling jitter (StartedAt − ScheduledAt), or null when the system does not schedule.</param>
    /// <param name="JitterP99Ms">99th percentile of the same.</param>
    /// <param name="JitterMaxMs">Largest jitter seen.</param>
    /// <param name="DurationP50Ms">Median check duration as the system reported it.</param>
    /// <param name="FirstFailure">One failure reason, to see what went wrong, or null.</param>
    internal sealed record SideReport(
        string System,
        double WindowSeconds,
        long Expected,
        long Checks,
        long Failures,
        double CpuSeconds,
        long PeakRssBytes,
        double DriverCpuSeconds,
        long TargetConnections,
        long TargetRequests,
        double? JitterP50Ms,
        double? JitterP99Ms,
        double? JitterMaxMs,
        double? DurationP50Ms,
        string? FirstFailure)
    {
        /// <summary>For the agent variant: the server's CPU over the window (it takes and stores the agent's results).</summary>
        public double? ServerCpuSeconds { get; init; }

        public double ChecksPerMinute => WindowSeconds <= 0 ? 0 : Checks * 60 / WindowSeconds;

        public double CpuMsPerCheck => Checks == 0 ? double.NaN : CpuSeconds * 1000 / Checks;
    }

    internal sealed record BarPart(string Name, bool Met, string Detail);

    private sealed record Settings(int Targets, TimeSpan Interval, TimeSpan Duration, TimeSpan Warmup)
    {
        public TimeSpan Timeout => Interval / 2 < MaxCheckTimeout ? Interval / 2 : MaxCheckTimeout;

        public string TimeoutText => string.Create(CultureInfo.InvariantCulture, $"{Timeout.TotalMilliseconds:0}ms");
    }

    private sealed class BenchException(string message) : Exception(message);

    // Blackbox: one module, probes driven at each target's own phase of the interval, like a scrape of each target would.
    private static async Task<SideReport> RunBlackboxAsync(CheckBenchTargets targets, Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("vigil-bench-blackbox-");
        try
        {
            var config = Path.Combine(directory.FullName, "blackbox.yml");
            await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
                modules:
                  http_2xx:
                    prober: http
                    timeout: {settings.TimeoutText}
                    http:
                      preferred_ip_protocol: ip4
                      ip_protocol_fallback: false
                """), cancellationToken);
            var port = FreePort();
            using var process = StartProcess(BlackboxBinary, [$"--config.file={config}", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"], null);
            try
            {
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
                using var http = new HttpClient(handler) { Timeout = settings.Timeout + TimeSpan.FromSeconds(10) };
                var probeBase = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/probe?module=http_2xx&target=";
                await WaitUntilAsync(async ct => (await http.GetAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics", ct)).IsSuccessStatusCode,
                    TimeSpan.FromSeconds(30), () => process.HasExited ? $"blackbox_exporter exited with {process.ExitCode}" : null, cancellationToken);
                await log.WriteLineAsync($"bench: blackbox_exporter {process.Id} on 127.0.0.1:{port}; probing");

                var urls = Enumerable.Range(0, settings.Targets).Select(i => probeBase + Uri.EscapeDataString(targets.Url(i))).ToArray();
                var durations = new List<double>();
                var gate = new object();
                long checks = 0, failures = 0;
                string? firstFailure = null;
                var inFlight = new List<Task>();

                async Task ProbeAsync(int index, bool measured)
                {
                    var watch = Stopwatch.StartNew();
                    bool success;
                    string? reason = null;
                    try
                    {
                        var body = await http.GetStringAsync(urls[index], cancellationToken);
                        success = body.Contains("\nprobe_success 1", StringComparison.Ordinal);
                        if (!success)
                        {
                            reason = "probe_success 0";
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        success = false;
                        reason = "/probe call failed: " + e.Message;
                    }

                    if (!measured)
                    {
                        return;
                    }

                    lock (gate)
                    {
                        checks++;
                        durations.Add(watch.Elapsed.TotalMilliseconds);
                        if (!success)
                        {
                            failures++;
                            firstFailure ??= reason;
                        }
                    }
                }

                var window = await DriveAsync(settings, targets, process.Id, (index, measured) =>
                {
                    var task = ProbeAsync(index, measured);
                    lock (inFlight)
                    {
                        inFlight.RemoveAll(t => t.IsCompleted);
                        inFlight.Add(task);
                    }
                }, log, cancellationToken);
                Task[] pending;
                lock (inFlight)
                {
                    pending = [.. inFlight];
                }

                await Task.WhenAll(pending);
                var peak = ProcessAccounting.PeakRssBytes(process.Id);
                return new SideReport(
                    "blackbox_exporter", window.Seconds, Expected(settings), checks, failures, window.Cpu, peak, window.DriverCpu,
                    window.Connections, window.Requests, null, null, null, Percentile(durations, 0.5), firstFailure);
            }
            finally
            {
                Stop(process);
            }
        }
        finally
        {
            TryDelete(directory.FullName);
        }
    }

    // Fires onDue(target, measured) at each target's phase of every interval, from now to the end of the window; samples
    // CPU (of the system's process and of this one) and the targets' counters at the window's edges.
    private static async Task<Window> DriveAsync(Settings settings, CheckBenchTargets targets, int pid, Action<int, bool>? onDue, TextWriter log, CancellationToken cancellationToken, Action? atWindowStart = null)
    {
        if (onDue is null)
        {
            // Nothing to drive (Vigil schedules its own checks): sample at the window's edges only.
            var watch = Stopwatch.StartNew();
            await DelayUntilAsync(watch, settings.Warmup.TotalSeconds, cancellationToken);
            var first = Sample.Take(pid, targets);
            atWindowStart?.Invoke();
            for (var minute = 1; minute * 60 < settings.Duration.TotalSeconds; minute++)
            {
                await DelayUntilAsync(watch, settings.Warmup.TotalSeconds + (minute * 60), cancellationToken);
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bench: {minute} of {settings.Duration.TotalMinutes:0.#} minutes"));
            }

            await DelayUntilAsync(watch, (settings.Warmup + settings.Duration).TotalSeconds, cancellationToken);
            return Window.Between(first, Sample.Take(pid, targets));
        }

        var clock = Stopwatch.StartNew();
        var step = settings.Interval.TotalSeconds / settings.Targets;
        var windowStart = settings.Warmup.TotalSeconds;
        var end = windowStart + settings.Duration.TotalSeconds;
        Sample? start = null;
        var lastProgress = 0.0;
        for (long n = 0; ; n++)
        {
            var due = n * step;
            if (due >= end)
            {
                break;
            }

            if (start is null && due >= windowStart)
            {
                await DelayUntilAsync(clock, windowStart, cancellationToken);
                start = Sample.Take(pid, targets);
                atWindowStart?.Invoke();
            }

            await DelayUntilAsync(clock, due, cancellationToken);
            onDue((int)(n % settings.Targets), due >= windowStart);
            if (clock.Elapsed.TotalSeconds - lastProgress >= 60)
            {
                lastProgress = clock.Elapsed.TotalSeconds;
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bench: {lastProgress:0}s of {end:0}s"));
            }
        }

        await DelayUntilAsync(clock, end, cancellationToken);
        var stop = Sample.Take(pid, targets);
        start ??= stop;
        return Window.Between(start, stop);
    }

    private static async Task DelayUntilAsync(Stopwatch clock, double seconds, CancellationToken cancellationToken)
    {
        var wait = seconds - clock.Elapsed.TotalSeconds;
        if (wait > 0.001)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken);
        }
    }

    private sealed record Sample(double At, double Cpu, double DriverCpu, long Connections, long Requests)
    {
        private static readonly Stopwatch Clock = Stopwatch.StartNew();

        public static Sample Take(int pid, CheckBenchTargets targets) => new(
            Clock.Elapsed.TotalSeconds, ProcessAccounting.CpuSeconds(pid), ProcessAccounting.CpuSeconds(Environment.ProcessId), targets.Connections, targets.Requests);
    }

    private sealed record Window(double Seconds, double Cpu, double DriverCpu, long Connections, long Requests)
    {
        public static Window Between(Sample start, Sample stop) => new(
            stop.At - start.At, stop.Cpu - start.Cpu, stop.DriverCpu - start.DriverCpu, stop.Connections - start.Connections, stop.Requests - start.Requests);
    }

    // Vigil: a real server with one check per target, applied through the API; results read back through the API.
    // With viaAgent, the checks are assigned to location `bench` and run by a `vigil agent` child: the row's CPU is the
    // agent's (scheduling, running, reporting) and ServerCpuSeconds the server's (taking, storing, deriving series).
    private static async Task<SideReport> RunVigilAsync(CheckBenchTargets targets, Settings settings, TimeProvider time, bool viaAgent, TextWriter log, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("vigil-bench-server-");
        try
        {
            var readyFile = Path.Combine(directory.FullName, "ready.json");
            var dll = typeof(CheckBenchCommand).Assembly.Location;
            var dotnet = Environment.ProcessPath ?? "dotnet";
            using var process = StartProcess(dotnet, [dll, "serve", "--data", directory.FullName, "--listen", "127.0.0.1:0", "--otlp-grpc", "127.0.0.1:0", "--otlp-http", "127.0.0.1:0", "--ready-file", readyFile], directory.FullName);
            try
            {
                await WaitUntilAsync(_ => Task.FromResult(File.Exists(readyFile)), TimeSpan.FromSeconds(60),
                    () => process.HasExited ? $"vigil serve exited with {process.ExitCode}" : null, cancellationToken);
                Uri address;
                using (var ready = JsonDocument.Parse(await File.ReadAllTextAsync(readyFile, cancellationToken)))
                {
                    address = new Uri(ready.RootElement.GetProperty("http").GetString()!);
                }

                using var client = new VigilClient(address, timeout: TimeSpan.FromMinutes(2));
                var names = Enumerable.Range(0, settings.Targets).Select(i => string.Create(CultureInfo.InvariantCulture, $"bench-{i:00000}")).ToArray();
                // Apply takes at most 1,000 documents at once (DeclarativeReader.MaxDocuments): several applies.
                for (var first = 0; first < names.Length; first += 1000)
                {
                    var text = new StringBuilder();
                    for (var i = first; i < Math.Min(names.Length, first + 1000); i++)
                    {
                        text.Append(CheckDocument(names[i], targets.Url(i), settings.Interval, settings.TimeoutText, viaAgent ? AgentLocation : null));
                    }

                    try
                    {
                        await client.ApplyAsync(new ApplyRequest([new ApplyFileDto("bench-checks.yaml", text.ToString())], DryRun: false, Prune: false), cancellationToken);
                    }
                    catch (VigilApiException e)
                    {
                        throw new BenchException($"applying the benchmark's checks failed: {e.Message}");
                    }
                }

                // The server loads applied checks on its next reload: wait until it has them all, so the warm-up starts with them running.
                await WaitUntilAsync(async ct => (await client.ListChecksAsync(ct)).Checks.Count >= names.Length, TimeSpan.FromSeconds(60),
                    () => process.HasExited ? $"vigil serve exited with {process.ExitCode}" : null, cancellationToken);
                using var agentProcess = viaAgent
                    ? StartProcess(dotnet, [dll, "agent", "--server", address.ToString(), "--location", AgentLocation, "--poll-interval", "5s"], directory.FullName)
                    : null;
                var measured = agentProcess ?? process;
                await log.WriteLineAsync($"bench: vigil serve {process.Id} at {address} with {names.Length} checks applied" +
                    (agentProcess is null ? string.Empty : $", run by vigil agent {agentProcess.Id}") + "; measuring");
                var serverCpuAtStart = 0.0;
                var window = await DriveAsync(settings, targets, measured.Id, null, log, cancellationToken, () => serverCpuAtStart = ProcessAccounting.CpuSeconds(process.Id));
                double? serverCpu = agentProcess is null ? null : ProcessAccounting.CpuSeconds(process.Id) - serverCpuAtStart;
                var peak = ProcessAccounting.PeakRssBytes(measured.Id);
                var windowEnd = time.GetUtcNow();
                var windowStart = windowEnd - TimeSpan.FromSeconds(window.Seconds);

                // Read every check's results of the window back (a few at a time: the server is the system under test, not this).
                var jitters = new List<double>();
                var durations = new List<double>();
                long checks = 0, failures = 0;
                string? firstFailure = null;
                var limit = (int)Math.Ceiling((settings.Warmup + settings.Duration).TotalSeconds / settings.Interval.TotalSeconds) + 20;
                await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (name, ct) =>
                {
                    CheckResultsResponse response;
                    try
                    {
                        response = await client.GetCheckResultsAsync(name, viaAgent ? AgentLocation : "local", limit, ct);
                    }
                    catch (VigilApiException e)
                    {
                        throw new BenchException($"reading the results of {name} failed: {e.Message}");
                    }

                    lock (jitters)
                    {
                        foreach (var result in response.Results.Where(r => r.ScheduledAt >= windowStart && r.ScheduledAt < windowEnd))
                        {
                            checks++;
                            jitters.Add((result.StartedAt - result.ScheduledAt).TotalMilliseconds);
                            durations.Add(result.Seconds * 1000);
                            if (result.Outcome != "pass")
                            {
                                failures++;
                                firstFailure ??= result.Reason ?? result.Outcome;
                            }
                        }
                    }
                });

                if (agentProcess is not null)
                {
                    Stop(agentProcess);
                }

                return new SideReport(
                    viaAgent ? "vigil agent" : "vigil", window.Seconds, Expected(settings), checks, failures, window.Cpu, peak, window.DriverCpu, window.Connections, window.Requests,
                    Percentile(jitters, 0.5), Percentile(jitters, 0.99), jitters.Count == 0 ? null : jitters.Max(), Percentile(durations, 0.5), firstFailure)
                {
                    ServerCpuSeconds = serverCpu,
                };
            }
            finally
            {
                Stop(process);
            }
        }
        finally
        {
            TryDelete(directory.FullName);
        }
    }

    /// <summary>The check document the benchmark applies for one target: a plain GET that must answer 2xx.</summary>
    internal static string CheckDocument(string name, string url, TimeSpan interval, string timeout, string? location) => string.Create(CultureInfo.InvariantCulture, $"""
        ---
        apiVersion: vigil/v1
        kind: Check
        metadata:
          name: {name}
        spec:
          type: http
          interval: {interval.TotalSeconds:0}s
          timeout: {timeout}
          locations: [{location ?? "local"}]
          http:
            url: {url}

        """);

    private static long Expected(Settings settings) => (long)Math.Round(settings.Targets * settings.Duration.TotalSeconds / settings.Interval.TotalSeconds);

    private static IReadOnlyList<BarPart> Bar(IReadOnlyList<SideReport> reports)
    {
        var parts = new List<BarPart>();
        var vigil = reports.FirstOrDefault(r => r.System == "vigil");
        var blackbox = reports.FirstOrDefault(r => r.System == "blackbox_exporter");
        var c = CultureInfo.InvariantCulture;
        if (vigil is not null)
        {
            parts.Add(new BarPart("checks per minute", vigil.ChecksPerMinute >= BarChecksPerMinute,
                string.Create(c, $"{vigil.ChecksPerMinute:0} (bar {BarChecksPerMinute:0})")));
            parts.Add(new BarPart("p99 scheduling jitter", vigil.JitterP99Ms is < BarJitterP99Ms,
                string.Create(c, $"{vigil.JitterP99Ms:0.0} ms (bar < {BarJitterP99Ms:0} ms)")));
            parts.Add(new BarPart("failures", vigil.Failures == 0, string.Create(c, $"{vigil.Failures} of {vigil.Checks}")));
        }

        if (vigil is not null && blackbox is not null)
        {
            parts.Add(new BarPart("CPU per check below blackbox_exporter's", vigil.CpuMsPerCheck < blackbox.CpuMsPerCheck,
                string.Create(c, $"{vigil.CpuMsPerCheck:0.000} ms vs {blackbox.CpuMsPerCheck:0.000} ms")));
        }
        else
        {
            parts.Add(new BarPart("CPU per check below blackbox_exporter's", false, "not compared: one side only (--only)"));
        }

        return parts;
    }

    private static void Write(TextWriter output, IReadOnlyList<SideReport> reports, IReadOnlyList<BarPart> bar)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table("SYSTEM", "CHECKS/MIN", "DONE/DUE", "FAILED", "CPU_S", "CPU_MS/CHECK", "PEAK_RSS", "JITTER_P50", "JITTER_P99", "JITTER_MAX", "DURATION_P50", "DRIVER_CPU_S", "CONN/REQ");
        foreach (var r in reports)
        {
            table.Add(
                r.System,
                r.ChecksPerMinute.ToString("0", c),
                string.Create(c, $"{r.Checks}/{r.Expected}"),
                r.Failures.ToString(c),
                r.CpuSeconds.ToString("0.00", c),
                r.CpuMsPerCheck.ToString("0.000", c),
                string.Create(c, $"{r.PeakRssBytes / (1024.0 * 1024):0} MiB"),
                Ms(r.JitterP50Ms),
                Ms(r.JitterP99Ms),
                Ms(r.JitterMaxMs),
                Ms(r.DurationP50Ms),
                r.DriverCpuSeconds.ToString("0.00", c),
                string.Create(c, $"{r.TargetConnections}/{r.TargetRequests}"));
        }

        table.WriteTo(output);
        output.WriteLine();
        output.WriteLine("CPU_S: user+system CPU of the system's own process over the window (/proc/PID/stat); DRIVER_CPU_S: this process");
        output.WriteLine("(the /probe driver for blackbox_exporter, and the targets in both rows). CONN/REQ: connections and requests the targets saw.");
        foreach (var r in reports.Where(r => r.ServerCpuSeconds is not null))
        {
            output.WriteLine(string.Create(c, $"{r.System}: CPU_S is the agent's; the server that took and stored its results used {r.ServerCpuSeconds:0.00} s more ({r.ServerCpuSeconds * 1000 / Math.Max(1, r.Checks):0.000} ms per check)."));
        }

        foreach (var r in reports.Where(r => r.FirstFailure is not null))
        {
            output.WriteLine($"{r.System}: first failure: {Display.Safe(r.FirstFailure!)}");
        }

        output.WriteLine();
        foreach (var part in bar)
        {
            output.WriteLine($"bar: {part.Name}: {(part.Met ? "met" : "NOT met")} ({part.Detail})");
        }

        output.WriteLine(bar.All(p => p.Met) ? "first bar met" : "first bar NOT met");

        static string Ms(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";
    }

    private static double? Percentile(List<double> values, double quantile)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var index = (int)Math.Ceiling(quantile * values.Count) - 1;
        return values[Math.Clamp(index, 0, values.Count - 1)];
    }

    private static Process StartProcess(string binary, IEnumerable<string> arguments, string? workingDirectory)
    {
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new BenchException("could not start " + binary);
        // Drained and dropped: the child must never block on a full pipe, and its log is not part of the figures.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> ready, TimeSpan timeout, Func<string?> failed, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (failed() is { } reason)
            {
                throw new BenchException(reason);
            }

            try
            {
                if (await ready(cancellationToken))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new BenchException($"not ready within {timeout.TotalSeconds:0} s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
