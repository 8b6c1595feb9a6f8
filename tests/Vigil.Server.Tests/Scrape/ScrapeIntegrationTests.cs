using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Server.Scrape;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Scrape;

/// <summary>
/// One real <c>vigil serve</c> scraping, every second: Debian's node exporter, itself, and test targets that serve
/// malformed text, check auth, exceed a sample limit, expose clashing labels, and come and go through file_sd.
/// </summary>
public sealed class ScrapeEnvironment : IAsyncLifetime
{
    public const string BasicUser = "scraper";
    public const string BasicPassword = "s3cret-pass";
    public const string BearerToken = "t0ken-for-tests";
    private int _goodRequests;

    public NodeExporterProcess NodeExporter { get; private set; } = null!;

    public TestTargetServer Targets { get; private set; } = null!;

    public VigilServerProcess Vigil { get; private set; } = null!;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "vigil-scrape-" + Guid.NewGuid().ToString("N"));

    public string FileSdFile => Path.Combine(Directory, "sd", "targets.json");

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "sd"));
        NodeExporter = await NodeExporterProcess.StartAsync();
        Targets = new TestTargetServer(Serve);
        await File.WriteAllTextAsync(Path.Combine(Directory, "bearer.txt"), BearerToken + "\n");
        await WriteFileSdAsync(["a", "b"]);

        for (var attempt = 1; ; attempt++)
        {
            var port = PrometheusProcess.FreePort();
            var config = Path.Combine(Directory, "vigil.yaml");
            await File.WriteAllTextAsync(config, Config(port));
            try
            {
                Vigil = await VigilServerProcess.StartAsync(
                    dataDirectory: Path.Combine(Directory, "data"),
                    extraArguments: ["--config", config],
                    listen: $"127.0.0.1:{port}");
                return;
            }
            catch (InvalidOperationException ex) when (attempt < 5 && ex.Message.Contains("cannot listen", StringComparison.Ordinal))
            {
                // The port was taken between picking and binding: pick another.
            }
        }
    }

    public async Task DisposeAsync()
    {
        await Vigil.DisposeAsync();
        await Targets.DisposeAsync();
        await NodeExporter.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>Rewrites the file_sd file to list the given instances (atomically, by rename).</summary>
    public async Task WriteFileSdAsync(IEnumerable<string> instances)
    {
        var groups = instances.Select(i => new { targets = new[] { Targets.Address }, labels = new Dictionary<string, string> { ["instance"] = i, ["__metrics_path__"] = "/sd/" + i } });
        var temporary = FileSdFile + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(groups));
        File.Move(temporary, FileSdFile, overwrite: true);
    }

    public int GoodRequests => Volatile.Read(ref _goodRequests);

    private string Config(int vigilPort) => $"""
        scrape_configs:
          - job_name: node
            scrape_interval: 1s
            static_configs:
              - targets: ['{NodeExporter.Address}']
          - job_name: self
            scrape_interval: 1s
            static_configs:
              - targets: ['127.0.0.1:{vigilPort}']
          - job_name: mixed
            scrape_interval: 1s
            static_configs:
              - targets: ['{Targets.Address}']
                labels: {"{"}instance: good, __metrics_path__: /good{"}"}
              - targets: ['{Targets.Address}']
                labels: {"{"}instance: bad, __metrics_path__: /bad{"}"}
          - job_name: basic
            scrape_interval: 1s
            metrics_path: /auth/basic
            basic_auth: {"{"}username: {BasicUser}, password: {BasicPassword}{"}"}
            static_configs:
              - targets: ['{Targets.Address}']
          - job_name: basic-wrong
            scrape_interval: 1s
            metrics_path: /auth/basic
            basic_auth: {"{"}username: {BasicUser}, password: wrong{"}"}
            static_configs:
              - targets: ['{Targets.Address}']
          - job_name: bearer
            scrape_interval: 1s
            metrics_path: /auth/bearer
            authorization: {"{"}credentials_file: bearer.txt{"}"}
            static_configs:
              - targets: ['{Targets.Address}']
          - job_name: bearer-missing
            scrape_interval: 1s
            metrics_path: /auth/bearer
            static_configs:
              - targets: ['{Targets.Address}']
          - job_name: limit
            scrape_interval: 1s
            metrics_path: /limit
            sample_limit: 2
            static_configs:
              - targets: ['{Targets.Address}']
          - job_name: exported
            scrape_interval: 1s
            metrics_path: /exported
            static_configs:
              - targets: ['{Targets.Address}']
            metric_relabel_configs:
              - source_labels: [__name__]
                regex: dropme_.*
                action: drop
          - job_name: relabeled-away
            scrape_interval: 1s
            static_configs:
              - targets: ['{Targets.Address}']
                labels: {"{"}team: gone{"}"}
            relabel_configs:
              - source_labels: [team]
                regex: gone
                action: drop
          - job_name: filesd
            scrape_interval: 1s
            file_sd_configs:
              - files: ['sd/*.json']
                refresh_interval: 2s
        """;

    private TargetResponse Serve(TargetRequest request)
    {
        var auth = request.Headers.GetValueOrDefault("Authorization");
        switch (request.Path)
        {
            case "/good":
                var n = Interlocked.Increment(ref _goodRequests);
                return new TargetResponse(200, $"# TYPE good_requests_total counter\ngood_requests_total {n}\n");
            case "/bad":
                return new TargetResponse(200, "ok_metric 1\nbroken_metric{le=\"1\" 2\n");
            case "/auth/basic":
                var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{BasicUser}:{BasicPassword}"));
                return auth == expected ? new TargetResponse(200, "auth_ok 1\n") : new TargetResponse(401, "unauthorized\n");
            case "/auth/bearer":
                return auth == "Bearer " + BearerToken ? new TargetResponse(200, "auth_ok 1\n") : new TargetResponse(401, "unauthorized\n");
            case "/limit":
                return new TargetResponse(200, "a 1\nb 2\nc 3\n");
            case "/exported":
                return new TargetResponse(200, "m{job=\"app\",instance=\"x\",zone=\"z1\"} 1\ndropme_total 5\n");
            case "/sd/a":
            case "/sd/b":
                return new TargetResponse(200, "# TYPE sd_value gauge\n# HELP sd_value A value.\nsd_value 1\n");
            default:
                return new TargetResponse(404, "not found\n");
        }
    }
}

public sealed class ScrapeIntegrationTests(ScrapeEnvironment env) : IClassFixture<ScrapeEnvironment>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NodeExporter_SeriesInVigil_MatchWhatTheExporterServes()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => await ValuesAsync(client, "up{job=\"node\"}") is ["1"], "node exporter up");

        // The exporter's own page, fetched and parsed as the scraper does, plus the job and instance labels.
        using var http = new HttpClient();
        HashSet<string> expected = [];
        HashSet<string> actual = [];
        await WaitForAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{env.NodeExporter.Address}/metrics");
            request.Headers.TryAddWithoutValidation("Accept", ScrapeLoop.AcceptHeader);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            var parsed = ExpositionParser.Parse(body, ExpositionParser.FromContentType(response.Content.Headers.ContentType?.ToString()), 0);
            Assert.True(parsed.IsSuccess, parsed.Error);
            expected = parsed.Samples.Select(s => s.Labels.With("job", "node").With("instance", env.NodeExporter.Address).ToString()).ToHashSet();
            actual = (await SeriesAsync(client, "{job=\"node\"}"))
                .Where(s => s.MetricName is not ("up" or "scrape_duration_seconds" or "scrape_samples_scraped" or "scrape_samples_post_metric_relabeling" or "scrape_series_added"))
                .Select(s => s.ToString()).ToHashSet();
            return expected.SetEquals(actual);
        }, "node exporter series equal", () => $"only exporter: {string.Join(", ", expected.Except(actual).Take(10))}; only Vigil: {string.Join(", ", actual.Except(expected).Take(10))}");

        Assert.True(expected.Count > 20, $"the exporter served only {expected.Count} series");
        Assert.Contains(expected, s => s.StartsWith("node_cpu_seconds_total{", StringComparison.Ordinal));
        Assert.Contains(expected, s => s.StartsWith("node_memory_MemTotal_bytes{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Self_VigilScrapesItsOwnMetrics_AndCountsScrapes()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => await ValuesAsync(client, "up{job=\"self\"}") is ["1"], "self up");
        await WaitForAsync(async () => (await ValuesAsync(client, "vigil_scrapes_total{job=\"self\",exported_job=\"node\"}")).Count == 1, "vigil_scrapes_total scraped from /metrics");
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("vigil_scrapes_total{job=\"node\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("vigil_scrape_failures_total{job=\"mixed\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_BadTargetIsDownWithLineColumnReason_GoodTargetInSameJobKeepsGoing()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => await ValuesAsync(client, "up{job=\"mixed\",instance=\"bad\"}") is ["0"], "bad target down");

        var bad = await TargetAsync(client, "mixed", "bad");
        Assert.Equal("down", bad.GetProperty("health").GetString());
        Assert.Matches(@"^line 2:\d+: ", bad.GetProperty("lastError").GetString());
        Assert.Empty(await ValuesAsync(client, "ok_metric{job=\"mixed\"}"));

        await WaitForAsync(async () => await ValuesAsync(client, "up{job=\"mixed\",instance=\"good\"}") is ["1"], "good target up");
        var first = double.Parse((await ValuesAsync(client, "good_requests_total{job=\"mixed\"}")).Single(), System.Globalization.CultureInfo.InvariantCulture);
        await WaitForAsync(
            async () => (await ValuesAsync(client, "good_requests_total{job=\"mixed\"}")) is [var v] && double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) > first,
            "good target's samples advance");
        Assert.Equal(["1"], await ValuesAsync(client, "up{job=\"mixed\",instance=\"good\"}"));
        Assert.Equal("up", (await TargetAsync(client, "mixed", "good")).GetProperty("health").GetString());
    }

    [Theory]
    [InlineData("basic", "up", "")]
    [InlineData("bearer", "up", "")]
    [InlineData("basic-wrong", "down", "server returned HTTP status 401")]
    [InlineData("bearer-missing", "down", "server returned HTTP status 401")]
    public async Task Auth_HeadersAreSent_WrongOrMissingFailWith401(string job, string health, string error)
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => await ValuesAsync(client, $"up{{job=\"{job}\"}}") is [var v] && v == (health == "up" ? "1" : "0"), $"{job} {health}");
        var target = await TargetAsync(client, job, null);
        Assert.Equal(health, target.GetProperty("health").GetString());
        Assert.StartsWith(error, target.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(health == "up" ? ["1"] : [], await ValuesAsync(client, $"auth_ok{{job=\"{job}\"}}"));
        Assert.DoesNotContain(ScrapeEnvironment.BasicPassword, env.Vigil.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(ScrapeEnvironment.BearerToken, env.Vigil.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SampleLimit_Exceeded_TargetDownWithReason_NothingStored()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => await ValuesAsync(client, "up{job=\"limit\"}") is ["0"], "limit target down");
        var target = await TargetAsync(client, "limit", null);
        Assert.Equal("sample_limit exceeded: 3 samples after metric relabeling, limit 2", target.GetProperty("lastError").GetString());
        Assert.Empty(await ValuesAsync(client, "{job=\"limit\",__name__=~\"a|b|c\"}"));
        Assert.Equal(["3"], await ValuesAsync(client, "scrape_samples_scraped{job=\"limit\"}"));
    }

    [Fact]
    public async Task HonorLabelsFalse_ClashingLabelsGetExportedPrefix_MetricRelabelDrops()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => (await SeriesAsync(client, "m{job=\"exported\"}")).Count == 1, "exported series");
        var series = Assert.Single(await SeriesAsync(client, "m{job=\"exported\"}"));
        Assert.Equal(LabelSet.From(("__name__", "m"), ("job", "exported"), ("instance", env.Targets.Address), ("exported_job", "app"), ("exported_instance", "x"), ("zone", "z1")), series);
        Assert.Empty(await SeriesAsync(client, "dropme_total"));
        Assert.Equal(["1"], await ValuesAsync(client, "scrape_samples_post_metric_relabeling{job=\"exported\"}"));
        Assert.Equal(["2"], await ValuesAsync(client, "scrape_samples_scraped{job=\"exported\"}"));
    }

    [Fact]
    public async Task FileSd_TargetRemoved_ItsSeriesGoStaleAndItLeavesTargets()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => (await ValuesAsync(client, "sd_value{job=\"filesd\"}")).Count == 2, "both file_sd targets scraped");
        Assert.Equal(["1"], await ValuesAsync(client, "up{job=\"filesd\",instance=\"b\"}"));

        await env.WriteFileSdAsync(["a"]);

        await WaitForAsync(async () => !(await ActiveTargetsAsync(client)).Any(t => Instance(t) == "b"), "target b gone from /api/v1/targets");
        await WaitForAsync(async () => (await ValuesAsync(client, "sd_value{job=\"filesd\",instance=\"b\"}")).Count == 0, "b's series stale");
        Assert.Empty(await ValuesAsync(client, "up{job=\"filesd\",instance=\"b\"}"));
        Assert.Equal(["1"], await ValuesAsync(client, "sd_value{job=\"filesd\",instance=\"a\"}"));
        Assert.Contains(await ActiveTargetsAsync(client), t => Instance(t) == "a");

        // The raw samples show a staleness marker, not just missing data: the series has samples within the lookback.
        Assert.NotEmpty(await SeriesAsync(client, "sd_value{job=\"filesd\",instance=\"b\"}"));
    }

    [Fact]
    public async Task Targets_ShapeIsPrometheus()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => (await ActiveTargetsAsync(client)).Any(t => t.GetProperty("scrapePool").GetString() == "node" && t.GetProperty("health").GetString() == "up"), "node target up");
        var node = (await ActiveTargetsAsync(client)).First(t => t.GetProperty("scrapePool").GetString() == "node");
        Assert.Equal($"http://{env.NodeExporter.Address}/metrics", node.GetProperty("scrapeUrl").GetString());
        Assert.Equal(env.NodeExporter.Address, node.GetProperty("discoveredLabels").GetProperty("__address__").GetString());
        Assert.Equal("1s", node.GetProperty("discoveredLabels").GetProperty("__scrape_interval__").GetString());
        Assert.Equal("node", node.GetProperty("labels").GetProperty("job").GetString());
        Assert.Equal(env.NodeExporter.Address, node.GetProperty("labels").GetProperty("instance").GetString());
        Assert.Equal("1s", node.GetProperty("scrapeInterval").GetString());
        Assert.Equal("1s", node.GetProperty("scrapeTimeout").GetString());
        Assert.Equal(string.Empty, node.GetProperty("lastError").GetString());
        Assert.True(node.GetProperty("lastScrapeDuration").GetDouble() > 0);
        Assert.True(DateTimeOffset.TryParse(node.GetProperty("lastScrape").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        foreach (var field in new[] { "globalUrl" })
        {
            Assert.True(node.TryGetProperty(field, out _), field);
        }

        using var response = await client.GetAsync("/api/v1/targets?state=bogus");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Relabeling_DroppedTarget_IsNotScrapedAndListedAsDropped()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => await ValuesAsync(client, "up{job=\"node\"}") is ["1"], "scraping started");
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/v1/targets?state=dropped&scrapePool=relabeled-away"));
        var data = document.RootElement.GetProperty("data");
        Assert.Empty(data.GetProperty("activeTargets").EnumerateArray());
        var dropped = Assert.Single(data.GetProperty("droppedTargets").EnumerateArray());
        Assert.Equal("gone", dropped.GetProperty("discoveredLabels").GetProperty("team").GetString());
        Assert.Equal("relabeled-away", dropped.GetProperty("discoveredLabels").GetProperty("job").GetString());
        Assert.Empty(await ValuesAsync(client, "up{job=\"relabeled-away\"}"));
    }

    [Fact]
    public async Task Metadata_TypeAndHelpFromScrapes_AppearInMetadataApi()
    {
        using var client = env.Vigil.CreateClient();
        await WaitForAsync(async () => (await ValuesAsync(client, "sd_value{job=\"filesd\"}")).Count > 0, "file_sd target scraped");
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/v1/metadata?metric=sd_value"));
        var entry = Assert.Single(document.RootElement.GetProperty("data").GetProperty("sd_value").EnumerateArray());
        Assert.Equal("gauge", entry.GetProperty("type").GetString());
        Assert.Equal("A value.", entry.GetProperty("help").GetString());
    }

    private static string? Instance(JsonElement target) =>
        target.GetProperty("labels").TryGetProperty("instance", out var v) ? v.GetString() : null;

    private static async Task<JsonElement> TargetAsync(HttpClient client, string job, string? instance)
    {
        var targets = await ActiveTargetsAsync(client);
        return targets.Single(t => t.GetProperty("scrapePool").GetString() == job && (instance is null || Instance(t) == instance));
    }

    private static async Task<List<JsonElement>> ActiveTargetsAsync(HttpClient client)
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/v1/targets"));
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static async Task<List<string>> ValuesAsync(HttpClient client, string query)
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)));
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => r.GetProperty("value")[1].GetString()!).ToList();
    }

    private static async Task<List<LabelSet>> SeriesAsync(HttpClient client, string selector)
    {
        var url = "/api/v1/series?match[]=" + Uri.EscapeDataString(selector) + "&start=" + (TimeProvider.System.GetUtcNow().AddMinutes(-5).ToUnixTimeSeconds());
        using var document = JsonDocument.Parse(await client.GetStringAsync(url));
        return document.RootElement.GetProperty("data").EnumerateArray()
            .Select(s => LabelSet.From(s.EnumerateObject().Select(p => new Label(p.Name, p.Value.GetString()!))))
            .ToList();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, Func<string>? explain = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (watch.Elapsed > Deadline)
            {
                Assert.Fail($"timed out after {Deadline} waiting for: {what}. {explain?.Invoke()}");
            }

            await Task.Delay(200);
        }
    }
}
