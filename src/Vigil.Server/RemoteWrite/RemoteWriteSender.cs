using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Hosting;
using Vigil.Core.Telemetry;
using Vigil.Storage.RemoteWrite;
using Proto = Vigil.Server.RemoteWrite.Protos;

namespace Vigil.Server.RemoteWrite;

/// <summary>What the sender needs to know: where to send, with which credentials, and how to retry.</summary>
internal sealed record RemoteWriteSenderSettings(
    Uri Endpoint,
    AuthenticationHeaderValue? Authorization,
    TimeSpan Timeout,
    int MaxSamplesPerSend,
    TimeSpan MinBackoff,
    TimeSpan MaxBackoff);

/// <summary>
/// Sends the persisted queue to the external server's remote-write endpoint, one request at a time and in queue order
/// (so each series' samples arrive in time order, as Prometheus requires): batches of at most
/// <see cref="RemoteWriteSenderSettings.MaxSamplesPerSend"/> samples as a snappy-compressed prompb WriteRequest.
/// A 2xx moves the queue's cursor past the batch. 5xx, 429 and network failures are retried with exponential backoff
/// (a <c>Retry-After</c> is honoured, up to 5 minutes) until they succeed: the batch stays in the queue, on disk, across
/// restarts. Any other 4xx means the server will never take the batch: it is dropped, counted and the reason logged.
/// Failures are logged at most once a minute, with what happened since.
/// </summary>
internal sealed partial class RemoteWriteSender : BackgroundService
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);
    private readonly RemoteWriteQueue _queue;
    private readonly RemoteWriteSenderSettings _settings;
    private readonly RemoteWriteMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RemoteWriteSender> _logger;
    private readonly HttpClient _http;
    private readonly string _endpoint;
    private DateTimeOffset _lastFailureLog = DateTimeOffset.MinValue;
    private int _failuresSinceLog;
    private DateTimeOffset _lastDropLog = DateTimeOffset.MinValue;
    private long _droppedLogged;

    public RemoteWriteSender(
        RemoteWriteQueue queue,
        RemoteWriteSenderSettings settings,
        RemoteWriteMetrics metrics,
        TimeProvider time,
        ILogger<RemoteWriteSender> logger,
        HttpMessageHandler? handler = null)
    {
        _queue = queue;
        _settings = settings;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _endpoint = settings.Endpoint.GetLeftPart(UriPartial.Path);
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = settings.Timeout,
        };
        _http.DefaultRequestHeaders.Authorization = settings.Authorization;
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("vigil");
    }

    /// <summary>Builds the WriteRequest of a batch: labels sorted by name (as LabelSet keeps them), samples by time.</summary>
    internal static Proto.WriteRequest ToWriteRequest(QueueBatch batch)
    {
        var request = new Proto.WriteRequest();
        foreach (var series in batch.Series)
        {
            var timeSeries = new Proto.TimeSeries();
            foreach (var label in series.Labels.Labels)
            {
                timeSeries.Labels.Add(new Proto.Label { Name = label.Name, Value = label.Value });
            }

            foreach (var sample in series.Samples)
            {
                timeSeries.Samples.Add(new Proto.Sample { Timestamp = sample.TimestampMs, Value = sample.Value });
            }

            request.Timeseries.Add(timeSeries);
        }

        return request;
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            LogStarted(_logger, _endpoint, _queue.Directory, _queue.PendingBytes);
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ReportDrops();
                QueueBatch? batch;
                try
                {
                    batch = _queue.ReadBatch(_settings.MaxSamplesPerSend);
                    if (batch is not null)
                    {
                        await DeliverAsync(batch, stoppingToken).ConfigureAwait(false);
                        continue;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A disk problem must not stop the host (an exception escaping a BackgroundService does): wait and try again.
                    LogQueueFailed(_logger, _queue.Directory, ex.Message, _settings.MaxBackoff);
                    await Task.Delay(_settings.MaxBackoff, _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await _queue.WaitForDataAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whatever was not acknowledged stays in the queue for the next start.
        }
    }

    /// <summary>Sends one batch until the server takes it or refuses it for good; commits the queue either way.</summary>
    internal async Task DeliverAsync(QueueBatch batch, CancellationToken cancellationToken)
    {
        var body = RemoteWriteCodec.Encode(ToWriteRequest(batch));
        var backoff = _settings.MinBackoff;
        while (true)
        {
            var (outcome, retryAfter, reason) = await SendOnceAsync(body, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case Outcome.Delivered:
                    _queue.Commit(batch.End);
                    _metrics.Sent(batch.SampleCount);
                    if (_failuresSinceLog > 0)
                    {
                        LogRecovered(_logger, _endpoint, _failuresSinceLog);
                        _failuresSinceLog = 0;
                        _lastFailureLog = DateTimeOffset.MinValue;
                    }

                    return;
                case Outcome.Rejected:
                    _queue.Commit(batch.End);
                    _metrics.Rejected(batch.SampleCount);
                    LogRejected(_logger, batch.SampleCount, _endpoint, reason);
                    return;
                default:
                    _metrics.Retried();
                    _failuresSinceLog++;
                    var delay = retryAfter is { } after ? (after > MaxRetryAfter ? MaxRetryAfter : after) : backoff;
                    var now = _time.GetUtcNow();
                    if (now - _lastFailureLog >= LogInterval)
                    {
                        LogRetrying(_logger, _endpoint, reason, _failuresSinceLog, _queue.PendingBytes, delay);
                        _lastFailureLog = now;
                    }

                    ReportDrops();
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.MaxBackoff.Ticks));
                    break;
            }
        }
    }

    private async Task<(Outcome Outcome, TimeSpan? RetryAfter, string Reason)> SendOnceAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _settings.Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(RemoteWriteCodec.ContentType);
        request.Content.Headers.ContentEncoding.Add(RemoteWriteCodec.ContentEncoding);
        request.Headers.Add(RemoteWriteCodec.VersionHeader, RemoteWriteCodec.Version);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (Outcome.Delivered, null, string.Empty);
            }

            var reason = $"HTTP {status}: {await ReadReasonAsync(response, cancellationToken).ConfigureAwait(false)}";
            if (status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return (Outcome.Retry, RetryAfter(response), reason);
            }

            return (Outcome.Rejected, null, reason);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (Outcome.Retry, null, $"no answer within {_settings.Timeout}");
        }
        catch (HttpRequestException ex)
        {
            return (Outcome.Retry, null, ex.HttpRequestError == HttpRequestError.ConnectionError ? "connection failed: " + ex.Message : ex.Message);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    // The first 512 bytes of the answer, one line: enough for Prometheus's "out of order sample" and the like.
    private static async Task<string> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[512];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, total).ReplaceLineEndings(" ").Trim();
            return text.Length == 0 ? response.ReasonPhrase ?? string.Empty : text;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return response.ReasonPhrase ?? string.Empty;
        }
    }

    private void ReportDrops()
    {
        var dropped = _queue.DroppedSamples + _queue.RefusedSamples;
        var now = _time.GetUtcNow();
        if (dropped > _droppedLogged && now - _lastDropLog >= LogInterval)
        {
            LogDropped(_logger, dropped - _droppedLogged, _queue.Directory, _queue.MaxBytes);
            _droppedLogged = dropped;
            _lastDropLog = now;
        }
    }

    private enum Outcome
    {
        Delivered,
        Rejected,
        Retry,
    }

    [LoggerMessage(EventId = 3330, Level = LogLevel.Information, Message = "Remote-writing derived series to {Endpoint}; queue {Directory} holds {PendingBytes} bytes to send")]
    private static partial void LogStarted(ILogger logger, string endpoint, string directory, long pendingBytes);

    [LoggerMessage(EventId = 3331, Level = LogLevel.Warning, Message = "Remote-write to {Endpoint} failing ({Reason}); {Failures} failed attempts so far, {PendingBytes} bytes waiting in the queue; retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string endpoint, string reason, int failures, long pendingBytes, TimeSpan delay);

    [LoggerMessage(EventId = 3332, Level = LogLevel.Information, Message = "Remote-write to {Endpoint} recovered after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, string endpoint, int failures);

    [LoggerMessage(EventId = 3333, Level = LogLevel.Error, Message = "Remote-write: {Samples} samples dropped because {Endpoint} refused them for good: {Reason}")]
    private static partial void LogRejected(ILogger logger, int samples, string endpoint, string reason);

    [LoggerMessage(EventId = 3335, Level = LogLevel.Error, Message = "Remote-write queue {Directory} cannot be read or committed: {Reason}; trying again in {Delay}")]
    private static partial void LogQueueFailed(ILogger logger, string directory, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 3334, Level = LogLevel.Warning, Message = "Remote-write queue {Directory} is full ({MaxBytes} bytes): {Samples} unsent samples dropped (oldest first) since the last report")]
    private static partial void LogDropped(ILogger logger, long samples, string directory, long maxBytes);
}
