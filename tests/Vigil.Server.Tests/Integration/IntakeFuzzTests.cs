using System.Net;
using System.Text;
using Google.Protobuf;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using Vigil.Server.Otlp.Protos.Metrics;

namespace Vigil.Server.Tests.Integration;

/// <summary>
/// Sends 10,000 randomly mutated valid payloads (fixed seed, printed on failure) to each intake endpoint; every
/// answer must be a non-5xx (gRPC: not INTERNAL/UNKNOWN), the server must not crash, and it must still serve queries.
/// </summary>
public sealed class IntakeFuzzTests
{
    private const int PayloadsPerEndpoint = 10_000;
    private const int Workers = 8;
    private const int Seed = 20261123;

    public static TheoryData<string> Endpoints => new()
    {
        "http:/v1/metrics", "http:/v1/logs", "http:/v1/traces",
        "grpc:opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        "grpc:opentelemetry.proto.collector.logs.v1.LogsService/Export",
        "grpc:opentelemetry.proto.collector.trace.v1.TraceService/Export",
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MutatedPayloads_NeverAnswer5xxOrCrash(string endpoint)
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        var (transport, path) = (endpoint[..endpoint.IndexOf(':', StringComparison.Ordinal)], endpoint[(endpoint.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        var signal = path.Contains("metrics", StringComparison.Ordinal) ? "metrics" : path.Contains("logs", StringComparison.Ordinal) ? "logs" : "traces";
        var seeds = Valid(signal);
        var failures = new List<string>();
        using var http = vigil.CreateClient();
        using var grpc = new HttpClient
        {
            BaseAddress = vigil.OtlpGrpcAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        await Parallel.ForEachAsync(Enumerable.Range(0, Workers), async (worker, ct) =>
        {
            var random = new Random(Seed + worker);
            for (var i = worker; i < PayloadsPerEndpoint; i += Workers)
            {
                var json = transport == "http" && i % 3 == 0;
                var seed = seeds[random.Next(seeds.Count)];
                var original = json ? Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(seed)) : seed.ToByteArray();
                var mutated = Mutate(original, random);
                string? failure;
                try
                {
                    failure = transport == "http"
                        ? await SendHttpAsync(http, path, mutated, json)
                        : await SendGrpcAsync(grpc, path, mutated);
                }
                catch (HttpRequestException ex)
                {
                    failure = "connection failed: " + ex.Message;
                }

                if (failure is not null)
                {
                    lock (failures)
                    {
                        failures.Add($"payload {i} (seed {Seed}+{worker}): {failure}");
                    }
                }
            }
        });

        Assert.True(failures.Count == 0, $"{failures.Count} bad answers, first: {string.Join("\n", failures.Take(5))}\nserver output:\n{Tail(vigil.Output)}");
        Assert.True(vigil.IsRunning, "the server died");
        var health = await http.GetAsync("/api/v1/telemetry/series?match[]=" + Uri.EscapeDataString("{service_name=\"fuzz\"}"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static async Task<string?> SendHttpAsync(HttpClient client, string path, byte[] body, bool json)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(json ? "application/json" : "application/x-protobuf");
        using var response = await client.PostAsync(path, content);
        return (int)response.StatusCode >= 500 ? $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}" : null;
    }

    private static async Task<string?> SendGrpcAsync(HttpClient client, string path, byte[] body)
    {
        var framed = new byte[body.Length + 5];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), body.Length);
        body.CopyTo(framed, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/" + path) { Content = new ByteArrayContent(framed), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        if ((int)response.StatusCode >= 500)
        {
            return $"HTTP {(int)response.StatusCode}";
        }

        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.First()
            : response.Headers.TryGetValues("grpc-status", out var headerValues) ? headerValues.First() : "missing";
        return status is "0" or "3" or "8" ? null : $"grpc-status {status}";
    }

    /// <summary>One to four random edits: bit flips, byte overwrites, insertions, deletions, truncation, duplication.</summary>
    internal static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        var edits = 1 + random.Next(4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    var length = Math.Min(bytes.Count - at, 1 + random.Next(32));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
            }
        }

        return [.. bytes];
    }

    private static List<IMessage> Valid(string signal)
    {
        var now = TimeProvider.System.GetUtcNow();
        var ns = OtlpPayloads.UnixNano(now);
        switch (signal)
        {
            case "metrics":
                var gauges = OtlpPayloads.Gauges("fuzz", now, ("fuzz_gauge", "a", 1), ("fuzz_gauge", "b", 2));
                var rich = OtlpPayloads.Gauges("fuzz", now, ("fuzz_other", "c", 3));
                var metrics = rich.ResourceMetrics[0].ScopeMetrics[0].Metrics;
                metrics.Add(new Metric { Name = "fuzz.sum", Unit = "s", Sum = new Sum { IsMonotonic = true, AggregationTemporality = AggregationTemporality.Delta, DataPoints = { new NumberDataPoint { StartTimeUnixNano = ns - 1_000_000_000, TimeUnixNano = ns, AsInt = 5 } } } });
                metrics.Add(new Metric { Name = "fuzz.hist", Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative, DataPoints = { new HistogramDataPoint { TimeUnixNano = ns, Count = 3, Sum = 1.5, ExplicitBounds = { 0.1, 1 }, BucketCounts = { 1, 1, 1 } } } } });
                metrics.Add(new Metric { Name = "fuzz.exp", ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Cumulative, DataPoints = { new ExponentialHistogramDataPoint { TimeUnixNano = ns, Count = 4, Sum = 10, Scale = 2, ZeroCount = 1, Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = 3, BucketCounts = { 1, 2 } } } } } });
                metrics.Add(new Metric { Name = "fuzz.summary", Summary = new Summary { DataPoints = { new SummaryDataPoint { TimeUnixNano = ns, Count = 2, Sum = 1, QuantileValues = { new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.5, Value = 0.4 } } } } } });
                return [gauges, rich];
            case "logs":
                ExportLogsServiceRequest logs = OtlpPayloads.Logs("fuzz", now, "hello", "world");
                logs.ResourceLogs[0].ScopeLogs[0].LogRecords[0].TraceId = ByteString.CopyFrom(OtlpPayloads.TraceId(7));
                return [logs];
            default:
                ExportTraceServiceRequest spans = OtlpPayloads.Spans("fuzz", now, (OtlpPayloads.TraceId(1), "a"), (OtlpPayloads.TraceId(2), "b"));
                spans.ResourceSpans[0].ScopeSpans[0].Spans[0].Events.Add(new Vigil.Server.Otlp.Protos.Trace.Span.Types.Event { Name = "e", TimeUnixNano = ns });
                return [spans];
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
