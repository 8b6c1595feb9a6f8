using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Bench;

/// <summary>
/// <c>vigil bench ui [--services 50] [--releases 200] [--hours 24] [--requests 100] [--warmup 10]</c>: starts a
/// <c>vigil serve</c> child on a fresh data folder, fills it through its public intake (span metrics by Prometheus
/// remote-write with past timestamps, releases by the REST API, logs and traces by OTLP/JSON), then times each page of
/// the web UI (<see cref="Pages"/>) from sending the request to reading the last byte of its server-rendered HTML:
/// warm-up requests first, then sequential measured ones on one kept-alive connection. Reports p50, p95 and max per
/// page and checks issue 5's first bar, p95 under 200 ms for every page: exit 0 when met, 1 when not.
/// </summary>
internal static class UiBenchCommand
{
    /// <summary>The first bar: p95 time to last byte of every page, in milliseconds.</summary>
    public const double BarP95Ms = 200;

    /// <summary>
    /// The verification plan the bench applies as <c>default</c>: the built-in plan's error-ratio and p95 metrics (the
    /// same exact-count queries) in before-after mode, so releases already in the past are judged at once; two looks of
    /// 2 minutes keep the 200 runs to a few minutes of server time.
    /// </summary>
    internal const string PlanYaml = """
        apiVersion: vigil/v1
        kind: VerificationPlan
        metadata:
          name: default
        spec:
          mode: before-after
          interval: 2m
          duration: 4m
          metrics:
            - name: error-ratio
              kind: count-ratio
              direction: increase
              query: 'clamp_min((sum(traces_span_metrics_calls_total{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}",status_code="STATUS_CODE_ERROR"}) or vector(0)) - (sum(traces_span_metrics_calls_total{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}",status_code="STATUS_CODE_ERROR"} offset {{interval}}) or vector(0)), 0)'
              totalQuery: 'clamp_min((sum(traces_span_metrics_calls_total{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}"}) or vector(0)) - (sum(traces_span_metrics_calls_total{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}"} offset {{interval}}) or vector(0)), 0)'
              critical: true
              allowedEffect: 0.1
              group: errors
            - name: p95-latency
              kind: latency-histogram
              direction: increase
              quantile: 0.95
              query: 'clamp_min(sum by (le) (traces_span_metrics_duration_seconds_bucket{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}"}) - (sum by (le) (traces_span_metrics_duration_seconds_bucket{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}"} offset {{interval}}) or 0 * sum by (le) (traces_span_metrics_duration_seconds_bucket{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}"})), 0)'
              critical: true
              allowedEffect: 0.1
              group: latency

        """;

    /// <summary>
    /// The pages measured: name and path. <c>{service}</c>, <c>{release}</c> (a release with a finished verdict, the
    /// failing one when there is one) and <c>{trace}</c> (a trace the bench sent) are filled in before measuring.
    /// </summary>
    internal static readonly IReadOnlyList<(string Name, string Path)> Pages =
    [
        ("overview", "/"),
        ("releases", "/releases"),
        ("service", "/services/{service}?env=prod&range=24h"),
        ("release", "/releases/{release}"),
        ("explore (PromQL)", "/explore?q=" + Uri.EscapeDataString("sum by (service_name) (rate(traces_span_metrics_calls_total[5m]))") + "&range=1h"),
        ("explore logs", "/explore/logs?service={service}&range=1h"),
        ("explore traces", "/explore/traces?service={service}&range=1h"),
        ("trace", "/traces/{trace}"),
        ("checks", "/checks"),
        ("drift", "/drift"),
        ("anomalies", "/anomalies"),
    ];

    private const int TracesPerService = 40;
    private const int LogsPerService = 100;
    private const int SendParallelism = 3;

    public static Command Create(CliContext context)
    {
        var services = new Option<int>("--services") { Description = "Services (svc-00, svc-01, ...) in environment prod. Default 50.", HelpName = "N", DefaultValueFactory = _ => 50 };
        var releases = new Option<int>("--releases") { Description = "Releases, spread over the services and the hours (at least one per service). Default 200.", HelpName = "N", DefaultValueFactory = _ => 200 };
        var hours = new Option<int>("--hours") { Description = "Hours of one-minute data ending now. Default 24.", HelpName = "N", DefaultValueFactory = _ => 24 };
        var requests = new Option<int>("--requests") { Description = "Measured requests per page, one after the other. Default 100.", HelpName = "N", DefaultValueFactory = _ => 100 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured requests per page first. Default 10.", HelpName = "N", DefaultValueFactory = _ => 10 };
        var verdictWait = CliOptions.Duration("--verdict-wait", "How long to wait for the releases' verifications to finish before measuring (they load the server). Default: 10m.", allowZero: true);
        var keep = new Option<string?>("--data")
        {
            Description = "Keep the server's data folder here (to profile or look at the pages later with 'vigil serve --data DIR'). Default: a temporary folder, deleted afterwards.",
            HelpName = "DIR",
        };
        var command = new Command("ui", "Fill a fresh server with hours of data for many services and releases, then time each web UI page to its last byte, and check issue 5's first bar.")
        {
            services, releases, hours, requests, warmup, verdictWait, keep,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new Settings(
                new UiBenchSizes(parseResult.GetValue(services), parseResult.GetValue(releases), TimeSpan.FromHours(parseResult.GetValue(hours))),
                parseResult.GetValue(requests),
                parseResult.GetValue(warmup),
                parseResult.GetValue(verdictWait) ?? TimeSpan.FromMinutes(10));
            if (settings.Sizes.Services is < 1 or > 1000 || settings.Sizes.Span < TimeSpan.FromHours(1) || settings.Sizes.Span > TimeSpan.FromDays(7)
                || settings.Sizes.Releases < settings.Sizes.Services || settings.Sizes.Releases > settings.Sizes.Services * 20)
            {
                await context.Error.WriteLineAsync("error: --services must be 1..1000, --hours 1..168, and --releases between the number of services and 20 per service.");
                return ExitCodes.Usage;
            }

            if (settings.Requests is < 1 or > 100_000 || settings.Warmup is < 0 or > 10_000 || settings.VerdictWait > TimeSpan.FromHours(2))
            {
                await context.Error.WriteLineAsync("error: --requests must be 1..100000, --warmup 0..10000 and --verdict-wait at most 2h.");
                return ExitCodes.Usage;
            }

            var folder = parseResult.GetValue(keep);
            var data = folder ?? Path.Combine(Path.GetTempPath(), "vigil-bench-ui-" + Guid.NewGuid().ToString("N"));
            if (folder is not null && Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            {
                await context.Error.WriteLineAsync($"error: --data {Display.Safe(folder)} is not empty: the bench needs a fresh store.");
                return ExitCodes.Usage;
            }

            try
            {
                return await RunAsync(context, settings, data, parseResult, cancellationToken);
            }
            catch (BenchException e)
            {
                await context.Error.WriteLineAsync("error: " + e.Message);
                return ExitCodes.ServerError;
            }
            finally
            {
                if (folder is null)
                {
                    TryDelete(data);
                }
            }
        });
        return command;
    }

    /// <summary>What the bench did to fill the store.</summary>
    /// <param name="Services">Services written.</param>
    /// <param name="Hours">Hours of one-minute data.</param>
    /// <param name="Samples">Span-metric samples written by remote-write.</param>
    /// <param name="MetricsSeconds">Time to write them.</param>
    /// <param name="Releases">Releases created.</param>
    /// <param name="Verdicts">Of those, how many had a finished verdict when measuring started.</param>
    /// <param name="VerdictsByState">Release states when measuring started.</param>
    /// <param name="Spans">Spans sent.</param>
    /// <param name="Logs">Log records sent.</param>
    /// <param name="SeedSeconds">Everything from the server's start to the first measured request.</param>
    internal sealed record SeedReport(
        int Services, double Hours, long Samples, double MetricsSeconds, int Releases, int Verdicts, IReadOnlyDictionary<string, int> VerdictsByState,
        int Spans, int Logs, double SeedSeconds);

    /// <summary>One page's figures.</summary>
    /// <param name="Name">What the page is.</param>
    /// <param name="Path">The path requested.</param>
    /// <param name="Status">The HTTP status of the last request.</param>
    /// <param name="Missing">The page does not exist on this build (404 on the first request): not measured.</param>
    /// <param name="Bytes">Body bytes of the last request.</param>
    /// <param name="Requests">Measured requests.</param>
    /// <param name="P50Ms">Median time to last byte.</param>
    /// <param name="P95Ms">95th percentile.</param>
    /// <param name="MaxMs">Slowest.</param>
    /// <param name="Met">p95 under the bar with status 200.</param>
    internal sealed record PageReport(string Name, string Path, int Status, bool Missing, long Bytes, int Requests, double? P50Ms, double? P95Ms, double? MaxMs, bool Met);

    private sealed record Settings(UiBenchSizes Sizes, int Requests, int Warmup, TimeSpan VerdictWait);

    private sealed class BenchException(string message) : Exception(message);

    private static async Task<int> RunAsync(CliContext context, Settings settings, string folder, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var log = context.Error;
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(folder);
        using var server = await UiBenchServer.StartAsync(folder, cancellationToken);
        await log.WriteLineAsync($"bench: vigil serve {server.ProcessId} at {server.Address}, data in {folder}");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) }) { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
        using var client = new VigilClient(server.Address, timeout: TimeSpan.FromMinutes(2));
        var data = new UiBenchData(settings.Sizes, context.Environment.Time.GetUtcNow());

        try
        {
            await client.ApplyAsync(new ApplyRequest([new ApplyFileDto("bench-plan.yaml", PlanYaml)]), cancellationToken);
        }
        catch (VigilApiException e)
        {
            throw new BenchException("applying the bench's verification plan failed: " + e.Message);
        }

        // Metrics first: the verification runs the releases start read them at once.
        var metricsWatch = Stopwatch.StartNew();
        var samples = await WriteMetricsAsync(http, data, log, cancellationToken);
        metricsWatch.Stop();
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"bench: {samples:N0} span-metric samples of {data.Services.Count} services over {settings.Sizes.Span.TotalHours:0} h in {metricsWatch.Elapsed.TotalSeconds:0.0} s ({samples / Math.Max(0.001, metricsWatch.Elapsed.TotalSeconds):N0}/s)"));

        var created = new List<ReleaseDto>();
        foreach (var (service, version, startedAt) in data.Releases())
        {
            try
            {
                created.Add(await client.CreateReleaseAsync(
                    new CreateReleaseRequest(service.Name, version.Version, UiBenchData.Environment, Author: "vigil-bench", Notes: version.Bad ? "a bad release: more errors, slower" : null, StartedAt: startedAt),
                    cancellationToken));
            }
            catch (VigilApiException e)
            {
                throw new BenchException($"creating release {service.Name} {version.Version} failed: {e.Message}");
            }
        }

        // Traces and logs after the releases: the server makes a release of every new version it sees in traces.
        var traceIds = new List<string>();
        var spans = 0;
        foreach (var (json, count) in data.TraceRequests(TracesPerService, traceIds))
        {
            await PostOtlpAsync(http, "/v1/traces", json, cancellationToken);
            spans += count;
        }

        var logs = 0;
        foreach (var (json, count) in data.LogRequests(LogsPerService, traceIds))
        {
            await PostOtlpAsync(http, "/v1/logs", json, cancellationToken);
            logs += count;
        }

        await log.WriteLineAsync($"bench: {created.Count} releases, {spans} spans, {logs} log records sent; waiting for verdicts");
        var states = await WaitForVerdictsAsync(client, created.Count, settings.VerdictWait, log, cancellationToken);
        var finished = states.Where(s => s.Key is not ("pending" or "verifying")).Sum(s => s.Value);
        var release = await PickReleaseAsync(client, cancellationToken);
        var seed = new SeedReport(data.Services.Count, settings.Sizes.Span.TotalHours, samples, metricsWatch.Elapsed.TotalSeconds, created.Count, finished, states,
            spans, logs, total.Elapsed.TotalSeconds);

        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["{service}"] = data.Services[0].Name,
            ["{release}"] = release ?? created[^1].Id,
            ["{trace}"] = traceIds.Count > 0 ? traceIds[0] : "0",
        };
        var pages = new List<PageReport>();
        foreach (var (name, template) in Pages)
        {
            var path = values.Aggregate(template, (p, v) => p.Replace(v.Key, v.Value, StringComparison.Ordinal));
            var page = await MeasureAsync(http, name, path, settings, cancellationToken);
            await log.WriteLineAsync(page.Missing ? $"bench: {name} {path}: missing (404)" : string.Create(CultureInfo.InvariantCulture, $"bench: {name} {path}: {page.Status}, p95 {page.P95Ms:0.0} ms"));
            pages.Add(page);
        }

        var met = pages.All(p => p.Met);
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            JsonOutput.Write(context.Out, new { seed, pages, barP95Ms = BarP95Ms, met });
        }
        else
        {
            Write(context.Out, seed, pages, met);
        }

        return met ? ExitCodes.Success : ExitCodes.Failed;
    }

    // Groups in parallel (a few at a time), each group's requests in order, so every series is appended in time order.
    private static async Task<long> WriteMetricsAsync(HttpClient http, UiBenchData data, TextWriter log, CancellationToken cancellationToken)
    {
        long samples = 0;
        var groups = data.MetricGroups().ToList();
        var done = 0;
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = SendParallelism, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            foreach (var (body, count) in data.MetricRequests(group.Service, group.Version, group.Operation))
            {
                await PostRemoteWriteAsync(http, body, ct);
                Interlocked.Add(ref samples, count);
            }

            var n = Interlocked.Increment(ref done);
            if (n % 50 == 0)
            {
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bench: metrics {n} of {groups.Count} series groups written"));
            }
        });
        return samples;
    }

    private static async Task PostRemoteWriteAsync(HttpClient http, byte[] body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            content.Headers.ContentEncoding.Add("snappy");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write") { Content = content };
            request.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 60)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            throw new BenchException($"remote-write answered {(int)response.StatusCode}: {Display.Safe(text.Trim())}");
        }
    }

    private static async Task PostOtlpAsync(HttpClient http, string path, string json, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(path, content, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                if (Rejected(text) is { } rejected)
                {
                    throw new BenchException($"{path} refused part of the request: {Display.Safe(rejected)}");
                }

                return;
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 60)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            throw new BenchException($"{path} answered {(int)response.StatusCode}: {Display.Safe(text.Trim())}");
        }
    }

    // OTLP partial success: {"partialSuccess":{"rejectedSpans":"3","errorMessage":"..."}}; null when nothing was refused.
    private static string? Rejected(string json)
    {
        if (json.Length == 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("partialSuccess", out var partial) || partial.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in partial.EnumerateObject())
        {
            if (property.Name.StartsWith("rejected", StringComparison.Ordinal)
                && (property.Value.ValueKind == JsonValueKind.Number ? property.Value.GetInt64() : long.Parse(property.Value.GetString() ?? "0", CultureInfo.InvariantCulture)) > 0)
            {
                return partial.ToString();
            }
        }

        return null;
    }

    // Until no release is pending or verifying (or the wait is over): the states at the end.
    private static async Task<IReadOnlyDictionary<string, int>> WaitForVerdictsAsync(VigilClient client, int expected, TimeSpan wait, TextWriter log, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var listed = await client.ListReleasesAsync(environment: UiBenchData.Environment, limit: 1000, cancellationToken: cancellationToken);
            var states = listed.Releases.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var open = states.GetValueOrDefault("pending") + states.GetValueOrDefault("verifying");
            if (open == 0 || watch.Elapsed > wait)
            {
                if (open > 0)
                {
                    await log.WriteLineAsync($"bench: {open} of {expected} releases still without a verdict after {Display.Duration(wait.TotalSeconds)}; measuring anyway");
                }

                return states;
            }

            if (watch.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = watch.Elapsed;
                await log.WriteLineAsync($"bench: {open} of {expected} releases still verifying");
            }

            await Task.Delay(1000, cancellationToken);
        }
    }

    // The release page shows a finished verdict: the failing release when there is one, else any finished one.
    private static async Task<string?> PickReleaseAsync(VigilClient client, CancellationToken cancellationToken)
    {
        var listed = (await client.ListReleasesAsync(environment: UiBenchData.Environment, limit: 1000, cancellationToken: cancellationToken)).Releases;
        return (listed.FirstOrDefault(r => r.State == "failed")
            ?? listed.FirstOrDefault(r => r.State is "passed" or "marginal")
            ?? listed.FirstOrDefault(r => r.State == "inconclusive"))?.Id;
    }

    /// <summary>Warm-up requests, then measured ones: each timed from sending to the last byte of the body.</summary>
    private static async Task<PageReport> MeasureAsync(HttpClient http, string name, string path, Settings settings, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var (status, bytes, _) = await GetAsync(http, path, buffer, cancellationToken);
        if (status == (int)HttpStatusCode.NotFound)
        {
            return new PageReport(name, path, status, Missing: true, bytes, 0, null, null, null, Met: false);
        }

        for (var i = 1; i < settings.Warmup; i++)
        {
            await GetAsync(http, path, buffer, cancellationToken);
        }

        var times = new List<double>(settings.Requests);
        for (var i = 0; i < settings.Requests; i++)
        {
            (status, bytes, var elapsed) = await GetAsync(http, path, buffer, cancellationToken);
            times.Add(elapsed.TotalMilliseconds);
        }

        times.Sort();
        var p95 = Percentile(times, 0.95);
        return new PageReport(name, path, status, Missing: false, bytes, times.Count, Percentile(times, 0.5), p95, times[^1],
            Met: status == (int)HttpStatusCode.OK && p95 < BarP95Ms);
    }

    private static async Task<(int Status, long Bytes, TimeSpan Elapsed)> GetAsync(HttpClient http, string path, byte[] buffer, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        long bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            bytes += read;
        }

        watch.Stop();
        return ((int)response.StatusCode, bytes, watch.Elapsed);
    }

    private static double Percentile(List<double> sorted, double quantile)
    {
        var index = (int)Math.Ceiling(quantile * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static void Write(TextWriter output, SeedReport seed, IReadOnlyList<PageReport> pages, bool met)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c,
            $"store: {seed.Services} services, {seed.Hours:0} h of one-minute span metrics ({seed.Samples:N0} samples, written in {seed.MetricsSeconds:0.0} s), {seed.Releases} releases, {seed.Spans:N0} spans, {seed.Logs:N0} log records; filled in {seed.SeedSeconds:0} s"));
        output.WriteLine("release states: " + string.Join(", ", seed.VerdictsByState.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => string.Create(c, $"{s.Key} {s.Value}"))));
        output.WriteLine();
        var table = new Table("PAGE", "PATH", "STATUS", "BYTES", "P50_MS", "P95_MS", "MAX_MS", "BAR");
        foreach (var p in pages)
        {
            table.Add(
                p.Name,
                Uri.UnescapeDataString(p.Path),
                p.Missing ? "missing (404)" : p.Status.ToString(c),
                p.Bytes.ToString("N0", c),
                Ms(p.P50Ms),
                Ms(p.P95Ms),
                Ms(p.MaxMs),
                p.Met ? "met" : "NOT met");
        }

        table.WriteTo(output);
        output.WriteLine();
        output.WriteLine(string.Create(c, $"time to last byte, warm, sequential requests on one connection; bar: p95 < {BarP95Ms:0} ms with status 200 on every page"));
        output.WriteLine(met ? "first bar met" : "first bar NOT met");

        static string Ms(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    /// <summary>A <c>vigil serve</c> child on loopback with ephemeral ports, killed (whole tree) when disposed.</summary>
    private sealed class UiBenchServer : IDisposable
    {
        private readonly Process _process;
        private readonly Queue<string> _lastLines = new();

        private UiBenchServer(Process process) => _process = process;

        public Uri Address { get; private set; } = default!;

        public int ProcessId => _process.Id;

        public static async Task<UiBenchServer> StartAsync(string folder, CancellationToken cancellationToken)
        {
            var readyFile = Path.Combine(folder, "ready.json");
            var dll = typeof(UiBenchCommand).Assembly.Location;
            var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
            var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
            foreach (var argument in new[] { dll, "serve", "--data", folder, "--listen", "127.0.0.1:0", "--otlp-grpc", "127.0.0.1:0", "--otlp-http", "127.0.0.1:0", "--ready-file", readyFile })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new BenchException("could not start vigil serve");
            var server = new UiBenchServer(process);
            // Drained (the child must never block on a full pipe); the last lines are kept to explain an early exit.
            process.OutputDataReceived += (_, e) => server.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var deadline = Stopwatch.StartNew();
                while (!File.Exists(readyFile))
                {
                    if (process.HasExited)
                    {
                        throw new BenchException($"vigil serve exited with {process.ExitCode}: {server.LastLines()}");
                    }

                    if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                    {
                        throw new BenchException("vigil serve was not ready within 60 s: " + server.LastLines());
                    }

                    await Task.Delay(100, cancellationToken);
                }

                using var ready = JsonDocument.Parse(await File.ReadAllTextAsync(readyFile, cancellationToken));
                server.Address = new Uri(ready.RootElement.GetProperty("http").GetString()!);
                return server;
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lastLines)
            {
                _lastLines.Enqueue(line);
                if (_lastLines.Count > 20)
                {
                    _lastLines.Dequeue();
                }
            }
        }

        private string LastLines()
        {
            lock (_lastLines)
            {
                return Display.Safe(string.Join(" | ", _lastLines));
            }
        }
    }
}
