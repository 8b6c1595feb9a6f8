using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Vigil.Server.RemoteWrite;
using Vigil.Server.RemoteWrite.Protos;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Compatibility;

/// <summary>
/// One real Prometheus (Debian's 2.42) and one real <c>vigil serve</c> holding the same generated data
/// (<see cref="CompatibilityData"/>) for the whole compatibility suite. Prometheus gets it as TSDB blocks from
/// <c>promtool tsdb create-blocks-from openmetrics</c> before it starts; Vigil through its remote-write receiver.
/// Answers are cached per query, so every test can look at both.
/// </summary>
public sealed class CompatibilityFixture : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vigil-compat-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentDictionary<string, Task<RangeAnswer>> _prometheusAnswers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<RangeAnswer>> _vigilAnswers = new(StringComparer.Ordinal);
    private PrometheusProcess? _prometheus;
    private VigilServerProcess? _vigil;
    private HttpClient? _prometheusClient;
    private HttpClient? _vigilClient;

    /// <summary>The generated series.</summary>
    internal IReadOnlyList<GeneratedSeries> Series { get; } = CompatibilityData.Generate();

    /// <summary>The series with staleness markers, sent by remote write to both servers.</summary>
    internal IReadOnlyList<GeneratedSeries> StalenessSeries { get; } = CompatibilityData.GenerateStaleness();

    private static readonly long StalenessSpanMs = (long)TimeSpan.FromMinutes(50).TotalMilliseconds;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var openMetrics = Path.Combine(_folder, "data.om");
        await using (var writer = new StreamWriter(openMetrics))
        {
            CompatibilityData.WriteOpenMetrics(Series, writer);
        }

        var tsdb = Path.Combine(_folder, "prometheus");
        await PrometheusProcess.CreateBlocksFromOpenMetricsAsync(openMetrics, tsdb);
        _prometheus = await PrometheusProcess.StartAsync(dataDirectory: tsdb, enableRemoteWriteReceiver: true);
        _prometheusClient = _prometheus.CreateClient();
        await WaitForAllSamplesAsync(_prometheusClient, "prometheus", Series, CompatibilityData.StartMs + CompatibilityData.DurationMs);

        // Staleness markers cannot be written as OpenMetrics: they reach Prometheus's head by remote write.
        await RemoteWriteAsync(_prometheusClient, StalenessSeries, "prometheus");
        await WaitForAllSamplesAsync(_prometheusClient, "prometheus", StalenessSeries, CompatibilityData.StalenessStartMs + StalenessSpanMs);

        _vigil = await VigilServerProcess.StartAsync(
            Path.Combine(_folder, "vigil"),
            environment: new Dictionary<string, string>
            {
                // The data is from January 2026: keep it, and let intake take it.
                ["VIGIL__STORAGE__RETENTIONAGE"] = "3650d",
            });
        _vigilClient = _vigil.CreateClient();
        await RemoteWriteAsync(_vigilClient, Series, "vigil");
        await RemoteWriteAsync(_vigilClient, StalenessSeries, "vigil");
        await WaitForAllSamplesAsync(_vigilClient, "vigil", Series, CompatibilityData.StartMs + CompatibilityData.DurationMs);
        await WaitForAllSamplesAsync(_vigilClient, "vigil", StalenessSeries, CompatibilityData.StalenessStartMs + StalenessSpanMs);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        _prometheusClient?.Dispose();
        _vigilClient?.Dispose();
        if (_vigil is not null)
        {
            await _vigil.DisposeAsync();
        }

        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }

    /// <summary>Prometheus's answer to the query (cached).</summary>
    internal Task<RangeAnswer> PrometheusAsync(CompatibilityQuery query) =>
        _prometheusAnswers.GetOrAdd(query.ToString(), _ => RangeQueryAsync(_prometheusClient!, query));

    /// <summary>Vigil's answer to the query (cached).</summary>
    internal Task<RangeAnswer> VigilAsync(CompatibilityQuery query) =>
        _vigilAnswers.GetOrAdd(query.ToString(), _ => RangeQueryAsync(_vigilClient!, query));

    /// <summary>Prometheus's answer to the query as an instant query at <paramref name="timeMs"/>.</summary>
    internal Task<RangeAnswer> PrometheusInstantAsync(CompatibilityQuery query, long timeMs) => InstantQueryAsync(_prometheusClient!, query, timeMs);

    /// <summary>Vigil's answer to the query as an instant query at <paramref name="timeMs"/>.</summary>
    internal Task<RangeAnswer> VigilInstantAsync(CompatibilityQuery query, long timeMs) => InstantQueryAsync(_vigilClient!, query, timeMs);

    /// <summary>Process output of both servers, for failure messages.</summary>
    internal string ServerOutput =>
        $"--- prometheus output (tail)\n{Tail(_prometheus?.Output)}\n--- vigil output (tail)\n{Tail(_vigil?.Output)}";

    /// <summary>Sends the series through <c>POST /api/v1/write</c>, a few series per request.</summary>
    private async Task RemoteWriteAsync(HttpClient client, IReadOnlyList<GeneratedSeries> seriesList, string name)
    {
        foreach (var batch in seriesList.Chunk(8))
        {
            var request = new WriteRequest();
            foreach (var s in batch)
            {
                var series = new TimeSeries();
                series.Labels.AddRange(s.Labels.Select(l => new Label { Name = l.Key, Value = l.Value }));
                series.Samples.AddRange(s.Samples.Select(x => new Sample { Timestamp = x.TimestampMs, Value = x.Value }));
                request.Timeseries.Add(series);
            }

            using var content = new ByteArrayContent(RemoteWriteCodec.Encode(request));
            content.Headers.ContentType = new MediaTypeHeaderValue(RemoteWriteCodec.ContentType);
            content.Headers.ContentEncoding.Add(RemoteWriteCodec.ContentEncoding);
            content.Headers.Add(RemoteWriteCodec.VersionHeader, RemoteWriteCodec.Version);
            using var response = await client.PostAsync("api/v1/write", content);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"remote write to {name} refused ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}\n{ServerOutput}");
            }
        }
    }

    private static async Task<RangeAnswer> RangeQueryAsync(HttpClient client, CompatibilityQuery query)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = query.Query,
            ["start"] = Seconds(query.StartMs),
            ["end"] = Seconds(query.EndMs),
            ["step"] = Seconds(query.StepMs),
        });
        using var response = await client.PostAsync("api/v1/query_range", form);
        return RangeAnswer.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<RangeAnswer> InstantQueryAsync(HttpClient client, CompatibilityQuery query, long timeMs)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = query.Query,
            ["time"] = Seconds(timeMs),
        });
        using var response = await client.PostAsync("api/v1/query", form);
        return RangeAnswer.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Seconds(long ms) => (ms / 1000.0).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Polls until the server counts every sample of <paramref name="seriesList"/> (staleness markers are not samples),
    /// so no test runs against half-loaded data.
    /// </summary>
    private async Task WaitForAllSamplesAsync(HttpClient client, string name, IReadOnlyList<GeneratedSeries> seriesList, long endMs)
    {
        var expected = seriesList.Sum(s => s.Samples.Count(x => BitConverter.DoubleToUInt64Bits(x.Value) != 0x7ff0000000000002)).ToString(CultureInfo.InvariantCulture);
        var at = Seconds(endMs + 60_000);

        // count_over_time drops the name, so one sum per metric name keeps the label sets apart.
        var query = Uri.EscapeDataString(string.Join(" + ", seriesList.Select(s => s.Name).Distinct().Select(n => $"sum(count_over_time({n}[5h]))")));
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        var last = "no answer";
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            using var response = await client.GetAsync($"api/v1/query?query={query}&time={at}");
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var doc = JsonDocument.Parse(last);
                var result = doc.RootElement.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() == expected)
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{name} did not hold all {expected} samples within 60s; last answer: {last}\n{ServerOutput}");
    }

    private static string Tail(string? output) => output is null ? "(not started)" : output.Length <= 4000 ? output : output[^4000..];
}
