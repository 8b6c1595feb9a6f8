using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Server.RemoteWrite.Protos;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Grafana;

/// <summary>
/// One real Vigil and one real Prometheus 2.42 holding the same <see cref="GrafanaContractDataset"/>, shared by every
/// request of the Grafana contract list. Prometheus gets the samples as promtool blocks (loaded before it starts) and
/// learns the families' metadata by scraping a small loopback target that serves them (its samples are dropped by
/// <c>metric_relabel_configs</c>, so only <c>up</c> and the scrape's own series are added, at the current time,
/// outside the query window). Vigil gets the same samples and metadata in one remote-write request.
/// </summary>
public sealed class GrafanaContractFixture : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vigil-grafana-" + Guid.NewGuid().ToString("N"));
    private HttpListener? _target;
    private Task? _targetLoop;

    internal GrafanaContractDataset Dataset { get; } = GrafanaContractDataset.EndingBefore(TimeProvider.System.GetUtcNow());

    internal PrometheusProcess Prometheus { get; private set; } = null!;

    internal VigilServerProcess Vigil { get; private set; } = null!;

    internal HttpClient PrometheusClient { get; private set; } = null!;

    internal HttpClient VigilClient { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var exposition = Dataset.ToScrapeExposition();
        var targetPort = StartTarget(exposition);

        var openMetrics = Path.Combine(_root, "dataset.om");
        await File.WriteAllTextAsync(openMetrics, Dataset.ToOpenMetrics());
        var promData = Path.Combine(_root, "prometheus");
        await PrometheusProcess.CreateBlocksFromOpenMetricsAsync(openMetrics, promData);
        var config = $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: grafana-contract-metadata
                static_configs:
                  - targets: ['127.0.0.1:{targetPort}']
                metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: '.+'
                    action: drop
            """;
        Prometheus = await PrometheusProcess.StartAsync(config, promData);
        PrometheusClient = Prometheus.CreateClient();

        Vigil = await VigilServerProcess.StartAsync(Path.Combine(_root, "vigil"));
        VigilClient = Vigil.CreateClient();
        await RemoteWriteAsync(VigilClient, BuildWriteRequest(Dataset));

        await WaitForAsync(PrometheusClient, "api/v1/metadata", body => body.Contains("traces_span_metrics_calls_total", StringComparison.Ordinal), "Prometheus to scrape the metadata target");
        var seriesPath = $"api/v1/series?match[]=%7B__name__%3D~%22.%2B%22%7D&start={Dataset.QueryStart}&end={Dataset.QueryEnd}";
        var expected = Dataset.Series.Count;
        await WaitForAsync(VigilClient, seriesPath, body => CountSeries(body) == expected, $"Vigil to serve all {expected} series");
        await WaitForAsync(PrometheusClient, seriesPath, body => CountSeries(body) == expected, $"Prometheus to serve all {expected} series");
    }

    public async Task DisposeAsync()
    {
        PrometheusClient?.Dispose();
        VigilClient?.Dispose();
        if (Vigil is not null)
        {
            await Vigil.DisposeAsync();
        }

        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        _target?.Close();
        if (_targetLoop is not null)
        {
            try
            {
                await _targetLoop;
            }
            catch (HttpListenerException)
            {
                // Closed while waiting for a request.
            }
            catch (ObjectDisposedException)
            {
                // Closed while waiting for a request.
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }

    /// <summary>Sends one request to a server and captures status, content type and body.</summary>
    internal static async Task<CapturedResponse> SendAsync(HttpClient client, GrafanaRequest request, Func<string, string> expand)
    {
        using var message = request.ToHttpRequest(expand);
        using var response = await client.SendAsync(message);
        return new CapturedResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The dataset as one remote-write request: every series with its samples, and each family's metadata.</summary>
    internal static WriteRequest BuildWriteRequest(GrafanaContractDataset dataset)
    {
        var request = new WriteRequest();
        foreach (var series in dataset.Series)
        {
            var timeSeries = new TimeSeries();
            timeSeries.Labels.AddRange(series.Labels.Select(l => new Label { Name = l.Key, Value = l.Value }));
            timeSeries.Samples.AddRange(series.Samples.Select(s => new Sample { Timestamp = s.TimeMs, Value = s.Value }));
            request.Timeseries.Add(timeSeries);
        }

        foreach (var (name, type, help) in GrafanaContractDataset.Families)
        {
            request.Metadata.Add(new MetricMetadata
            {
                MetricFamilyName = name,
                Help = help,
                Unit = string.Empty,
                Type = type switch
                {
                    "counter" => MetricMetadata.Types.MetricType.Counter,
                    "histogram" => MetricMetadata.Types.MetricType.Histogram,
                    _ => MetricMetadata.Types.MetricType.Gauge,
                },
            });
        }

        return request;
    }

    private static async Task RemoteWriteAsync(HttpClient client, WriteRequest request)
    {
        using var content = new ByteArrayContent(global::Vigil.Server.RemoteWrite.RemoteWriteCodec.Encode(request));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");
        content.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        using var response = await client.PostAsync("api/v1/write", content);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"remote-write to Vigil answered {(int)response.StatusCode}: {body}");
        }
    }

    private static int CountSeries(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array ? data.GetArrayLength() : -1;
    }

    private static async Task WaitForAsync(HttpClient client, string path, Func<string, bool> done, string what)
    {
        var deadline = Stopwatch.StartNew();
        var last = string.Empty;
        while (deadline.Elapsed < ReadyTimeout)
        {
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            last = $"{(int)response.StatusCode} {body}";
            if (response.IsSuccessStatusCode && done(body))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"waited {ReadyTimeout} for {what}; last answer to {path}: {last[..Math.Min(last.Length, 2000)]}");
    }

    // A loopback target that serves the families' HELP and TYPE for Prometheus to scrape; a port taken between
    // choosing and binding is retried.
    private int StartTarget(string exposition)
    {
        var body = Encoding.UTF8.GetBytes(exposition);
        for (var attempt = 1; ; attempt++)
        {
            var port = PrometheusProcess.FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
                continue;
            }

            _target = listener;
            _targetLoop = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    var context = await listener.GetContextAsync();
                    context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    context.Response.ContentLength64 = body.Length;
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
            return port;
        }
    }
}
