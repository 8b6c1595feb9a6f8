using System.Diagnostics;
using System.Text.Json;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Scrape;

/// <summary>
/// The same <c>scrape_configs</c> text given to Debian's Prometheus 2.42 and to Vigil: the targets each lists at
/// <c>/api/v1/targets</c> (labels after relabeling, scrape URLs, dropped targets) must be the same.
/// </summary>
public sealed class PrometheusRelabelCompatibilityTests
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

    private static string Labels(JsonElement labels) =>
        "{" + string.Join(",", labels.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Order(StringComparer.Ordinal)) + "}";
}
