using System.Globalization;
using System.Net;

namespace Vigil.Server.Configuration;

/// <summary>A parsed <c>HOST:PORT</c> listen address.</summary>
public sealed record ListenAddress(string Host, IPAddress Address, int Port)
{
    /// <summary>True for 127.0.0.0/8, ::1 and <c>localhost</c>.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    /// <summary>Parses <c>HOST:PORT</c>, <c>[V6]:PORT</c> or <c>:PORT</c> (all interfaces). Host names other than localhost are refused: bind to an address.</summary>
    public static bool TryParse(string text, out ListenAddress? address, out string error)
    {
        address = null;
        error = string.Empty;
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = $"'{text}' is not HOST:PORT";
            return false;
        }

        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"'{text}' has no valid port (0-65535; 0 picks a free port)";
            return false;
        }

        IPAddress ip;
        if (host.Length == 0 || host == "*" || host == "0.0.0.0")
        {
            ip = IPAddress.Any;
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            ip = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out ip!))
        {
            error = $"'{text}': '{host}' is not an IP address (use 127.0.0.1, 0.0.0.0, [::1] or localhost)";
            return false;
        }

        address = new ListenAddress(host, ip, port);
        return true;
    }
}
