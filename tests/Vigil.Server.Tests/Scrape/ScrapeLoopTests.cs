using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Scrape;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Server.Diagnostics;
using Vigil.Server.Scrape;

namespace Vigil.Server.Tests.Scrape;

public sealed class ScrapeLoopTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly RecordingWriter _writer = new();
    private readonly MetricMetadataCatalog _catalog = new();
    private readonly HttpClient _http = new();
    private volatile string _body = string.Empty;
    private TestTargetServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new TestTargetServer(_ => new TargetResponse(200, _body));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task ScrapeOnce_SeriesMissingFromNextScrape_GetsStaleMarker()
    {
        var loop = Loop(new ScrapeConfig { JobName = "j" });
        _body = "a 1\nb 2\n";
        await loop.ScrapeOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(15));
        _body = "a 3\n";

        await loop.ScrapeOnceAsync(CancellationToken.None);

        var second = _writer.Batches[1];
        var staleB = Assert.Single(second, s => s.Labels.MetricName == "b");
        Assert.True(IsStale(staleB.Value));
        Assert.Equal(Start.AddSeconds(15).ToUnixTimeMilliseconds(), staleB.TimestampMs);
        Assert.Equal(3, Assert.Single(second, s => s.Labels.MetricName == "a").Value);
        Assert.Equal(0, Value(second, "scrape_series_added"));
        Assert.Equal(2, Value(_writer.Batches[0], "scrape_series_added"));
    }

    [Fact]
    public async Task ScrapeOnce_Failure_MarksEverySeriesStaleAndReportsUpZero()
    {
        var loop = Loop(new ScrapeConfig { JobName = "j" });
        _body = "a 1\nb 2\n";
        await loop.ScrapeOnceAsync(CancellationToken.None);
        _body = "a 1\nb{ 2\n";

        await loop.ScrapeOnceAsync(CancellationToken.None);

        var failed = _writer.Batches[1];
        Assert.All(failed.Where(s => s.Labels.MetricName is "a" or "b"), s => Assert.True(IsStale(s.Value)));
        Assert.Equal(2, failed.Count(s => s.Labels.MetricName is "a" or "b"));
        Assert.Equal(0, Value(failed, "up"));
        var status = loop.Status();
        Assert.Equal(TargetHealth.Down, status.Health);
        Assert.StartsWith("line 2:", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScrapeOnce_ReportSeries_CarryTargetLabels()
    {
        var loop = Loop(new ScrapeConfig { JobName = "j" });
        _body = "# TYPE a gauge\n# HELP a The a.\na 1\n";

        await loop.ScrapeOnceAsync(CancellationToken.None);

        var batch = _writer.Batches[0];
        foreach (var name in new[] { "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added" })
        {
            var report = Assert.Single(batch, s => s.Labels.MetricName == name);
            Assert.Equal("j", report.Labels.Get("job"));
            Assert.Equal(_server.Address, report.Labels.Get("instance"));
        }

        Assert.Equal(1, Value(batch, "up"));
        Assert.Equal(MetricType.Gauge, Assert.Single(_catalog.List("a", 10)).Type);
    }

    [Theory]
    [InlineData(true, 1_700_000_000_000L)]
    [InlineData(false, 0L)]
    public async Task ScrapeOnce_HonorTimestamps_KeepsOrReplacesExposedTimestamp(bool honor, long expected)
    {
        var loop = Loop(new ScrapeConfig { JobName = "j", HonorTimestamps = honor });
        _body = "a 1 1700000000000\n";

        await loop.ScrapeOnceAsync(CancellationToken.None);

        var a = Assert.Single(_writer.Batches[0], s => s.Labels.MetricName == "a");
        Assert.Equal(honor ? expected : Start.ToUnixTimeMilliseconds(), a.TimestampMs);
    }

    [Fact]
    public async Task StopAsync_TargetGone_MarksItsSeriesAndReportSeriesStale()
    {
        var loop = Loop(new ScrapeConfig { JobName = "j" });
        _body = "a 1\n";
        await loop.ScrapeOnceAsync(CancellationToken.None);

        await loop.StopAsync(markStale: true, CancellationToken.None);

        var last = _writer.Batches[^1];
        Assert.Equal(6, last.Count);
        Assert.All(last, s => Assert.True(IsStale(s.Value)));
        Assert.Contains(last, s => s.Labels.MetricName == "up");
    }

    [Fact]
    public async Task ScrapeOnce_TargetNeverAnswers_FailsAfterTimeoutWithReason()
    {
        // A listener that accepts connections but never answers.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var address = $"127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}";
        var config = new ScrapeConfig { JobName = "j", ScrapeInterval = TimeSpan.FromSeconds(1), ScrapeTimeout = TimeSpan.FromMilliseconds(300) };
        var group = new TargetGroup([address], new Dictionary<string, string>(), "test");
        var target = ScrapeLabels.Populate(config, ScrapeLabels.Discovered(config, group, address), out _)!;
        var loop = new ScrapeLoop(config, target, _http, _writer, _catalog, new VigilMetrics(), TimeProvider.System, NullLogger.Instance, ExpositionParserOptions.Default);

        await loop.ScrapeOnceAsync(CancellationToken.None);

        Assert.Equal(TargetHealth.Down, loop.Status().Health);
        Assert.Equal("context deadline exceeded: no answer within the scrape timeout of 300ms", loop.Status().LastError);
        Assert.Equal(0, Value(_writer.Batches[0], "up"));
    }

    [Fact]
    public void Offset_IsWithinIntervalAndStablePerTarget()
    {
        var target = Target(new ScrapeConfig { JobName = "j", ScrapeInterval = TimeSpan.FromSeconds(10), ScrapeTimeout = TimeSpan.FromSeconds(5) });
        var other = target with { ScrapeUrl = new Uri("http://other:1/metrics") };
        var a = ScrapeLoop.Offset(target, Start);
        var b = ScrapeLoop.Offset(other, Start);

        Assert.InRange(a, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.NotEqual(a, b);

        // The phase is fixed: asking 3 s later gives an offset 3 s shorter (modulo the interval).
        var later = ScrapeLoop.Offset(target, Start.AddSeconds(3));
        Assert.Equal(((a - TimeSpan.FromSeconds(3)).Ticks % TimeSpan.FromSeconds(10).Ticks + TimeSpan.FromSeconds(10).Ticks) % TimeSpan.FromSeconds(10).Ticks, later.Ticks);
    }

    private static bool IsStale(double value) => BitConverter.DoubleToInt64Bits(value) == 0x7ff0000000000002;

    private static double Value(IReadOnlyList<SeriesSample> batch, string name) => Assert.Single(batch, s => s.Labels.MetricName == name).Value;

    private ScrapeTarget Target(ScrapeConfig config)
    {
        var group = new TargetGroup([_server.Address], new Dictionary<string, string>(), "test");
        return ScrapeLabels.Populate(config, ScrapeLabels.Discovered(config, group, _server.Address), out _)!;
    }

    private ScrapeLoop Loop(ScrapeConfig config) =>
        new(config, Target(config), _http, _writer, _catalog, new VigilMetrics(), _time, NullLogger.Instance, ExpositionParserOptions.Default);

    /// <summary>Keeps every batch (the loop's only collaborator besides HTTP); the store itself is tested elsewhere.</summary>
    private sealed class RecordingWriter : IDerivedSeriesWriter
    {
        public List<IReadOnlyList<SeriesSample>> Batches { get; } = [];

        public ValueTask<AppendResult> WriteAsync(IReadOnlyList<SeriesSample> samples, CancellationToken cancellationToken)
        {
            lock (Batches)
            {
                Batches.Add(samples);
            }

            return ValueTask.FromResult(AppendResult.Accepted);
        }
    }
}
