using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Server.Tests.Scrape;

/// <summary>One request as the test target saw it.</summary>
public sealed record TargetRequest(string Path, IReadOnlyDictionary<string, string> Headers);

/// <summary>What the test target answers.</summary>
public sealed record TargetResponse(int Status, string Body, string ContentType = "text/plain; version=0.0.4");

/// <summary>
/// A tiny HTTP/1.1 scrape target on a loopback port (a <see cref="TcpListener"/>, no web framework), answering each
/// request from a handler and closing the connection. Used to serve malformed exposition, check auth headers and
/// count requests.
/// </summary>
public sealed class TestTargetServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<TargetRequest, TargetResponse> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;

    public TestTargetServer(Func<TargetRequest, TargetResponse> handler)
    {
        _handler = handler;
        _listener.Start();
        Address = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accept = Task.Run(AcceptAsync);
    }

    /// <summary>The <c>host:port</c> it listens on.</summary>
    public string Address { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[1];
                while (head.Length < 64 * 1024 && !head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                {
                    if (await stream.ReadAsync(buffer, _stop.Token) == 0)
                    {
                        return;
                    }

                    head.Append((char)buffer[0]);
                }

                var lines = head.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
                var path = lines[0].Split(' ')[1];
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in lines.Skip(1))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }

                var response = _handler(new TargetRequest(path, headers));
                var body = Encoding.UTF8.GetBytes(response.Body);
                var reason = response.Status switch { 200 => "OK", 401 => "Unauthorized", 404 => "Not Found", _ => "Status" };
                var header = $"HTTP/1.1 {response.Status} {reason}\r\nContent-Type: {response.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // The scraper went away.
            }
        }
    }
}
