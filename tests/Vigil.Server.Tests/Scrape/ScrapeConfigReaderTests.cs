using Vigil.Core.Scrape;
using Vigil.Server.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.Scrape;

public sealed class ScrapeConfigReaderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-scrape-config-" + Guid.NewGuid().ToString("N"));

    public ScrapeConfigReaderTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_ValidPrometheusScrapeConfigs_Bind()
    {
        var file = Write("""
            server:
              listen: 127.0.0.1:0
            scrape_configs:
              - job_name: node
                scrape_interval: 15s
                scrape_timeout: 5s
                metrics_path: /custom
                scheme: https
                params:
                  module: [http_2xx, tcp]
                honor_labels: true
                honor_timestamps: false
                sample_limit: 5000
                basic_auth:
                  username: u
                  password_file: secrets/pw
                static_configs:
                  - targets: ['a:9100', 'b:9100']
                    labels:
                      env: prod
                file_sd_configs:
                  - files: ['sd/*.json', 'sd/*.yml']
                    refresh_interval: 30s
                relabel_configs:
                  - source_labels: [__address__]
                    regex: '(.*):9100'
                    target_label: host
                  - action: labelmap
                    regex: __meta_(.+)
                metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: go_.*
                    action: drop
              - job_name: self
                bearer_token: t0ken
                static_configs:
                  - targets: [localhost:7070]
            """);

        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);

        Assert.Empty(errors);
        Assert.Equal(2, options.ScrapeConfigs.Count);
        var node = options.ScrapeConfigs[0];
        Assert.Equal("node", node.JobName);
        Assert.Equal(TimeSpan.FromSeconds(15), node.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), node.ScrapeTimeout);
        Assert.Equal("/custom", node.MetricsPath);
        Assert.Equal("https", node.Scheme);
        Assert.Equal(["http_2xx", "tcp"], node.Params["module"]);
        Assert.True(node.HonorLabels);
        Assert.False(node.HonorTimestamps);
        Assert.Equal(5000, node.SampleLimit);
        Assert.Equal("u", node.BasicAuth!.Username);
        Assert.Equal(Path.Combine(_directory, "secrets", "pw"), node.BasicAuth.PasswordFile);
        Assert.Equal(["a:9100", "b:9100"], node.StaticConfigs[0].Targets);
        Assert.Equal("prod", node.StaticConfigs[0].Labels["env"]);
        Assert.Equal(Path.Combine(_directory, "sd", "*.json"), node.FileSdConfigs[0].Files[0]);
        Assert.Equal(TimeSpan.FromSeconds(30), node.FileSdConfigs[0].RefreshInterval);
        Assert.Equal(RelabelAction.LabelMap, node.RelabelConfigs[1].Action);
        Assert.Equal(RelabelAction.Drop, node.MetricRelabelConfigs[0].Action);

        var self = options.ScrapeConfigs[1];
        Assert.Equal(TimeSpan.FromMinutes(1), self.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), self.ScrapeTimeout);
        Assert.Equal("/metrics", self.MetricsPath);
        Assert.True(self.HonorTimestamps);
        Assert.Equal(new AuthorizationCredentials("Bearer", "t0ken", null), self.Authorization);
    }

    [Fact]
    public void Load_ShortIntervalWithoutTimeout_CapsTimeoutAtInterval()
    {
        var file = Write("scrape_configs:\n  - job_name: fast\n    scrape_interval: 2s\n");
        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ScrapeConfigs[0].ScrapeTimeout);
    }

    [Theory]
    [InlineData("    colour: blue\n", 5, 5, "scrape_configs[0].colour: unknown field")]
    [InlineData("    scrape_interval: 5s\n    scrape_timeout: 10s\n", 6, 21, "scrape timeout 10s greater than scrape interval 5s")]
    [InlineData("    relabel_configs:\n      - source_labels: [a]\n        target_label: b\n        regex: '(unclosed'\n", 8, 16, "invalid regex \"(unclosed\"")]
    [InlineData("    relabel_configs:\n      - action: rename\n", 6, 17, "unknown relabel action \"rename\"")]
    [InlineData("    relabel_configs:\n      - action: hashmod\n        target_label: t\n", 6, 9, "non-zero modulus")]
    [InlineData("    scrape_interval: soon\n", 5, 22, "not a valid duration string")]
    [InlineData("    scheme: ftp\n", 5, 13, "must be http or https")]
    [InlineData("    static_configs:\n      - targets: ['http://a:1/metrics']\n", 6, 18, "not a valid target address")]
    [InlineData("    file_sd_configs:\n      - files: [targets.txt]\n", 6, 16, "must end in .json, .yml or .yaml")]
    [InlineData("    basic_auth:\n      username: u\n      password: p\n      password_file: f\n", 6, 7, "at most one of password and password_file")]
    public void Load_BadJob_ReportsFileLineColumnAndReason(string extra, int line, int column, string reason)
    {
        var file = Write("server:\n  listen: 127.0.0.1:0\nscrape_configs:\n  - job_name: j\n" + extra);

        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);

        Assert.True(errors.Count == 1, string.Join("\n", errors));
        var error = errors[0];
        Assert.True(error.StartsWith($"{file}:{line}:{column}: ", StringComparison.Ordinal), error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingJobNameAndDuplicateJob_AreReportedTogetherWithOtherErrors()
    {
        var file = Write("""
            server:
              colour: blue
            scrape_configs:
              - static_configs:
                  - targets: [a:1]
              - job_name: dup
              - job_name: dup
            """);

        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("server.colour: unknown setting", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"{file}:4:5: scrape_configs[0]: job_name is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"{file}:7:5: scrape_configs[2].job_name: found multiple scrape configs with job name \"dup\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ScrapeConfigsNotAList_IsAnError()
    {
        var file = Write("scrape_configs:\n  job_name: x\n");
        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);
        Assert.StartsWith($"{file}:2:3: scrape_configs: expected a list", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SecretsAreNotEchoedInErrors()
    {
        var file = Write("scrape_configs:\n  - job_name: j\n    bearer_token: sup3rs3cret\n    bearer_token_file: /x\n");
        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);
        Assert.NotEmpty(errors);
        Assert.DoesNotContain(errors, e => e.Contains("sup3rs3cret", StringComparison.Ordinal));
    }

    private string Write(string yaml)
    {
        var file = Path.Combine(_directory, "vigil-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, yaml);
        return file;
    }
}
