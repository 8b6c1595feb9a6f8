using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Vigil.Benchmarks.Intake;

/// <summary>
/// Drives OTLP/HTTP protobuf intake of a running Vigil with pre-encoded payloads from many concurrent workers, and
/// reports items per second, Vigil's CPU and the driver's CPU separately, and Vigil's peak resident memory.
/// Durability stays on: every 200 means the batch was fsynced.
/// </summary>
internal sealed class IntakeLoadDriver(Uri target, int serverPid, int concurrency)
{
    public sealed record Result(string Signal, double Seconds, long Items, long Requests, long Errors, double ItemsPerSecond, double VigilCpuPercent, double DriverCpuPercent, long VigilPeakRssBytes);

    public async Task<Result> RunAsync(string signal, IReadOnlyList<PatchablePayload> payloads, TimeSpan warmup, TimeSpan duration)
    {
        var path = signal switch { "metrics" => "/v1/metrics", "logs" => "/v1/logs", _ => "/v1/traces" };
        return await RunAsync(signal, path, "application/x-protobuf", payloads, warmup, duration);
    }

    /// <summary>Posts <paramref name="payloads"/> to <paramref name="path"/>; a 2xx answer counts its items as accepted.</summary>
    public async Task<Result> RunAsync(string signal, string path, string contentType, IReadOnlyList<PatchablePayload> payloads, TimeSpan warmup, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler) { BaseAddress = target, Timeout = TimeSpan.FromSeconds(60) };
        long items = 0, requests = 0, errors = 0, sequence = 0;
        var measuring = false;
        var baseNano = (ulong)((TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100);
        var stopAt = Stopwatch.StartNew();
        var total = warmup + duration;
        TimeSpan vigilCpuStart = default, driverCpuStart = default;
        var measureClock = new Stopwatch();

        var workers = Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var buffer = new byte[payloads.Max(p => p.Length)];
            while (stopAt.Elapsed < total)
            {
                var n = Interlocked.Increment(ref sequence);
                var payload = payloads[(int)(n % payloads.Count)];
                // Each round of templates moves time forward by 1 ms, so every series gets strictly newer samples.
                payload.Render(buffer, baseNano + (ulong)(n / payloads.Count) * 1_000_000UL, n);
                using var content = new ByteArrayContent(buffer, 0, payload.Length);
                content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                using var response = await client.PostAsync(path, content);
                var ok = response.IsSuccessStatusCode;
                if (Volatile.Read(ref measuring))
                {
                    Interlocked.Increment(ref requests);
                    if (ok)
                    {
                        Interlocked.Add(ref items, payload.Items);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }
        }).ToList();

        await Task.Delay(warmup);
        vigilCpuStart = ProcessCpu(serverPid);
        driverCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        measureClock.Start();
        Volatile.Write(ref measuring, true);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        measureClock.Stop();
        var vigilCpu = ProcessCpu(serverPid) - vigilCpuStart;
        var driverCpu = Process.GetCurrentProcess().TotalProcessorTime - driverCpuStart;
        await Task.WhenAll(workers);

        var seconds = measureClock.Elapsed.TotalSeconds;
        return new Result(signal, seconds, items, requests, errors, items / seconds, 100 * vigilCpu.TotalSeconds / seconds, 100 * driverCpu.TotalSeconds / seconds, PeakRss(serverPid));
    }

    /// <summary>User plus system CPU of a process, from /proc/PID/stat (clock ticks of 1/100 s).</summary>
    private static TimeSpan ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>Peak resident set (VmHWM) of a process, in bytes.</summary>
    public static long PeakRss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
