using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Benchmarks.Intake;

/// <summary>
/// The anchor for metric intake: Debian's VictoriaMetrics fed the same 10,000 series and values as Vigil's metrics
/// workload, through <c>/api/v1/import/prometheus</c>, by the same driver. VictoriaMetrics acknowledges before its data
/// is fsynced (it flushes in the background about every second), where Vigil acknowledges after the fsync.
/// </summary>
internal static class VictoriaMetricsAnchor
{
    public static async Task<int> RunAsync(string binary, int seconds, int warmup, int concurrency)
    {
        if (!File.Exists(binary))
        {
            Console.Error.WriteLine($"{binary} not found: apt-get install victoria-metrics");
            return 3;
        }

        var data = Path.Combine(Path.GetTempPath(), "vm-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-storageDataPath", data, "-httpListenAddr", $"127.0.0.1:{port}", "-retentionPeriod", "1y" })
            {
                start.ArgumentList.Add(a);
            }

            using var vm = Process.Start(start)!;
            vm.OutputDataReceived += (_, _) => { };
            vm.ErrorDataReceived += (_, _) => { };
            vm.BeginOutputReadLine();
            vm.BeginErrorReadLine();
            var target = new Uri($"http://127.0.0.1:{port}");
            if (!await WaitHealthyAsync(target, vm))
            {
                vm.Kill(entireProcessTree: true);
                continue; // the port was taken in between: try another
            }

            var driver = new IntakeLoadDriver(target, vm.Id, concurrency);
            var result = await driver.RunAsync("metrics (VictoriaMetrics)", "/api/v1/import/prometheus", "text/plain", IntakeWorkload.MetricsAsPrometheusText(), TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds));
            Console.WriteLine("| signal | items/s | requests | errors | server CPU % | driver CPU % | server peak RSS MiB |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {result.Signal} | {result.ItemsPerSecond:N0} | {result.Requests} | {result.Errors} | {result.VigilCpuPercent:F0} | {result.DriverCpuPercent:F0} | {result.VigilPeakRssBytes / 1048576.0:F0} |"));
            vm.Kill(entireProcessTree: true);
            await vm.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
            return 0;
        }

        Console.Error.WriteLine("VictoriaMetrics did not become healthy");
        return 1;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> WaitHealthyAsync(Uri target, Process vm)
    {
        using var client = new HttpClient { BaseAddress = target, Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30) && !vm.HasExited)
        {
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        return false;
    }
}
