using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Vigil.Core.Drift.Sources;

/// <summary>
/// External endpoints named in the configuration and environment items collected before it (never in secrets): URLs
/// (<c>https://pay.example.com/v1</c>), bare <c>host:port</c> values and lists (<c>kafka-1:9092,kafka-2:9092</c>), and
/// <c>Host=</c>/<c>Server=</c> of connection strings. Key <c>&lt;scheme&gt;://&lt;host&gt;:&lt;port&gt;</c> (host lower
/// case, default port filled in, bare pairs as <c>tcp://</c>), kind <c>endpoint</c>, source the first key naming it.
/// Value <c>not probed</c>, or with probing: <c>reachable</c>, <c>unresolvable: REASON</c>,
/// <c>unreachable: connection refused</c>, <c>unreachable: timed out</c>, <c>tls invalid: expired</c>,
/// <c>tls invalid: name mismatch</c>, <c>tls invalid: untrusted</c>, <c>tls failed: REASON</c> (TLS is checked for
/// https, wss, grpcs, ldaps, smtps, amqps, rediss). Bounded: <see cref="MaxEndpoints"/> recorded,
/// <see cref="MaxProbes"/> probed, <see cref="ProbeTimeout"/> each, <see cref="Parallelism"/> at a time.
/// </summary>
public sealed partial class EndpointSource : ISnapshotSource
{
    /// <summary>The most endpoints recorded.</summary>
    public const int MaxEndpoints = 500;

    /// <summary>The most endpoints probed; the rest are recorded as <c>not probed</c>.</summary>
    public const int MaxProbes = 100;

    /// <summary>Probes run at the same time.</summary>
    public const int Parallelism = 8;

    /// <summary>The longest one probe (resolve, connect, TLS handshake) may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private static readonly Dictionary<string, int> DefaultPorts = new(StringComparer.Ordinal)
    {
        ["http"] = 80, ["https"] = 443, ["ws"] = 80, ["wss"] = 443, ["grpc"] = 80, ["grpcs"] = 443, ["postgres"] = 5432,
        ["postgresql"] = 5432, ["mysql"] = 3306, ["mariadb"] = 3306, ["redis"] = 6379, ["rediss"] = 6379, ["amqp"] = 5672,
        ["amqps"] = 5671, ["mongodb"] = 27017, ["ldap"] = 389, ["ldaps"] = 636, ["smtp"] = 25, ["smtps"] = 465,
        ["kafka"] = 9092, ["nats"] = 4222, ["sqlserver"] = 1433, ["tcp"] = 0,
    };

    private static readonly HashSet<string> TlsSchemes = new(StringComparer.Ordinal) { "https", "wss", "grpcs", "ldaps", "smtps", "amqps", "rediss" };

    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the source.</summary>
    /// <param name="time">The clock for probe deadlines and certificate expiry.</param>
    /// <param name="timeout">The longest one probe may take; default <see cref="ProbeTimeout"/>.</param>
    public EndpointSource(TimeProvider time, TimeSpan? timeout = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _timeout = timeout ?? ProbeTimeout;
    }

    /// <inheritdoc />
    public string Name => DriftCategories.Endpoint;

    /// <summary>The endpoints named in one value, as (scheme, host, port).</summary>
    public static IReadOnlyList<(string Scheme, string Host, int Port)> Find(string value)
    {
        var found = new List<(string, string, int)>();
        // Every form below needs a ':' or an '='; most values have neither and stop here.
        if (string.IsNullOrWhiteSpace(value) || value.Length > 8192 || value.AsSpan().IndexOfAny(':', '=') < 0)
        {
            return found;
        }

        foreach (Match url in Url().Matches(value))
        {
            var scheme = url.Groups["scheme"].Value.ToLowerInvariant();
            if (!DefaultPorts.TryGetValue(scheme, out var port) || port == 0)
            {
                continue;
            }

            if (url.Groups["port"].Success)
            {
                port = int.Parse(url.Groups["port"].Value, CultureInfo.InvariantCulture);
            }

            Add(scheme, url.Groups["host"].Value, port);
        }

        if (found.Count == 0)
        {
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (HostPort().Match(part) is { Success: true } pair)
                {
                    Add("tcp", pair.Groups["host"].Value, int.Parse(pair.Groups["port"].Value, CultureInfo.InvariantCulture));
                }
            }
        }

        if (found.Count == 0 && value.Contains('=', StringComparison.Ordinal) && value.Contains(';', StringComparison.Ordinal))
        {
            var fields = value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('=', 2))
                .Where(f => f.Length == 2)
                .GroupBy(f => f[0].Trim().ToLowerInvariant())
                .ToDictionary(g => g.Key, g => g.First()[1].Trim());
            if (fields.TryGetValue("host", out var host))
            {
                var port = fields.TryGetValue("port", out var p) && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var given) ? given : 5432;
                foreach (var h in host.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    var colon = h.LastIndexOf(':');
                    Add("tcp", colon > 0 ? h[..colon] : h, colon > 0 && int.TryParse(h[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var hp) ? hp : port);
                }
            }
            else if ((fields.GetValueOrDefault("server") ?? fields.GetValueOrDefault("data source")) is { } server)
            {
                var text = server.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? server[4..] : server;
                var comma = text.IndexOf(',', StringComparison.Ordinal);
                var port = comma > 0 && int.TryParse(text[(comma + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var sp) ? sp : 1433;
                var name = comma > 0 ? text[..comma] : text;
                if (!name.Contains('\\', StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal) && !name.EndsWith(".db", StringComparison.OrdinalIgnoreCase))
                {
                    Add("tcp", name, port);
                }
            }
        }

        return found;

        void Add(string scheme, string host, int port)
        {
            // Listen addresses (http://0.0.0.0:8080, http://[::]:80) name no endpoint to reach.
            if (host is "0.0.0.0" or "[::]" or "::")
            {
                return;
            }

            if (host.Length > 0 && host.Length <= 253 && port is > 0 and <= 65535 && (host.Any(char.IsAsciiLetter) || IsIpLiteral(host)))
            {
                found.Add((scheme, host.ToLowerInvariant(), port));
            }
        }
    }

    /// <inheritdoc />
    public async Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        var endpoints = new SortedDictionary<string, (string Scheme, string Host, int Port, string Source)>(StringComparer.Ordinal);
        foreach (var item in items.ToList())
        {
            if (item.Secret is not null || item.Value is null || item.Kind is not (DriftItemKinds.ConfigKey or DriftItemKinds.Variable))
            {
                continue;
            }

            foreach (var (scheme, host, port) in Find(item.Value))
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"{scheme}://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host)}:{port}");
                if (endpoints.Count < MaxEndpoints && !endpoints.ContainsKey(key))
                {
                    endpoints[key] = (scheme, host, port, item.Category == DriftCategories.Environment ? "$" + item.Key : item.Key);
                }
            }
        }

        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        if (context.ProbeEndpoints)
        {
            using var gate = new SemaphoreSlim(Parallelism);
            var probes = endpoints.Take(MaxProbes).Select(async endpoint =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    var result = await ProbeAsync(endpoint.Value.Scheme, endpoint.Value.Host, endpoint.Value.Port, cancellationToken);
                    lock (results)
                    {
                        results[endpoint.Key] = result;
                    }
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            await Task.WhenAll(probes);
        }

        foreach (var (key, endpoint) in endpoints)
        {
            var value = results.GetValueOrDefault(key) ?? "not probed";
            items.Add(new SnapshotItem(DriftCategories.Endpoint, DriftItemKinds.EndpointTarget, key, context.Secrets.Redact(value), context.Secrets.Redact(endpoint.Source)));
        }
    }

    /// <summary>Resolves, connects and (for TLS schemes) checks the certificate of one endpoint within the probe timeout.</summary>
    public async Task<string> ProbeAsync(string scheme, string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, token);
            if (addresses.Length == 0)
            {
                return "unresolvable: no addresses";
            }
        }
        catch (SocketException e)
        {
            return "unresolvable: " + SocketReason(e.SocketErrorCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "unresolvable: timed out";
        }

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(addresses, port, token);
        }
        catch (SocketException e)
        {
            return "unreachable: " + SocketReason(e.SocketErrorCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "unreachable: timed out";
        }

        if (!TlsSchemes.Contains(scheme))
        {
            return "reachable";
        }

        var errors = SslPolicyErrors.None;
        DateTimeOffset? notAfter = null;
        DateTimeOffset? notBefore = null;
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await using var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, policyErrors) =>
            {
                errors = policyErrors;
                if (certificate is X509Certificate2 x509)
                {
                    notAfter = x509.NotAfter.ToUniversalTime();
                    notBefore = x509.NotBefore.ToUniversalTime();
                }

                // The handshake fails on a bad certificate; the errors captured here say why.
                return policyErrors == SslPolicyErrors.None;
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host.Trim('[', ']') }, token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "tls failed: timed out";
        }
        catch (System.Security.Authentication.AuthenticationException) when (errors != SslPolicyErrors.None || notAfter is not null)
        {
            // A certificate was seen and refused: judged below.
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            return "tls failed: " + (e.InnerException?.Message ?? e.Message).Split('\n')[0].Trim().TrimEnd('.');
        }

        var now = _time.GetUtcNow();
        if (notAfter is { } end && end < now)
        {
            return "tls invalid: expired";
        }

        if (notBefore is { } start && start > now)
        {
            return "tls invalid: not yet valid";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return "tls invalid: name mismatch";
        }

        return errors == SslPolicyErrors.None ? "reachable" : "tls invalid: untrusted";
    }

    // "12" parses as an address (0.0.0.12) but names no host: only dotted quads and IPv6 literals count.
    private static bool IsIpLiteral(string host)
    {
        var text = host.Trim('[', ']');
        return IPAddress.TryParse(text, out _) && (text.Count(c => c == '.') == 3 || text.Contains(':', StringComparison.Ordinal));
    }

    private static string SocketReason(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.TimedOut => "timed out",
        SocketError.HostNotFound => "host not found",
        SocketError.NoData => "no addresses",
        SocketError.TryAgain => "name server did not answer",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.ConnectionReset => "connection reset",
        _ => error.ToString().ToLowerInvariant(),
    };

    [GeneratedRegex(@"\b(?<scheme>[A-Za-z][A-Za-z0-9+.-]{1,20})://(?:[^/\s@""']*@)?(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(?<port>\d{1,5}))?", RegexOptions.CultureInvariant)]
    private static partial Regex Url();

    [GeneratedRegex(@"^(?<host>localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\d{1,3}(?:\.\d{1,3}){3}):(?<port>\d{2,5})$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPort();
}
