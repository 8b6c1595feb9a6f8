using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Releases;
using Vigil.Core.Verification;
using Vigil.Server.Verification;

namespace Vigil.Server.Tests.Verification;

/// <summary>Webhook deliveries to a real local HTTP listener, with short real backoff.</summary>
public sealed class WebhookDispatcherTests : IAsyncLifetime
{
    private const string Secret = "s3cret-for-tests";
    private readonly ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)> _received = new();
    private readonly InMemoryReleaseStore _releases = new();
    private WebApplication _listener = null!;
    private int _status500Left;
    private int _fixedStatus;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _listener = builder.Build();
        _listener.MapPost("/hook/{token}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Enqueue((context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            return Results.StatusCode(_fixedStatus != 0 ? _fixedStatus : Interlocked.Decrement(ref _status500Left) >= 0 ? 500 : 204);
        });
        await _listener.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _listener.StopAsync();
        await _listener.DisposeAsync();
    }

    private Task<(WebhookDispatcher Dispatcher, Release Release, VerificationRun Run)> StartAsync(params WebhookOptions[] webhooks) =>
        StartAsync(TimeSpan.FromMilliseconds(50), webhooks);

    private async Task<(WebhookDispatcher Dispatcher, Release Release, VerificationRun Run)> StartAsync(TimeSpan initialBackoff, params WebhookOptions[] webhooks)
    {
        var options = new VerificationOptions { WebhookInitialBackoff = initialBackoff, WebhookMaxAttempts = 4 };
        options.Webhooks.Items.AddRange(webhooks);
        var errors = new List<string>();
        options.Validate(errors);
        Assert.Empty(errors);
        var services = new ServiceCollection().AddSingleton<IReleaseStore>(_releases).BuildServiceProvider();
        var dispatcher = new WebhookDispatcher(options, services, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        var (release, _) = await _releases.CreateOrGetAsync(new NewRelease("checkout", "1.4.2", "prod", Commit: "abc123"), DateTimeOffset.UnixEpoch, CancellationToken.None);
        var metric = new MetricJudgement("p95-latency", "latency", MetricKind.LatencyHistogram, true, 1, MetricClassification.High,
            new EffectEstimate(0.38, 0.22, 0.55, true), 0.001, null, 4812, 48305, "requests", "p95 latency is 38% higher on 1.4.2", "test");
        var look = new LookVerdict(Verdict.Fail, 40, true, 3, 15, [metric], "Fail: p95 latency is 38% higher on 1.4.2");
        var run = new VerificationRun("run_0123456789abcdef", release.Id, "default", "yaml", ComparisonMode.Canary, "1.4.1", RunState.Completed,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Verdict.Fail, look, null, null, null);
        return (dispatcher, release, run);
    }

    private WebhookOptions Hook(string name, params string[] on)
    {
        var webhook = new WebhookOptions { Name = name, Url = _listener.Urls.First() + "/hook/tok-" + name, Secret = Secret };
        webhook.On.AddRange(on);
        return webhook;
    }

    private Task<ReleaseEvent> WaitForDeliveryEventAsync(string releaseId, string? idempotencyKey = null) =>
        WaitForEventAsync(releaseId, ReleaseEventKinds.Webhook, idempotencyKey);

    private async Task<ReleaseEvent> WaitForEventAsync(string releaseId, string kind, string? idempotencyKey = null)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(15);
        while (true)
        {
            var events = await _releases.EventsAsync(releaseId, 100, CancellationToken.None);
            if (events.FirstOrDefault(e => e.Kind == kind && (idempotencyKey is null || e.DataJson!.Contains(idempotencyKey, StringComparison.Ordinal))) is { } found)
            {
                return found;
            }

            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"no {kind} event was recorded within 15 seconds");
            await Task.Delay(20);
        }
    }

    private async Task WaitForRequestsAsync(int count)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(15);
        while (_received.Count < count)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"the receiver got {_received.Count} requests, not {count}, within 15 seconds");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Enqueue_FirstAttemptGets500_RetriesAndDelivers_SignedWithTheSameIdempotencyKey()
    {
        _status500Left = 1;
        var (dispatcher, release, run) = await StartAsync(Hook("rollback", "fail"), Hook("celebrate", "pass"));

        dispatcher.Enqueue(release, run, Verdict.Fail, overridden: false);
        var recorded = await WaitForDeliveryEventAsync(release.Id);
        await dispatcher.StopAsync(CancellationToken.None);

        var attempts = _received.ToList();
        Assert.Equal(2, attempts.Count); // the 500, then the accepted retry; "celebrate" wants only pass
        foreach (var (headers, body) in attempts)
        {
            // What a receiver does: recompute HMAC-SHA256(secret, timestamp + "." + body) and compare in constant time.
            var timestamp = headers["X-Vigil-Timestamp"];
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray()));
            Assert.True(CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(headers["X-Vigil-Signature"])));
            Assert.Equal("run_0123456789abcdef:fail", headers["Idempotency-Key"]);
            Assert.Equal("application/json", headers["Content-Type"]);
        }

        Assert.Equal(attempts[0].Body, attempts[1].Body);
        var payload = JsonDocument.Parse(attempts[1].Body).RootElement;
        Assert.Equal("Fail", payload.GetProperty("verdict").GetString());
        Assert.Equal(release.Id, payload.GetProperty("release").GetProperty("id").GetString());
        Assert.Equal("Fail: p95 latency is 38% higher on 1.4.2", payload.GetProperty("summary").GetString());
        Assert.Equal("p95-latency", payload.GetProperty("failingMetrics")[0].GetProperty("name").GetString());

        var data = JsonDocument.Parse(recorded.DataJson!).RootElement;
        Assert.Equal(("rollback", "delivered", 2, 204), (data.GetProperty("webhook").GetString(), data.GetProperty("outcome").GetString(),
            data.GetProperty("attempts").GetInt32(), data.GetProperty("status").GetInt32()));
        Assert.DoesNotContain(Secret, recorded.DataJson!, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-rollback", recorded.DataJson + recorded.Message, StringComparison.Ordinal); // the URL may hold a token
    }

    [Fact]
    public async Task Enqueue_ClientError_GivesUpAtOnceAndRecordsIt()
    {
        _fixedStatus = 400;
        var (dispatcher, release, run) = await StartAsync(Hook("page", "fail", "inconclusive"));

        dispatcher.Enqueue(release, run, Verdict.Fail, overridden: false);
        var recorded = await WaitForDeliveryEventAsync(release.Id);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Single(_received);
        var data = JsonDocument.Parse(recorded.DataJson!).RootElement;
        Assert.Equal(("gave_up", 1, "HTTP 400"), (data.GetProperty("outcome").GetString(), data.GetProperty("attempts").GetInt32(), data.GetProperty("error").GetString()));
        Assert.StartsWith("Webhook page gave up after 1 attempt(s)", recorded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_ResumesADeliveryQueuedButNotEnded_WithTheSameBodyAndIdempotencyKey_AndOnlyOnce()
    {
        // The receiver fails, and the dispatcher stops during its backoff: the delivery has no outcome yet.
        _fixedStatus = 503;
        var (first, release, run) = await StartAsync(TimeSpan.FromSeconds(30), Hook("rollback", "fail"));
        first.Enqueue(release, run, Verdict.Fail, overridden: false);
        var queued = await WaitForEventAsync(release.Id, ReleaseEventKinds.WebhookQueued);
        await WaitForRequestsAsync(1);
        await first.StopAsync(CancellationToken.None);
        first.Dispose();
        Assert.DoesNotContain(await _releases.EventsAsync(release.Id, 100, CancellationToken.None), e => e.Kind == ReleaseEventKinds.Webhook);
        Assert.Equal("Webhook rollback queued (Fail)", queued.Message);
        Assert.DoesNotContain("tok-rollback", queued.DataJson!, StringComparison.Ordinal);

        // The next start finds it on the timeline and delivers it, as the same delivery.
        _fixedStatus = 204;
        var (second, _, _) = await StartAsync(TimeSpan.FromSeconds(30), Hook("rollback", "fail"), Hook("celebrate", "pass"));
        var recorded = await WaitForDeliveryEventAsync(release.Id, "run_0123456789abcdef:fail");
        await second.StopAsync(CancellationToken.None);
        second.Dispose();
        var requests = _received.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal("run_0123456789abcdef:fail", requests[1].Headers["Idempotency-Key"]);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal("delivered", JsonDocument.Parse(recorded.DataJson!).RootElement.GetProperty("outcome").GetString());

        // A third start resumes nothing: that delivery has its outcome. A new Pass delivery queued after the start is
        // the only request (a resumed one would be queued, and sent, before it).
        var (third, _, _) = await StartAsync(TimeSpan.FromSeconds(30), Hook("rollback", "fail"), Hook("celebrate", "pass"));
        third.Enqueue(release, run with { Id = "run_fedcba9876543210" }, Verdict.Pass, overridden: false);
        await WaitForDeliveryEventAsync(release.Id, "run_fedcba9876543210:pass");
        await third.StopAsync(CancellationToken.None);
        third.Dispose();
        Assert.Equal(["run_0123456789abcdef:fail", "run_0123456789abcdef:fail", "run_fedcba9876543210:pass"], _received.Select(r => r.Headers["Idempotency-Key"]));
    }

    [Fact]
    public async Task Restart_WebhookNoLongerConfigured_IsNotResumed()
    {
        _fixedStatus = 503;
        var (first, release, run) = await StartAsync(TimeSpan.FromSeconds(30), Hook("rollback", "fail"));
        first.Enqueue(release, run, Verdict.Fail, overridden: false);
        await WaitForEventAsync(release.Id, ReleaseEventKinds.WebhookQueued);
        await WaitForRequestsAsync(1);
        await first.StopAsync(CancellationToken.None);
        first.Dispose();

        // "rollback" was removed from the configuration; "page" wants failures too but never had this delivery.
        _fixedStatus = 204;
        var (second, _, _) = await StartAsync(TimeSpan.FromSeconds(30), Hook("page", "fail"));
        second.Enqueue(release, run with { Id = "run_fedcba9876543210" }, Verdict.Fail, overridden: false);
        await WaitForDeliveryEventAsync(release.Id, "run_fedcba9876543210:fail");
        await second.StopAsync(CancellationToken.None);
        second.Dispose();
        Assert.Equal(["run_0123456789abcdef:fail", "run_fedcba9876543210:fail"], _received.Select(r => r.Headers["Idempotency-Key"]));
    }

    [Fact]
    public void Sign_IsHmacSha256OverTimestampDotBody_InLowercaseHex()
    {
        // RFC 4231 test case 2 key and message, split as "timestamp.body": "what do ya want " + "for nothing?".
        var signature = WebhookDispatcher.Sign("Jefe", "what do ya want for nothing?"[..15], Encoding.UTF8.GetBytes("for nothing?"));

        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("Jefe"u8, Encoding.UTF8.GetBytes("what do ya want.for nothing?"))), signature);
    }
}
