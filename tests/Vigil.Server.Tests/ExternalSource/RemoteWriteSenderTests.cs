using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Telemetry;
using Vigil.Server.RemoteWrite;
using Vigil.Storage.RemoteWrite;

namespace Vigil.Server.Tests.ExternalSource;

/// <summary>
/// The sender's retry and drop policy, over answers a real Prometheus rarely gives on demand (429 with Retry-After,
/// 5xx). The happy path and outages against a real Prometheus are in <see cref="ExternalPrometheusSourceTests"/>.
/// </summary>
public sealed class RemoteWriteSenderTests : IDisposable
{
    private static readonly LabelSet Calls = LabelSet.From(("__name__", "traces_span_metrics_calls_total"), ("service_name", "checkout"));
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-sender-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly RemoteWriteQueue _queue;

    public RemoteWriteSenderTests() => _queue = RemoteWriteQueue.Open(_directory, 1024 * 1024);

    public void Dispose()
    {
        _queue.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task DeliverAsync_SendsASnappyWriteRequestWithTheRemoteWriteHeaders_AndCommits()
    {
        var handler = new ScriptedHandler(_time, HttpStatusCode.NoContent);
        var (sender, metrics) = Sender(handler);
        _queue.Append([new(Calls, 2000, 2), new(Calls, 1000, 1)]);

        await RunAsync(sender.DeliverAsync(_queue.ReadBatch(100)!, CancellationToken.None));

        var request = Assert.Single(handler.Requests);
        Assert.Equal("snappy", request.ContentEncoding);
        Assert.Equal("application/x-protobuf", request.ContentType);
        Assert.Equal("0.1.0", request.Version);
        var decoded = RemoteWriteCodec.Decode(request.Body, 1 << 20);
        var series = Assert.Single(decoded.Timeseries);
        Assert.Equal(["__name__=traces_span_metrics_calls_total", "service_name=checkout"], series.Labels.Select(l => l.Name + "=" + l.Value));
        Assert.Equal([(1000L, 1.0), (2000L, 2.0)], series.Samples.Select(s => (s.Timestamp, s.Value)));
        Assert.Null(_queue.ReadBatch(100));
        Assert.Equal(2, metrics.SentSamples);
    }

    [Fact]
    public async Task DeliverAsync_On5xxAnd429_RetriesWithBackoffAndHonoursRetryAfter()
    {
        var handler = new ScriptedHandler(_time, HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests, HttpStatusCode.OK)
        {
            RetryAfter = TimeSpan.FromSeconds(7),
        };
        var (sender, metrics) = Sender(handler);
        _queue.Append([new(Calls, 1000, 1)]);

        await RunAsync(sender.DeliverAsync(_queue.ReadBatch(100)!, CancellationToken.None));

        // The first backoff (100ms) after the 503; the 7s the 429 asked for (not the 200ms backoff) after that. Simulated
        // time moves in 20ms steps while the sender runs, so a retry may be seen a step or two late.
        Assert.Equal(3, handler.Requests.Count);
        var afterServerError = handler.Requests[1].At - handler.Requests[0].At;
        var afterTooMany = handler.Requests[2].At - handler.Requests[1].At;
        Assert.InRange(afterServerError, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        Assert.InRange(afterTooMany, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7.2));
        Assert.Equal(1, metrics.SentSamples);
        Assert.Null(_queue.ReadBatch(100));
    }

    [Fact]
    public async Task DeliverAsync_On4xx_DropsTheBatchAndCountsIt()
    {
        var handler = new ScriptedHandler(_time, HttpStatusCode.BadRequest) { Body = "out of order sample" };
        var (sender, metrics) = Sender(handler);
        _queue.Append([new(Calls, 1000, 1), new(Calls, 2000, 2)]);

        await RunAsync(sender.DeliverAsync(_queue.ReadBatch(100)!, CancellationToken.None));

        Assert.Single(handler.Requests);
        Assert.Equal(2, metrics.RejectedSamples);
        Assert.Equal(0, metrics.SentSamples);
        Assert.Null(_queue.ReadBatch(100));
    }

    [Fact]
    public async Task DeliverAsync_WhileFailing_KeepsTheBatchInTheQueue()
    {
        var handler = new ScriptedHandler(_time, HttpStatusCode.BadGateway);
        var (sender, _) = Sender(handler);
        _queue.Append([new(Calls, 1000, 1)]);
        using var stop = new CancellationTokenSource();

        var delivering = sender.DeliverAsync(_queue.ReadBatch(100)!, stop.Token);
        for (var i = 0; i < 100 && handler.Requests.Count < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delivering);
        Assert.True(handler.Requests.Count >= 5, $"only {handler.Requests.Count} attempts");
        Assert.Equal(1, _queue.ReadBatch(100)!.SampleCount);
    }

    [Fact]
    public async Task WhileTheQueueOverflowsAndSendsFail_DropsAreCountedInMetricsAndLoggedOncePerMinute()
    {
        const int Seed = 77;
        var random = new Random(Seed);
        using var queue = RemoteWriteQueue.Open(Path.Combine(_directory, "small"), 128 * 1024);
        queue.Append([new(Calls, 1, 1)]);
        var batch = queue.ReadBatch(100)!;
        for (var r = 0; r < 6; r++)
        {
            // About 30 KB each (random values do not compress): six of them overflow the 128 KiB bound.
            queue.Append([.. Enumerable.Range(0, 3000).Select(i => new SeriesSample(Calls, 10 + (r * 3000) + i, random.NextDouble()))]);
        }

        var logger = new ListLogger();
        var failures = Enumerable.Repeat(HttpStatusCode.InternalServerError, 10).Append(HttpStatusCode.OK).ToArray();
        var handler = new ScriptedHandler(_time, failures);
        var metrics = new RemoteWriteMetrics(queue);
        var sender = new RemoteWriteSender(queue, Settings(), metrics, _time, logger, handler);

        // Ten failures back off for 26.3s of simulated time in all: within one minute, so one warning of each kind.
        await RunAsync(sender.DeliverAsync(batch, CancellationToken.None), TimeSpan.FromMilliseconds(100));

        Assert.True(queue.DroppedSamples > 0, $"seed {Seed}: nothing dropped");
        Assert.Equal(1, logger.Count(3331));
        Assert.Equal(1, logger.Count(3334));
        var text = new System.Text.StringBuilder();
        metrics.WriteTo(text);
        Assert.Contains($"vigil_remote_write_samples_total{{outcome=\"dropped_queue_full\"}} {queue.DroppedSamples}\n", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("vigil_remote_write_requests_total{outcome=\"retried\"} 10\n", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("vigil_remote_write_queue_max_bytes 131072\n", text.ToString(), StringComparison.Ordinal);
    }

    private static RemoteWriteSenderSettings Settings() =>
        new(new Uri("http://prometheus.test:9090/api/v1/write"), null, TimeSpan.FromSeconds(30), 100, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    private (RemoteWriteSender Sender, RemoteWriteMetrics Metrics) Sender(HttpMessageHandler handler)
    {
        var metrics = new RemoteWriteMetrics(_queue);
        return (new RemoteWriteSender(_queue, Settings(), metrics, _time, NullLogger<RemoteWriteSender>.Instance, handler), metrics);
    }

    // Moves simulated time on until the task ends; bounded, so a bug cannot hang the run.
    private async Task RunAsync(Task task, TimeSpan? step = null)
    {
        for (var i = 0; i < 10_000 && !task.IsCompleted; i++)
        {
            await Task.Delay(1);
            if (!task.IsCompleted)
            {
                _time.Advance(step ?? TimeSpan.FromMilliseconds(20));
            }
        }

        await task;
    }

    /// <summary>Keeps the event ids of what was logged.</summary>
    private sealed class ListLogger : ILogger<RemoteWriteSender>
    {
        private readonly List<int> _events = [];

        public int Count(int eventId)
        {
            lock (_events)
            {
                return _events.Count(e => e == eventId);
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_events)
            {
                _events.Add(eventId.Id);
            }
        }
    }

    private sealed record Recorded(DateTimeOffset At, string? ContentEncoding, string? ContentType, string? Version, byte[] Body);

    /// <summary>Answers with the scripted statuses in turn (the last one repeats) and records each request and its simulated time.</summary>
    private sealed class ScriptedHandler(TimeProvider time, params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        public List<Recorded> Requests { get; } = [];

        public TimeSpan? RetryAfter { get; init; }

        public string Body { get; init; } = string.Empty;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            lock (Requests)
            {
                Requests.Add(new Recorded(
                    time.GetUtcNow(),
                    request.Content.Headers.ContentEncoding.SingleOrDefault(),
                    request.Content.Headers.ContentType?.MediaType,
                    request.Headers.TryGetValues("X-Prometheus-Remote-Write-Version", out var v) ? v.Single() : null,
                    body));
            }

            var status = statuses[Math.Min(Requests.Count - 1, statuses.Length - 1)];
            var response = new HttpResponseMessage(status) { Content = new StringContent(Body) };
            if (RetryAfter is { } after && status == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(after);
            }

            return response;
        }
    }
}
