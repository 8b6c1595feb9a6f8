using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Vigil.Core.Releases;
using Vigil.Core.Verification;

namespace Vigil.Server.Verification;

/// <summary>
/// Calls the configured webhooks on a verdict. Each delivery is a JSON POST signed with HMAC-SHA256 over
/// <c>timestamp + "." + body</c> (<c>X-Vigil-Timestamp</c>, <c>X-Vigil-Signature: sha256=HEX</c>) and carries
/// <c>Idempotency-Key: RUNID:VERDICT</c>, the same on every attempt. Network errors, timeouts, 5xx and 429 are retried
/// with exponential backoff and jitter up to <see cref="VerificationOptions.WebhookMaxAttempts"/>; other answers end
/// the delivery. The outcome (delivered, or given up with the last error) is recorded on the release's timeline under
/// the webhook's name; URLs and secrets are never logged or recorded (a URL may hold a token).
/// </summary>
/// <remarks>
/// Deliveries survive a restart: each queued delivery is first recorded on the timeline
/// (<see cref="ReleaseEventKinds.WebhookQueued"/>, with its body), and at start the dispatcher resumes every delivery
/// queued within <see cref="ResumeWindow"/> that has no outcome yet, for a webhook still configured and still wanting
/// that verdict. The receiver sees the same body and idempotency key, so a delivery that did arrive before the restart
/// but was not yet recorded is recognised as a repeat.
/// </remarks>
internal sealed partial class WebhookDispatcher : BackgroundService
{
    /// <summary>The most deliveries in flight at once; the rest wait in the queue.</summary>
    public const int MaxConcurrentDeliveries = 8;

    /// <summary>How old a queued delivery may be and still be resumed after a restart.</summary>
    public static readonly TimeSpan ResumeWindow = TimeSpan.FromHours(1);

    // Where a restart looks for deliveries to resume: the newest releases, and the timeline events of each.
    private const int ResumeReleases = 200;
    private const int ResumeEvents = 5000;

    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly VerificationOptions _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDispatcher> _log;
    private readonly HttpClient _http;
    private readonly Channel<Delivery> _queue;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentDeliveries, MaxConcurrentDeliveries);
    private readonly DateTimeOffset _startedAt;

    public WebhookDispatcher(VerificationOptions options, IServiceProvider services, TimeProvider time, ILogger<WebhookDispatcher> log)
    {
        _options = options;
        _services = services;
        _time = time;
        _log = log;
        _startedAt = time.GetUtcNow();
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own timeout on the host's clock
        };
        _queue = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(options.WebhookQueueSize) { FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Queues the deliveries of a verdict to every webhook that wants it; never blocks (a full queue gives up, recorded).</summary>
    public void Enqueue(Release release, VerificationRun run, Verdict verdict, bool overridden)
    {
        var name = verdict.ToString().ToLowerInvariant();
        var wanted = _options.Webhooks.Items.Where(w => w.Wants(name)).ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(Payload(release, run, verdict, overridden), BodyJson);
        foreach (var webhook in wanted)
        {
            var delivery = new Delivery(webhook, release.Id, $"{run.Id}:{name}", verdict, body);
            if (!_queue.Writer.TryWrite(delivery))
            {
                LogQueueFull(_log, webhook.Name, release.Id);
                _ = RecordAsync(delivery, delivered: false, attempts: 0, status: null, error: "the webhook queue is full", CancellationToken.None);
            }
            else
            {
                _ = RecordQueuedAsync(delivery);
            }
        }
    }

    /// <summary>The signature header value of <paramref name="body"/> at <paramref name="timestamp"/>: <c>sha256=</c> and the lowercase hex HMAC.</summary>
    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    public override void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inFlight = new List<Task>();
        try
        {
            await ResumeAsync(stoppingToken);
            await foreach (var delivery in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await _slots.WaitAsync(stoppingToken);
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(RunDeliveryAsync(delivery, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: deliveries not yet made are resumed by the next start (their queued events are on the timelines).
        }

        await Task.WhenAll(inFlight);
    }

    private static object Payload(Release release, VerificationRun run, Verdict verdict, bool overridden)
    {
        var latest = run.Latest;
        return new
        {
            @event = "verification.verdict",
            release = new { id = release.Id, service = release.Service, version = release.Version, environment = release.Environment, commit = release.Commit },
            runId = run.Id,
            plan = run.PlanName,
            baselineVersion = run.BaselineVersion,
            verdict = verdict.ToString(),
            overridden,
            reason = overridden ? run.OverrideReason : null,
            score = latest?.Score,
            look = latest?.Look,
            plannedLooks = latest?.PlannedLooks,
            summary = latest?.Summary,
            failingMetrics = (latest?.Metrics ?? [])
                .Where(m => m.Classification is MetricClassification.High or MetricClassification.Low)
                .Select(m => new { name = m.Name, classification = m.Classification.ToString(), critical = m.Critical, sentence = m.Sentence }),
        };
    }

    private async Task RunDeliveryAsync(Delivery delivery, CancellationToken stoppingToken)
    {
        try
        {
            await DeliverAsync(delivery, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception e)
        {
            LogDeliveryCrashed(_log, delivery.Webhook.Name, e);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task DeliverAsync(Delivery delivery, CancellationToken stoppingToken)
    {
        string? error = null;
        int? status = null;
        var attempts = 0;
        var backoff = _options.WebhookInitialBackoff;
        while (attempts < _options.WebhookMaxAttempts)
        {
            attempts++;
            TimeSpan? retryAfter = null;
            bool retry;
            try
            {
                using var timeout = new CancellationTokenSource(_options.WebhookTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
                using var request = Request(delivery);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    await RecordAsync(delivery, delivered: true, attempts, status, null, stoppingToken);
                    return;
                }

                error = $"HTTP {status}";
                retry = status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests;
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException e)
            {
                (status, error, retry) = (null, e.HttpRequestError == HttpRequestError.Unknown ? "network error" : $"network error ({e.HttpRequestError})", true);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                (status, error, retry) = (null, $"no answer within {Vigil.Core.Time.DurationParser.Format(_options.WebhookTimeout)}", true);
            }

            if (!retry || attempts >= _options.WebhookMaxAttempts)
            {
                break;
            }

            var delay = retryAfter is { } asked && asked > backoff ? asked : Jitter(backoff);
            if (delay > _options.WebhookMaxBackoff)
            {
                delay = _options.WebhookMaxBackoff;
            }

            LogRetrying(_log, delivery.Webhook.Name, attempts, error ?? "error", delay);
            await Task.Delay(delay, _time, stoppingToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.WebhookMaxBackoff.Ticks));
        }

        await RecordAsync(delivery, delivered: false, attempts, status, error, stoppingToken);
    }

    private HttpRequestMessage Request(Delivery delivery)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, delivery.Webhook.Url)
        {
            Content = new ByteArrayContent(delivery.Body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Vigil-Event", "verification.verdict");
        request.Headers.Add("X-Vigil-Timestamp", timestamp);
        request.Headers.Add("X-Vigil-Signature", Sign(delivery.Webhook.ResolvedSecret, timestamp, delivery.Body));
        request.Headers.Add("Idempotency-Key", delivery.IdempotencyKey);
        request.Headers.UserAgent.ParseAdd("vigil-webhook/1");
        return request;
    }

    private static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromTicks((long)(delay.Ticks * (0.8 + (0.4 * Random.Shared.NextDouble()))));

    private async Task RecordAsync(Delivery delivery, bool delivered, int attempts, int? status, string? error, CancellationToken cancellationToken)
    {
        var name = delivery.Webhook.Name;
        var message = delivered
            ? $"Webhook {name} delivered ({delivery.Verdict}, attempt {attempts}, HTTP {status})"
            : $"Webhook {name} gave up after {attempts} attempt(s) ({delivery.Verdict}): {error}";
        var data = JsonSerializer.Serialize(new
        {
            webhook = name,
            verdict = delivery.Verdict.ToString(),
            idempotencyKey = delivery.IdempotencyKey,
            outcome = delivered ? "delivered" : "gave_up",
            attempts,
            status,
            error,
        }, BodyJson);
        await AppendEventAsync(delivery, ReleaseEventKinds.Webhook, message, data, cancellationToken);
        if (delivered)
        {
            LogDelivered(_log, name, delivery.ReleaseId, attempts);
        }
        else
        {
            LogGaveUp(_log, name, delivery.ReleaseId, attempts, error ?? "error");
        }
    }

    // Records the delivery as queued, with its body, so that a restart can resume it.
    private async Task RecordQueuedAsync(Delivery delivery)
    {
        var data = JsonSerializer.Serialize(new
        {
            webhook = delivery.Webhook.Name,
            verdict = delivery.Verdict.ToString(),
            idempotencyKey = delivery.IdempotencyKey,
            outcome = "queued",
            body = Encoding.UTF8.GetString(delivery.Body),
        }, BodyJson);
        await AppendEventAsync(delivery, ReleaseEventKinds.WebhookQueued, $"Webhook {delivery.Webhook.Name} queued ({delivery.Verdict})", data, CancellationToken.None);
    }

    // Writes a delivery's event on its release's timeline; a failure to write is logged, never thrown.
    private async Task AppendEventAsync(Delivery delivery, string kind, string message, string data, CancellationToken cancellationToken)
    {
        try
        {
            var releases = _services.GetRequiredService<IReleaseStore>();
            await releases.AppendEventAsync(delivery.ReleaseId, _time.GetUtcNow(), kind, message, null, data, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRecordFailed(_log, delivery.Webhook.Name, e);
        }
    }

    // Queues again every delivery a previous run queued within ResumeWindow and never ended (delivered or given up).
    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        if (_options.Webhooks.Items.Count == 0)
        {
            return;
        }

        var resumed = 0;
        try
        {
            var releases = _services.GetRequiredService<IReleaseStore>();
            var since = _time.GetUtcNow() - ResumeWindow;
            foreach (var release in await releases.ListAsync(new ReleaseQuery(Limit: ResumeReleases), cancellationToken))
            {
                var events = await releases.EventsAsync(release.Id, ResumeEvents, cancellationToken);
                var ended = events.Where(e => e.Kind == ReleaseEventKinds.Webhook).Select(Parse).Where(d => d is not null)
                    .Select(d => (d!.Value.Webhook, d.Value.IdempotencyKey)).ToHashSet();
                foreach (var queued in events.Where(e => e.Kind == ReleaseEventKinds.WebhookQueued && e.At >= since && e.At < _startedAt))
                {
                    if (Parse(queued) is not { Body: { } body } saved || ended.Contains((saved.Webhook, saved.IdempotencyKey))
                        || !Enum.TryParse<Verdict>(saved.Verdict, ignoreCase: false, out var verdict))
                    {
                        continue;
                    }

                    var webhook = _options.Webhooks.Items.FirstOrDefault(w => w.Name == saved.Webhook);
                    if (webhook is null || !webhook.Wants(verdict.ToString().ToLowerInvariant()))
                    {
                        LogNotResumed(_log, saved.Webhook, release.Id);
                        continue;
                    }

                    if (_queue.Writer.TryWrite(new Delivery(webhook, release.Id, saved.IdempotencyKey, verdict, Encoding.UTF8.GetBytes(body))))
                    {
                        ended.Add((saved.Webhook, saved.IdempotencyKey));
                        resumed++;
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogResumeFailed(_log, e);
        }

        if (resumed > 0)
        {
            LogResumed(_log, resumed);
        }
    }

    // The webhook, idempotency key, verdict and body of a webhook timeline event; null when its data does not read.
    private static (string Webhook, string IdempotencyKey, string? Verdict, string? Body)? Parse(ReleaseEvent e)
    {
        try
        {
            return e.DataJson is not null && JsonSerializer.Deserialize<SavedDelivery>(e.DataJson, BodyJson) is { Webhook: { } webhook, IdempotencyKey: { } key } saved
                ? (webhook, key, saved.Verdict, saved.Body)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Delivery(WebhookOptions Webhook, string ReleaseId, string IdempotencyKey, Verdict Verdict, byte[] Body);

    // What a webhook timeline event's data holds (queued events carry the body too).
    private sealed record SavedDelivery(string? Webhook, string? Verdict, string? IdempotencyKey, string? Body);

    [LoggerMessage(EventId = 4126, Level = LogLevel.Information, Message = "Webhooks: {Count} delivery(ies) queued before the restart and not yet made are resumed")]
    private static partial void LogResumed(ILogger logger, int count);

    [LoggerMessage(EventId = 4127, Level = LogLevel.Warning, Message = "Webhook {Webhook}: a delivery queued before the restart for release {ReleaseId} is not resumed: the webhook is no longer configured for that verdict")]
    private static partial void LogNotResumed(ILogger logger, string webhook, string releaseId);

    [LoggerMessage(EventId = 4128, Level = LogLevel.Error, Message = "Webhooks: reading the deliveries to resume failed")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "Webhook {Webhook} delivered for release {ReleaseId} (attempt {Attempts})")]
    private static partial void LogDelivered(ILogger logger, string webhook, string releaseId, int attempts);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Webhook {Webhook} gave up for release {ReleaseId} after {Attempts} attempt(s): {Error}")]
    private static partial void LogGaveUp(ILogger logger, string webhook, string releaseId, int attempts, string error);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Information, Message = "Webhook {Webhook}: attempt {Attempt} failed ({Error}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string webhook, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 4123, Level = LogLevel.Warning, Message = "Webhook queue full: delivery to {Webhook} for release {ReleaseId} given up")]
    private static partial void LogQueueFull(ILogger logger, string webhook, string releaseId);

    [LoggerMessage(EventId = 4124, Level = LogLevel.Warning, Message = "Webhook {Webhook}: recording the delivery on the timeline failed")]
    private static partial void LogRecordFailed(ILogger logger, string webhook, Exception exception);

    [LoggerMessage(EventId = 4125, Level = LogLevel.Error, Message = "Webhook {Webhook}: the delivery failed unexpectedly")]
    private static partial void LogDeliveryCrashed(ILogger logger, string webhook, Exception exception);
}
