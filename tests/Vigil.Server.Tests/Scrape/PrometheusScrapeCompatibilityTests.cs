using System.Diagnostics;
using System.Text.Json;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Scrape;

/// <summary>
/// The same <c>scrape_configs</c> text given to Debian's Prometheus 2.42 and to Vigil: the targets each lists at
/// <c>/api/v1/targets</c> (labels after relabeling, scrape URLs, dropped targets) and the series and values each stores
/// from the same targets (text 0.0.4 and OpenMetrics, honor_labels both ways, metric relabeling) must be the same.
/// </summary>
public sealed class PrometheusScrapeCompatibilityTests
{
    private const string ScrapeConfigs = """
        scrape_configs:
          - job_name: replace
            scrape_interval: 30s
            scrape_timeout: 5s
            params: {module: [m1, m2]}
            static_configs:
              - targets: ['127.0.0.1:1', 'host-a.example:9100']
                labels: {env: Prod, team: web, __meta_zone: eu-1}
            relabel_configs:
              - source_labels: [__address__]
                regex: '([^:]+):(\d+)'
                target_label: host
                replacement: '${1}'
              - source_labels: [env, team]
                separator: '/'
                target_label: owner
              - source_labels: [__address__]
                target_label: __param_target
              - source_labels: [env]
                target_label: env_lower
                action: lowercase
              - source_labels: [team]
                target_label: team_upper
                action: uppercase
              - regex: '__meta_(.+)'
                action: labelmap
                replacement: 'meta_$1'
              - source_labels: [__address__]
                modulus: 7
                target_label: shard
                action: hashmod
              - source_labels: [host]
                regex: '(?P<first>[a-z0-9]+)[.-].*'
                target_label: first_part
                replacement: '$first'
              - source_labels: [nothing]
                regex: ''
                target_label: was_empty
                replacement: 'yes'
          - job_name: filters
            scrape_interval: 30s
            static_configs:
              - targets: ['127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:4', '127.0.0.1:5']
                labels: {keepme: 'yes', copy: '127.0.0.1:3'}
            relabel_configs:
              - source_labels: [__address__]
                regex: '127\.0\.0\.1:2'
                action: drop
              - source_labels: [__address__]
                target_label: copy
                action: dropequal
              - source_labels: [keepme]
                regex: 'yes'
                action: keep
              - regex: 'keepme|copy'
                action: labeldrop
              - source_labels: [__address__]
                regex: '.*:(5)'
                target_label: instance
                replacement: 'five-$1'
          - job_name: rewrite
            scrape_interval: 30s
            metrics_path: /probe
            static_configs:
              - targets: ['127.0.0.1:6']
                labels: {a: '1', b: '2', c: '3'}
            relabel_configs:
              - regex: 'a|b|job|instance|__.*'
                action: labelkeep
              - target_label: __scheme__
                replacement: https
              - target_label: __metrics_path__
                replacement: /other
              - source_labels: [a]
                target_label: a
                action: keepequal
        """;

    [Fact]
    public async Task SameScrapeConfigs_PrometheusAndVigil_ListTheSameTargets()
    {
        await using var prometheus = await PrometheusProcess.StartAsync(ScrapeConfigs);
        var directory = Path.Combine(Path.GetTempPath(), "vigil-relabel-compat-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "vigil.yaml");
        await File.WriteAllTextAsync(config, ScrapeConfigs);
        await using var vigil = await VigilServerProcess.StartAsync(Path.Combine(directory, "data"), extraArguments: ["--config", config]);

        using var promClient = prometheus.CreateClient();
        using var vigilClient = vigil.CreateClient();
        var expected = await TargetsAsync(promClient);
        var actual = await TargetsAsync(vigilClient);

        Assert.Equal(5, expected.Active.Count);
        Assert.Equal(2, expected.Dropped.Count);
        Assert.Equal(expected.Active, actual.Active);
        Assert.Equal(expected.Dropped, actual.Dropped);
    }

    private const string TextBody = "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n" +
        "http_requests_total{method=\"get\",code=\"200\",job=\"app\"} 10\n" +
        "http_requests_total{method=\"post\",code=\"500\",instance=\"x\",exported_job=\"old\"} 2\n" +
        "# TYPE latency histogram\nlatency_bucket{le=\"0.1\"} 1\nlatency_bucket{le=\"1\"} 3\nlatency_bucket{le=\"+Inf\"} 4\nlatency_sum 2.5\nlatency_count 4\n" +
        "# TYPE rpc summary\nrpc{quantile=\"0.5\"} 0.2\nrpc{quantile=\"0.99\"} 0.9\nrpc_sum 10\nrpc_count 40\n" +
        "untyped_thing{path=\"C:\\\\dir\",msg=\"say \\\"hi\\\"\\nbye\"} -Inf\n" +
        "go_goroutines 7\ndrop_me 1\nold_sample 3 1000000\n";

    private const string OpenMetricsBody = "# TYPE om_requests counter\n# HELP om_requests Requests.\n" +
        "om_requests_total{a=\"1\"} 5 # {trace_id=\"abc\"} 1.0 1700000000.000\n" +
        "# TYPE om_info info\nom_info_info{version=\"1.2\"} 1\n" +
        "# TYPE om_state stateset\nom_state{om_state=\"a\"} 1\nom_state{om_state=\"b\"} 0\n" +
        "# TYPE om_gauge_seconds gauge\n# UNIT om_gauge_seconds seconds\nom_gauge_seconds 1.5e3\n# EOF\n";

    [Fact]
    public async Task SameScrape_PrometheusAndVigil_StoreTheSameSeriesAndValues()
    {
        await using var target = new TestTargetServer(r => r.Path == "/om"
            ? new TargetResponse(200, OpenMetricsBody, "application/openmetrics-text; version=1.0.0; charset=utf-8")
            : new TargetResponse(200, TextBody));
        var config = $$"""
            scrape_configs:
              - job_name: compat-text
                scrape_interval: 1s
                static_configs:
                  - targets: ['{{target.Address}}']
                metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: drop_me
                    action: drop
                  - source_labels: [method]
                    target_label: verb
                    action: uppercase
                  - regex: code
                    action: labeldrop
              - job_name: compat-om
                scrape_interval: 1s
                metrics_path: /om
                honor_labels: true
                static_configs:
                  - targets: ['{{target.Address}}']
            """;
        await using var prometheus = await PrometheusProcess.StartAsync(config);
        var directory = Path.Combine(Path.GetTempPath(), "vigil-scrape-compat-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "vigil.yaml"), config);
        await using var vigil = await VigilServerProcess.StartAsync(Path.Combine(directory, "data"), extraArguments: ["--config", Path.Combine(directory, "vigil.yaml")]);

        using var promClient = prometheus.CreateClient();
        using var vigilClient = vigil.CreateClient();
        const string Query = "{job=~\"compat-.*\",__name__!~\"scrape_duration_seconds|scrape_series_added\"}";
        var expected = await InstantAsync(promClient, Query, minimum: 24);
        var actual = await InstantAsync(vigilClient, Query, minimum: expected.Count);

        Assert.True(expected.SequenceEqual(actual), $"only Prometheus:\n{string.Join("\n", expected.Except(actual))}\nonly Vigil:\n{string.Join("\n", actual.Except(expected))}");
        Assert.Equal(24, expected.Count);
        Assert.Contains(expected, l => l.StartsWith("http_requests_total{exported_instance=x,exported_job=old,instance=", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("untyped_thing{", StringComparison.Ordinal) && l.EndsWith(" -Inf", StringComparison.Ordinal));
    }

    /// <summary>An instant query's result as sorted "name{labels} value" lines, once it has at least <paramref name="minimum"/> series.</summary>
    private static async Task<List<string>> InstantAsync(HttpClient client, string query, int minimum)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var document = JsonDocument.Parse(await client.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(query)));
            var lines = document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                .Select(r => r.GetProperty("metric").GetProperty("__name__").GetString() + Labels(r.GetProperty("metric"), "__name__") + " " + r.GetProperty("value")[1].GetString())
                .Order(StringComparer.Ordinal).ToList();
            if (lines.Count >= minimum || watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                return lines;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Active targets as "pool url labels" lines and dropped ones as their discovered labels, sorted.</summary>
    private static async Task<(List<string> Active, List<string> Dropped)> TargetsAsync(HttpClient client)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var document = JsonDocument.Parse(await client.GetStringAsync("api/v1/targets"));
            var data = document.RootElement.GetProperty("data");
            var active = data.GetProperty("activeTargets").EnumerateArray()
                .Select(t => $"{t.GetProperty("scrapePool").GetString()} {t.GetProperty("scrapeUrl").GetString()} {Labels(t.GetProperty("labels"))}")
                .Order(StringComparer.Ordinal).ToList();
            var dropped = data.GetProperty("droppedTargets").EnumerateArray()
                .Select(t => Labels(t.GetProperty("discoveredLabels")))
                .Order(StringComparer.Ordinal).ToList();

            // Prometheus discovers asynchronously: wait until every target of the configuration is accounted for.
            if (active.Count + dropped.Count >= 7 || watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                return (active, dropped);
            }

            await Task.Delay(200);
        }
    }

    private static string Labels(JsonElement labels, string? except = null) =>
        "{" + string.Join(",", labels.EnumerateObject().Where(p => p.Name != except).Select(p => $"{p.Name}={Canonical(p.Name, p.Value.GetString()!)}").Order(StringComparer.Ordinal)) + "}";

    /// <summary>
    /// Vigil stores <c>le</c> and <c>quantile</c> in OpenMetrics float form (<c>1</c> becomes <c>1.0</c>) as Prometheus 3
    /// does; Debian's Prometheus 2.42 keeps the text as exposed. Compare them in the 3.x form.
    /// </summary>
    private static string Canonical(string name, string value) =>
        name is "le" or "quantile" && long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _) ? value + ".0" : value;
}
