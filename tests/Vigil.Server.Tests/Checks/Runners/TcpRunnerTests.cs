using System.Net;
using System.Net.Sockets;
using Vigil.Core.Checks;
using static Vigil.Server.Tests.Checks.Runners.CheckRuns;

namespace Vigil.Server.Tests.Checks.Runners;

/// <summary>A TCP echo server on a free loopback port: it greets, then echoes each line back.</summary>
public sealed class TcpEchoServer : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Task InitializeAsync()
    {
        _listener.Start();
        _loop = AcceptLoop();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
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

            _ = Serve(client);
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                await stream.WriteAsync("HELLO echo-1\n"u8.ToArray(), _stop.Token);
                var buffer = new byte[1024];
                int read;
                while ((read = await stream.ReadAsync(buffer, _stop.Token)) > 0)
                {
                    if (buffer.AsSpan(0, read).SequenceEqual("quit\n"u8))
                    {
                        await stream.WriteAsync("bye\n"u8.ToArray(), _stop.Token);
                        return;
                    }

                    await stream.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The client went away or the test ended.
            }
        }
    }
}

public sealed class TcpRunnerTests(TcpEchoServer echo) : IClassFixture<TcpEchoServer>
{
    [Fact]
    public async Task Run_ConnectOnly_PassesWithPhases()
    {
        var result = await RunAsync("tcp", $"host: 127.0.0.1\nport: {echo.Port}");

        Assert.Equal(CheckOutcome.Pass, result.Outcome);
        Assert.Contains(result.Phases, p => p.Name == "connect");
    }

    [Fact]
    public async Task Run_SendAndExpect_PassesOnTheEcho()
    {
        var text = await RunAsync("tcp", $"host: 127.0.0.1\nport: {echo.Port}\nsend: \"ping-42\\n\"\nexpect: ping-42");
        var regex = await RunAsync("tcp", $"host: 127.0.0.1\nport: {echo.Port}\nexpectRegex: 'HELLO echo-\\d'");

        Assert.True(text.Outcome == CheckOutcome.Pass, Show(text));
        Assert.True(regex.Outcome == CheckOutcome.Pass, Show(regex));
    }

    [Fact]
    public async Task Run_ExpectNeverArrives_FailsWhenTheTimeoutEnds()
    {
        var result = await RunAsync("tcp", $"host: 127.0.0.1\nport: {echo.Port}\nsend: \"ping\\n\"\nexpect: pong", "timeout: 300ms");

        Assert.Equal("timed out after 300ms", result.Reason);
    }

    [Fact]
    public async Task Run_ServerClosesWithoutTheExpectedReply_FailsWithReasonAndExcerpt()
    {
        var result = await RunAsync("tcp", $"host: 127.0.0.1\nport: {echo.Port}\nsend: \"quit\\n\"\nexpect: pong");

        Assert.Equal($"127.0.0.1:{echo.Port}: reply does not contain \"pong\" (the server closed the connection)", result.Reason);
        Assert.Equal("HELLO echo-1\nbye\n", result.ResponseExcerpt);
    }

    [Fact]
    public async Task Run_ConnectionRefused_FailsWithHostAndPort()
    {
        var port = Integration.PrometheusProcess.FreePort();

        var result = await RunAsync("tcp", $"host: 127.0.0.1\nport: {port}");

        Assert.Equal($"127.0.0.1:{port}: connection refused", result.Reason);
    }
}
