using Vigil.Server.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.ExternalSource;

public sealed class MetricsSourceOptionsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-msrc-" + Guid.NewGuid().ToString("N"));

    public MetricsSourceOptionsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_Defaults_AreEmbeddedWithDocumentedValues()
    {
        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: Write("server:\n  listen: 127.0.0.1:0\n")), out var errors);

        Assert.Empty(errors);
        Assert.Equal(MetricsSourceKind.Embedded, options.MetricsSource.Kind);
        Assert.Equal(TimeSpan.FromMinutes(2), options.MetricsSource.Timeout);
        Assert.Equal(1L << 30, options.MetricsSource.QueueMaxBytes);
    }

    [Fact]
    public void Load_Prometheus_BindsEveryKeyAndDerivesTheRemoteWriteUrl()
    {
        var token = Path.Combine(_directory, "token");
        File.WriteAllText(token, "t0ken\n");
        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: Write($"""
            metricsSource:
              kind: prometheus
              url: https://mimir.example/prometheus/
              bearerTokenFile: {token}
              timeout: 30s
              queueMaxBytes: 256MiB
              maxSamplesPerSend: 500
            """)), out var errors);

        Assert.Empty(errors);
        Assert.Equal(new Uri("https://mimir.example/prometheus/api/v1/write"), options.MetricsSource.RemoteWriteAddress());
        Assert.Equal("Bearer t0ken", options.MetricsSource.Authorization()!.ToString());
        Assert.Equal(256L * 1024 * 1024, options.MetricsSource.QueueMaxBytes);
        Assert.Equal(500, options.MetricsSource.MaxSamplesPerSend);
    }

    [Fact]
    public void Load_InvalidPrometheusSection_ReportsEveryProblemWithoutEchoingSecrets()
    {
        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: Write("""
            metricsSource:
              kind: prometheus
              url: ftp://user:s3cret-in-url@prometheus:9090
              password: s3cret-password
              bearerToken: s3cret-token
              passwordFile: /nonexistent/vigil/password
              queueMaxBytes: 1KiB
            """)), out var errors);

        Assert.Contains(errors, e => e.StartsWith("metricsSource.url: must be an absolute http:// or https:// address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("not both", StringComparison.Ordinal) && e.Contains("bearer", StringComparison.Ordinal));
        Assert.Contains(errors, e => e == "metricsSource: set password or passwordFile, not both");
        Assert.Contains(errors, e => e == "metricsSource.username: required with password or passwordFile");
        Assert.Contains(errors, e => e.StartsWith("metricsSource.passwordFile: cannot read /nonexistent/vigil/password", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("metricsSource.queueMaxBytes:", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.DoesNotContain("s3cret", e, StringComparison.Ordinal));
        Assert.Equal(MetricsSourceKind.Prometheus, options.MetricsSource.Kind);
    }

    [Fact]
    public void Load_PrometheusWithoutUrl_IsAnError()
    {
        VigilConfiguration.Load(new ServeArguments(ConfigFile: Write("metricsSource:\n  kind: prometheus\n")), out var errors);

        Assert.Equal("metricsSource.url: required when kind is prometheus (e.g. http://prometheus:9090)", Assert.Single(errors));
    }

    private string Write(string yaml)
    {
        var file = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, yaml);
        return file;
    }
}
