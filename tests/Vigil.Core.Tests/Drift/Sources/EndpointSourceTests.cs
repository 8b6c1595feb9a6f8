using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class EndpointSourceTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("https://Pay.Example.com/v1/charges", "https", "pay.example.com", 443)]
    [InlineData("http://user@api.internal:8080", "http", "api.internal", 8080)]
    [InlineData("jdbc:postgresql://pg.internal:5433/orders", "postgresql", "pg.internal", 5433)]
    [InlineData("redis://cache:6380", "redis", "cache", 6380)]
    [InlineData("kafka-1.internal:9092", "tcp", "kafka-1.internal", 9092)]
    [InlineData("Host=db.internal;Database=orders;Username=app", "tcp", "db.internal", 5432)]
    [InlineData("Server=tcp:sql.internal,1444;Database=x", "tcp", "sql.internal", 1444)]
    [InlineData("10.0.0.5:6379", "tcp", "10.0.0.5", 6379)]
    public void Find_ReadsUrlsHostPortsAndConnectionStrings(string value, string scheme, string host, int port)
    {
        Assert.Equal((scheme, host, port), Assert.Single(EndpointSource.Find(value)));
    }

    [Theory]
    [InlineData("12:30")]
    [InlineData("Information")]
    [InlineData("/var/lib/app")]
    [InlineData("file:///etc/app.conf")]
    [InlineData("Data Source=/data/app.db")]
    [InlineData("http://0.0.0.0:8080;http://[::]:8081")]
    [InlineData("http://+:8080")]
    public void Find_IgnoresValuesThatNameNoEndpoint(string value)
    {
        Assert.Empty(EndpointSource.Find(value));
    }

    [Fact]
    public async Task Collect_WithoutProbing_RecordsEndpointsFromConfigAndVariablesButNotFromSecrets()
    {
        var items = new List<SnapshotItem>
        {
            new(DriftCategories.Config, DriftItemKinds.ConfigKey, "app/appsettings.json:Payments:Url", "https://pay.example.com/v1", "app/appsettings.json"),
            new(DriftCategories.Config, DriftItemKinds.ConfigKey, "app/appsettings.json:Kafka", "k1:9092,k2:9092", "app/appsettings.json"),
            new(DriftCategories.Environment, DriftItemKinds.Variable, "CACHE_URL", "redis://cache:6379", "env"),
            new(DriftCategories.Environment, DriftItemKinds.Variable, "DB_URL", null, "env", new SecretFingerprint(null)),
        };
        using var tree = new PlantedTree();

        await new EndpointSource(new FakeTimeProvider(Now)).CollectAsync(tree.Context(), items, CancellationToken.None);

        var endpoints = items.Where(i => i.Category == DriftCategories.Endpoint).ToList();
        Assert.Equal(["https://pay.example.com:443", "redis://cache:6379", "tcp://k1:9092", "tcp://k2:9092"], endpoints.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(endpoints, e => Assert.Equal("not probed", e.Value));
        Assert.Equal("$CACHE_URL", Collect.Single(endpoints, "redis://cache:6379").Source);
        Assert.Equal("app/appsettings.json:Payments:Url", Collect.Single(endpoints, "https://pay.example.com:443").Source);
    }

    [Fact]
    public async Task Probe_OpenAndClosedPorts_AreReachableAndRefused()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var openPort = ((IPEndPoint)open.LocalEndpoint).Port;
        var closedPort = ClosedPort();
        var source = new EndpointSource(TimeProvider.System);

        Assert.Equal("reachable", await source.ProbeAsync("tcp", "127.0.0.1", openPort, CancellationToken.None));
        Assert.Equal("unreachable: connection refused", await source.ProbeAsync("tcp", "127.0.0.1", closedPort, CancellationToken.None));
        Assert.StartsWith("unresolvable: ", await source.ProbeAsync("tcp", "no-such-host.invalid", 80, CancellationToken.None), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_TlsCertificates_UntrustedAndExpiredAreSaid()
    {
        using var selfSigned = Certificate(Now.AddDays(-1), Now.AddYears(1));
        using var expired = Certificate(Now.AddYears(-2), Now.AddYears(-1));
        var source = new EndpointSource(new FakeTimeProvider(Now));

        await using (var server = TlsServer.Start(selfSigned))
        {
            Assert.Equal("tls invalid: untrusted", await source.ProbeAsync("https", "localhost", server.Port, CancellationToken.None));
        }

        await using (var server = TlsServer.Start(expired))
        {
            Assert.Equal("tls invalid: expired", await source.ProbeAsync("https", "localhost", server.Port, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Collect_WithProbing_RecordsTheProbeResult()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;
        var closed = ClosedPort();
        var items = new List<SnapshotItem>
        {
            new(DriftCategories.Environment, DriftItemKinds.Variable, "UP", $"127.0.0.1:{port}", "env"),
            new(DriftCategories.Environment, DriftItemKinds.Variable, "DOWN", $"127.0.0.1:{closed}", "env"),
        };
        using var tree = new PlantedTree();

        await new EndpointSource(TimeProvider.System).CollectAsync(tree.Context(probe: true), items, CancellationToken.None);

        Assert.Equal("reachable", Collect.Value(items, $"tcp://127.0.0.1:{port}"));
        Assert.Equal("unreachable: connection refused", Collect.Value(items, $"tcp://127.0.0.1:{closed}"));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static X509Certificate2 Certificate(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(notBefore, notAfter);
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A loopback TLS server that completes handshakes with one certificate until disposed.</summary>
    private sealed class TlsServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        private TlsServer(X509Certificate2 certificate)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                        await using var tls = new SslStream(client.GetStream());
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
                    {
                        // The prober hangs up after judging the certificate.
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });
        }

        public int Port { get; }

        public static TlsServer Start(X509Certificate2 certificate) => new(certificate);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
