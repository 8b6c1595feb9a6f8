using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Checks;

namespace Vigil.Core.Tests.Checks;

/// <summary>A loopback TCP server that counts connections and serves each with the test's handler.</summary>
internal sealed class TestTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<NetworkStream, CancellationToken, Task> _handler;
    private readonly Task _loop;
    private int _connections;

    public TestTcpServer(Func<NetworkStream, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _loop = Accept();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }

    private async Task Accept()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = Serve(client);
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                await _handler(client.GetStream(), _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The client went away or the test ended.
            }
        }
    }
}

public sealed class CheckExecutorTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 12, 0, 0, TimeSpan.Zero);

    internal static CheckDefinition Tcp(int port, string? send = null, string? expect = null) =>
        new("t", CheckType.Tcp, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), RetryPolicy.None, [CheckDefinition.LocalLocation], 1, null, [],
            new Dictionary<string, string>(), new TcpCheckSpec("127.0.0.1", port, send, expect, null));

    private static CheckRunContext Context(TimeProvider time, Func<string, string?>? secrets = null) =>
        new("local", time.GetUtcNow(), secrets ?? (_ => null));

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10), $"timed out waiting until {what}");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task RunAsync_FailingTarget_RetriesAfterGrowingBackoff()
    {
        await using var server = new TestTcpServer((_, _) => Task.CompletedTask);
        var time = new FakeTimeProvider(Start);
        var check = Tcp(server.Port, expect: "pong") with { Retry = new RetryPolicy(2, TimeSpan.FromSeconds(1), 2) };

        // Fake time moves in 50 ms steps while the run goes on; each connection is stamped with the fake time it came at.
        var run = new CheckExecutor(time).RunAsync(check, Context(time), CancellationToken.None);
        var seen = new List<TimeSpan>();
        var deadline = TimeProvider.System.GetTimestamp();
        while (!run.IsCompleted)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(20), "the run did not end");
            await Task.Delay(10);
            while (seen.Count < server.Connections)
            {
                seen.Add(time.GetUtcNow() - Start);
            }

            if (seen.Count > 0)
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
            }
        }

        var result = await run;
        while (seen.Count < server.Connections)
        {
            seen.Add(time.GetUtcNow() - Start);
        }

        Assert.Equal(3, seen.Count);
        Assert.True(seen[1] - seen[0] >= TimeSpan.FromSeconds(1), $"first retry after {seen[1] - seen[0]}, before its 1s backoff");
        Assert.True(seen[2] - seen[1] >= TimeSpan.FromSeconds(2), $"second retry after {seen[2] - seen[1]}, before its 2s backoff");
        Assert.Equal(3, server.Connections);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Equal($"127.0.0.1:{server.Port}: the server closed the connection without replying, expected \"pong\"", result.Reason);
    }

    [Fact]
    public async Task RunAsync_Passing_DoesNotRetry()
    {
        await using var server = new TestTcpServer((s, t) => s.WriteAsync("pong\n"u8.ToArray(), t).AsTask());
        var time = new FakeTimeProvider(Start);
        var check = Tcp(server.Port, expect: "pong") with { Retry = new RetryPolicy(3, TimeSpan.FromSeconds(1), 2) };

        var result = await new CheckExecutor(time).RunAsync(check, Context(time), CancellationToken.None);

        Assert.Equal(CheckOutcome.Pass, result.Outcome);
        Assert.Equal(1, result.Attempts);
        Assert.Null(result.Reason);
        Assert.Equal(Start, result.StartedAt);
    }

    [Fact]
    public async Task RunAsync_NoReplyWithinTimeout_FailsAsTimedOut()
    {
        await using var server = new TestTcpServer((_, t) => Task.Delay(Timeout.Infinite, t));
        var time = new FakeTimeProvider(Start);

        var run = new CheckExecutor(time).RunAsync(Tcp(server.Port, expect: "pong"), Context(time), CancellationToken.None);
        await Until(() => server.Connections == 1, "the attempt connected");
        time.Advance(TimeSpan.FromSeconds(5));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Equal("timed out after 5s", result.Reason);
        Assert.Equal(TimeSpan.FromSeconds(5), result.Duration);
    }

    [Fact]
    public async Task RunAsync_SlowerThanDegradedAfter_IsDegraded()
    {
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new TestTcpServer(async (s, t) =>
        {
            await reply.Task.WaitAsync(t);
            await s.WriteAsync("pong\n"u8.ToArray(), t);
        });
        var time = new FakeTimeProvider(Start);
        var check = Tcp(server.Port, expect: "pong") with { DegradedAfter = TimeSpan.FromSeconds(2) };

        var run = new CheckExecutor(time).RunAsync(check, Context(time), CancellationToken.None);
        await Until(() => server.Connections == 1, "the attempt connected");
        time.Advance(TimeSpan.FromSeconds(3));
        reply.SetResult();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(CheckOutcome.Degraded, result.Outcome);
        Assert.Equal("took 3000 ms, slower than degradedAfter 2s", result.Reason);
    }

    [Fact]
    public async Task RunAsync_SecretEchoedBack_IsMaskedInReasonAndExcerpt()
    {
        await using var server = new TestTcpServer(async (s, t) =>
        {
            var buffer = new byte[256];
            var read = await s.ReadAsync(buffer, t);
            await s.WriteAsync(Encoding.UTF8.GetBytes("you said " + Encoding.UTF8.GetString(buffer, 0, read)), t);
        });
        var time = new FakeTimeProvider(Start);
        var check = Tcp(server.Port, send: "login ${env:DB_PASSWORD}\n", expect: "welcome");

        var result = await new CheckExecutor(time).RunAsync(check, Context(time, name => name == "DB_PASSWORD" ? "hunter2-xyz" : null), CancellationToken.None);

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Equal("you said login ***\n", result.ResponseExcerpt);
        Assert.DoesNotContain("hunter2", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_Throws()
    {
        await using var server = new TestTcpServer((_, t) => Task.Delay(Timeout.Infinite, t));
        using var cancel = new CancellationTokenSource();
        var run = new CheckExecutor(TimeProvider.System).RunAsync(Tcp(server.Port, expect: "pong"), Context(TimeProvider.System), cancel.Token);
        await Until(() => server.Connections == 1, "the attempt connected");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}
