using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Vigil.Benchmarks.PromQl;

/// <summary>
/// Latency of typical verification queries on Vigil next to Debian's Prometheus in the same run: both get the same
/// <see cref="PromQlWorkload"/> through their remote-write receivers (so both answer from their in-memory head), then
/// each query runs as a 1 h <c>query_range</c> at a 15 s step (241 points), POST form as Grafana sends it, first as a
/// warm-up, then <c>runs</c> times with the two servers alternating which goes first. The answers are checked to agree
/// before anything is timed. Latency is client-side: request sent to the whole body read, over loopback, no gzip.
/// </summary>
internal static class PromQlLatencyBenchmark
{
    /// <summary>The queries: a short name and the PromQL.</summary>
    public static readonly (string Name, string Query)[] Queries =
    [
        ("rate by service (1,000 counters)", "sum by (service_name) (rate(traces_span_metrics_calls_total[5m]))"),
        ("p95 by service (1,000 buckets)", "histogram_quantile(0.95, sum by (le, service_name) (rate(traces_span_metrics_duration_seconds_bucket[5m])))"),
        ("error ratio by service", "sum by (service_name) (rate(traces_span_metrics_calls_total{status_code=\"STATUS_CODE_ERROR\"}[5m])) / sum by (service_name) (rate(traces_span_metrics_calls_total[5m]))"),
        ("mean latency by service", "sum by (service_name) (rate(traces_span_metrics_duration_seconds_sum[5m])) / sum by (service_name) (rate(traces_span_metrics_duration_seconds_count[5m]))"),
        ("p99 of one service (20 buckets)", "histogram_quantile(0.99, sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{service_name=\"svc-07\"}[5m])))"),
        ("rate, no aggregation (1,000 out)", "rate(traces_span_metrics_calls_total[5m])"),
    ];

    public static async Task<int> RunAsync(string vigilDll, string prometheusBinary, int runs, int warmup, TimeSpan span)
    {
        if (!File.Exists(prometheusBinary))
        {
            Console.Error.WriteLine($"{prometheusBinary} not found: apt-get install prometheus");
            return 3;
        }

        var root = Path.Combine(Path.GetTempPath(), "vigil-promql-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        Process? vigil = null;
        Process? prometheus = null;
        try
        {
            var build = Stopwatch.StartNew();
            var workload = PromQlWorkload.Build(TimeProvider.System.GetUtcNow(), span, timestampsPerRequest: 20);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"workload: {workload.SeriesCount} series x {workload.SampleCount} samples = {workload.Samples:N0} samples in {workload.Requests.Count} remote-write requests ({workload.Requests.Sum(r => (long)r.Length) / 1048576.0:F1} MiB snappy), seed {PromQlWorkload.Seed}, built in {build.Elapsed.TotalSeconds:F1} s"));

            (vigil, var vigilAddress) = await StartVigilAsync(vigilDll, Path.Combine(root, "vigil"));
            (prometheus, var promAddress) = await StartPrometheusAsync(prometheusBinary, Path.Combine(root, "prometheus"));
            using var vigilClient = new HttpClient { BaseAddress = vigilAddress, Timeout = TimeSpan.FromMinutes(2) };
            using var promClient = new HttpClient { BaseAddress = promAddress, Timeout = TimeSpan.FromMinutes(2) };

            foreach (var (name, client) in new[] { ("Vigil", vigilClient), ("Prometheus", promClient) })
            {
                var load = Stopwatch.StartNew();
                foreach (var body in workload.Requests)
                {
                    await RemoteWriteAsync(client, body, name);
                }

                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: loaded in {load.Elapsed.TotalSeconds:F1} s"));
            }

            var endMs = workload.QueryEndMs;
            var startMs = endMs - 3_600_000;
            var form = (string query) => new Dictionary<string, string>
            {
                ["query"] = query,
                ["start"] = (startMs / 1000).ToString(CultureInfo.InvariantCulture),
                ["end"] = (endMs / 1000).ToString(CultureInfo.InvariantCulture),
                ["step"] = "15",
            };

            // Same answers first: otherwise the timings compare different work.
            foreach (var (name, query) in Queries)
            {
                var (_, vigilBody) = await TimeQueryAsync(vigilClient, form(query));
                var (_, promBody) = await TimeQueryAsync(promClient, form(query));
                var agreement = Agreement(promBody, vigilBody);
                Console.Error.WriteLine($"{name}: {agreement}");
                if (agreement.StartsWith("DIFFER", StringComparison.Ordinal))
                {
                    return 1;
                }
            }

            var timings = Queries.ToDictionary(q => q.Name, _ => (Vigil: new List<double>(), Prometheus: new List<double>()));
            for (var i = 0; i < warmup; i++)
            {
                foreach (var (_, query) in Queries)
                {
                    await TimeQueryAsync(vigilClient, form(query));
                    await TimeQueryAsync(promClient, form(query));
                }
            }

            var vigilCpu = ProcessCpu(vigil.Id);
            var promCpu = ProcessCpu(prometheus.Id);
            for (var run = 0; run < runs; run++)
            {
                foreach (var (name, query) in Queries)
                {
                    // Alternate which server goes first, so neither always runs on a warmer machine.
                    var vigilFirst = run % 2 == 0;
                    for (var turn = 0; turn < 2; turn++)
                    {
                        var onVigil = (turn == 0) == vigilFirst;
                        var (ms, _) = await TimeQueryAsync(onVigil ? vigilClient : promClient, form(query));
                        (onVigil ? timings[name].Vigil : timings[name].Prometheus).Add(ms);
                    }
                }
            }

            var queriesRun = runs * Queries.Length;
            var vigilCpuMs = (ProcessCpu(vigil.Id) - vigilCpu).TotalMilliseconds / queriesRun;
            var promCpuMs = (ProcessCpu(prometheus.Id) - promCpu).TotalMilliseconds / queriesRun;

            Console.WriteLine($"| query | Vigil p50 ms | Vigil p95 ms | Vigil mean ms | Prometheus p50 ms | Prometheus p95 ms | Prometheus mean ms | Vigil p50 / Prometheus p50 |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var (name, _) in Queries)
            {
                var (v, p) = timings[name];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {Percentile(v, 0.5):F1} | {Percentile(v, 0.95):F1} | {v.Average():F1} | {Percentile(p, 0.5):F1} | {Percentile(p, 0.95):F1} | {p.Average():F1} | {Percentile(v, 0.5) / Percentile(p, 0.5):F2} |"));
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Server CPU per query (all {queriesRun} measured queries, /proc): Vigil {vigilCpuMs:F1} ms, Prometheus {promCpuMs:F1} ms. Peak RSS: Vigil {PeakRss(vigil.Id) / 1048576.0:F0} MiB, Prometheus {PeakRss(prometheus.Id) / 1048576.0:F0} MiB."));
            return 0;
        }
        finally
        {
            foreach (var process in new[] { vigil, prometheus })
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }

                process?.Dispose();
            }

            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    private static async Task<(double Ms, string Body)> TimeQueryAsync(HttpClient client, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("api/v1/query_range", content);
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{client.BaseAddress} answered {(int)response.StatusCode}: {body[..Math.Min(500, body.Length)]}");
        }

        return (clock.Elapsed.TotalMilliseconds, body);
    }

    // The same series (by label set), the same number of points, values within 1e-6 relative.
    private static string Agreement(string prometheus, string vigil)
    {
        static Dictionary<string, List<(double T, string V)>> Read(string body)
        {
            using var document = JsonDocument.Parse(body);
            var result = new Dictionary<string, List<(double, string)>>(StringComparer.Ordinal);
            foreach (var series in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
            {
                var key = string.Join(",", series.GetProperty("metric").EnumerateObject().OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}={l.Value.GetString()}"));
                result[key] = series.GetProperty("values").EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetString()!)).ToList();
            }

            return result;
        }

        var p = Read(prometheus);
        var v = Read(vigil);
        if (!p.Keys.Order(StringComparer.Ordinal).SequenceEqual(v.Keys.Order(StringComparer.Ordinal)))
        {
            return $"DIFFER: Prometheus {p.Count} series, Vigil {v.Count}; e.g. only in Prometheus: {p.Keys.Except(v.Keys).FirstOrDefault()}, only in Vigil: {v.Keys.Except(p.Keys).FirstOrDefault()}";
        }

        var points = 0;
        var maxRelative = 0.0;
        foreach (var (key, pPoints) in p)
        {
            var vPoints = v[key];
            if (pPoints.Count != vPoints.Count)
            {
                return $"DIFFER: {key}: Prometheus {pPoints.Count} points, Vigil {vPoints.Count}";
            }

            for (var i = 0; i < pPoints.Count; i++)
            {
                points++;
                var a = double.Parse(pPoints[i].V, CultureInfo.InvariantCulture);
                var b = double.Parse(vPoints[i].V, CultureInfo.InvariantCulture);
                if (pPoints[i].T != vPoints[i].T || (double.IsNaN(a) != double.IsNaN(b)))
                {
                    return $"DIFFER: {key} point {i}: Prometheus {pPoints[i]}, Vigil {vPoints[i]}";
                }

                if (!double.IsNaN(a) && a != b)
                {
                    var relative = Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b));
                    maxRelative = Math.Max(maxRelative, relative);
                    if (relative > 1e-6)
                    {
                        return $"DIFFER: {key} point {i}: Prometheus {a}, Vigil {b}";
                    }
                }
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"agree: {p.Count} series, {points} points, largest relative difference {maxRelative:G3}");
    }

    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(q * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    private static async Task RemoteWriteAsync(HttpClient client, byte[] body, string name)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");
        content.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        using var response = await client.PostAsync("api/v1/write", content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"remote-write to {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<(Process Process, Uri Address)> StartVigilAsync(string vigilDll, string data)
    {
        Directory.CreateDirectory(data);
        var ready = Path.Combine(data, "ready.json");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { vigilDll, "serve", "--data", data, "--listen", "127.0.0.1:0", "--otlp-grpc", "127.0.0.1:0", "--otlp-http", "127.0.0.1:0", "--ready-file", ready })
        {
            start.ArgumentList.Add(a);
        }

        var vigil = Process.Start(start)!;
        vigil.OutputDataReceived += (_, _) => { };
        vigil.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("vigil: " + e.Data); } };
        vigil.BeginOutputReadLine();
        vigil.BeginErrorReadLine();
        var waited = Stopwatch.StartNew();
        while (!File.Exists(ready) && waited.Elapsed < TimeSpan.FromSeconds(60) && !vigil.HasExited)
        {
            await Task.Delay(50);
        }

        using var readyJson = JsonDocument.Parse(await File.ReadAllTextAsync(ready));
        return (vigil, new Uri(readyJson.RootElement.GetProperty("http").GetString()!));
    }

    private static async Task<(Process Process, Uri Address)> StartPrometheusAsync(string binary, string data)
    {
        Directory.CreateDirectory(data);
        var config = data + ".yml";
        await File.WriteAllTextAsync(config, string.Empty);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--config.file=" + config, "--storage.tsdb.path=" + data, $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=10y", "--web.enable-remote-write-receiver", "--log.level=warn" })
            {
                start.ArgumentList.Add(a);
            }

            var prometheus = Process.Start(start)!;
            prometheus.OutputDataReceived += (_, _) => { };
            prometheus.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("prometheus: " + e.Data); } };
            prometheus.BeginOutputReadLine();
            prometheus.BeginErrorReadLine();
            var address = new Uri($"http://127.0.0.1:{port}/");
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(60) && !prometheus.HasExited)
            {
                try
                {
                    if ((await client.GetAsync("-/ready")).IsSuccessStatusCode)
                    {
                        return (prometheus, address);
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Slow to answer while starting.
                }

                await Task.Delay(100);
            }

            if (!prometheus.HasExited)
            {
                prometheus.Kill(entireProcessTree: true);
            }

            prometheus.Dispose(); // the port was taken in between, or it failed: try another port
        }

        throw new InvalidOperationException("Prometheus did not become ready");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static TimeSpan ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static long PeakRss(int pid) => Intake.IntakeLoadDriver.PeakRss(pid);
}
