using System.Net;
using System.Net.Sockets;

namespace Vigil.Cli.Tests;

/// <summary>A loopback URL nothing listens on: a port the OS handed out, then closed.</summary>
internal static class ClosedPort
{
    public static string Url()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
