using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vigil.Benchmarks.Intake;

// Usage: Vigil.Benchmarks intake [--signal metrics|logs|spans|all] [--seconds 60] [--warmup 5] [--concurrency 32] [--vigil PATH/vigil.dll]
// Starts a real `vigil serve` on a temporary data folder (durability on), drives it, prints a Markdown table row per signal.
// Or: Vigil.Benchmarks victoriametrics [--seconds 60] [--warmup 5] [--concurrency 32] [--binary /usr/bin/victoria-metrics]
// Starts Debian's VictoriaMetrics on a free loopback port and sends it the same 10,000 series through its import API.
// Or: Vigil.Benchmarks promql [--runs 30] [--warmup 3] [--minutes 70] [--vigil PATH/vigil.dll] [--prometheus /usr/bin/prometheus]
// Loads the same 2,100 span-metric series into `vigil serve` and Debian's Prometheus and times query_range on both.
var options = ParseOptions(args);
if (args.Length == 0 || args[0] is not ("intake" or "victoriametrics" or "promql"))
{
    Console.Error.WriteLine("usage: Vigil.Benchmarks intake [--signal metrics|logs|spans|all] [--seconds 60] [--warmup 5] [--concurrency 32] [--vigil PATH/vigil.dll]");
    Console.Error.WriteLine("       Vigil.Benchmarks victoriametrics [--seconds 60] [--warmup 5] [--concurrency 32] [--binary /usr/bin/victoria-metrics]");
    Console.Error.WriteLine("       Vigil.Benchmarks promql [--runs 30] [--warmup 3] [--minutes 70] [--vigil PATH/vigil.dll] [--prometheus /usr/bin/prometheus]");
    return 3;
}

if (args[0] == "promql")
{
    return await Vigil.Benchmarks.PromQl.PromQlLatencyBenchmark.RunAsync(
        options.GetValueOrDefault("vigil") ?? FindVigilDll(),
        options.GetValueOrDefault("prometheus", "/usr/bin/prometheus"),
        int.Parse(options.GetValueOrDefault("runs", "30"), CultureInfo.InvariantCulture),
        int.Parse(options.GetValueOrDefault("warmup", "3"), CultureInfo.InvariantCulture),
        TimeSpan.FromMinutes(int.Parse(options.GetValueOrDefault("minutes", "70"), CultureInfo.InvariantCulture)));
}

if (args[0] == "victoriametrics")
{
    return await VictoriaMetricsAnchor.RunAsync(
        options.GetValueOrDefault("binary", "/usr/bin/victoria-metrics"),
        int.Parse(options.GetValueOrDefault("seconds", "60"), CultureInfo.InvariantCulture),
        int.Parse(options.GetValueOrDefault("warmup", "5"), CultureInfo.InvariantCulture),
        int.Parse(options.GetValueOrDefault("concurrency", "32"), CultureInfo.InvariantCulture));
}

var signals = options.GetValueOrDefault("signal", "all") == "all" ? new[] { "metrics", "logs", "spans" } : [options["signal"]];
var seconds = int.Parse(options.GetValueOrDefault("seconds", "60"), CultureInfo.InvariantCulture);
var warmup = int.Parse(options.GetValueOrDefault("warmup", "5"), CultureInfo.InvariantCulture);
var concurrency = int.Parse(options.GetValueOrDefault("concurrency", "32"), CultureInfo.InvariantCulture);
var vigilDll = options.GetValueOrDefault("vigil") ?? FindVigilDll();

Console.WriteLine($"| signal | items/s | requests | errors | Vigil CPU % | driver CPU % | Vigil peak RSS MiB |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var signal in signals)
{
    // A fresh server per signal so peak memory is attributable.
    var data = Path.Combine(Path.GetTempPath(), "vigil-bench-" + Guid.NewGuid().ToString("N"));
    Directory.CreateDirectory(data);
    var ready = Path.Combine(data, "ready.json");
    var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in new[] { vigilDll, "serve", "--data", data, "--listen", "127.0.0.1:0", "--otlp-grpc", "127.0.0.1:0", "--otlp-http", "127.0.0.1:0", "--ready-file", ready })
    {
        start.ArgumentList.Add(a);
    }

    using var vigil = Process.Start(start)!;
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
    var otlpHttp = new Uri(readyJson.RootElement.GetProperty("otlpHttp").GetString()!);
    var payloads = signal switch
    {
        "metrics" => IntakeWorkload.Metrics(),
        "logs" => IntakeWorkload.Logs(),
        _ => IntakeWorkload.Spans(),
    };
    var driver = new IntakeLoadDriver(otlpHttp, vigil.Id, concurrency);
    var result = await driver.RunAsync(signal, payloads, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {result.Signal} | {result.ItemsPerSecond:N0} | {result.Requests} | {result.Errors} | {result.VigilCpuPercent:F0} | {result.DriverCpuPercent:F0} | {result.VigilPeakRssBytes / 1048576.0:F0} |"));
    vigil.Kill(entireProcessTree: true);
    await vigil.WaitForExitAsync();
    Directory.Delete(data, recursive: true);
}

return 0;

static Dictionary<string, string> ParseOptions(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 1; i + 1 < args.Length; i += 2)
    {
        result[args[i].TrimStart('-')] = args[i + 1];
    }

    return result;
}

static string FindVigilDll()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
    {
        dir = dir.Parent;
    }

    var path = Path.Combine(dir?.FullName ?? ".", "src", "Vigil.Cli", "bin", "Release", "net10.0", "vigil.dll");
    return File.Exists(path) ? path : throw new FileNotFoundException("build Release first (dotnet build -c Release) or pass --vigil", path);
}
