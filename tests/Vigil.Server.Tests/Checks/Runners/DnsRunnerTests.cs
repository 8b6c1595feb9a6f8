using System.Net;
using DnsClient;
using Vigil.Core.Checks;
using Vigil.Server.Tests.Integration;
using static Vigil.Server.Tests.Checks.Runners.CheckRuns;

namespace Vigil.Server.Tests.Checks.Runners;

/// <summary>Debian's dnsmasq in the foreground on a free loopback port, serving a few records of the zone <c>test</c>.</summary>
public sealed class DnsmasqServer : IAsyncLifetime
{
    private const string Binary = "/usr/sbin/dnsmasq";
    private ChildProcess? _process;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                (_process, Port) = await ChildProcess.StartOnFreePortAsync(Binary, "dnsmasq-base", Arguments, Ready, TimeSpan.FromSeconds(20));
                return;
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // The free TCP port was taken for UDP, or taken meanwhile: try another.
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    private static IEnumerable<string> Arguments(int port) =>
    [
        "--keep-in-foreground", "--conf-file=/dev/null", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
        "--no-resolv", "--no-hosts", "--pid-file=", "--log-facility=-", "--local=/test/",
        "--address=/app.test/10.1.2.3", "--host-record=www.test,10.9.8.7", "--host-record=v6.test,fd00::1",
        "--cname=alias.test,www.test", "--txt-record=txt.test,v=spf1 -all", "--mx-host=mail.test,mx1.mail.test,10",
        "--srv-host=_http._tcp.srv.test,www.test,8080,1,5",
    ];

    private static async Task<bool> Ready(int port)
    {
        try
        {
            var client = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, port)) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromMilliseconds(500) });
            var response = await client.QueryAsync("app.test", QueryType.A);
            return response.Answers.Count > 0;
        }
        catch (DnsResponseException)
        {
            return false;
        }
    }
}

public sealed class DnsRunnerTests(DnsmasqServer dns) : IClassFixture<DnsmasqServer>
{
    private Task<CheckResult> Dns(string lines) => RunAsync("dns", $"resolver: 127.0.0.1:{dns.Port}\n{lines}");

    [Fact]
    public async Task Run_RecordsOfEachType_MatchTheirExpectedAnswers()
    {
        var results = new[]
        {
            await Dns("name: app.test\ncontains: [10.1.2.3]"),
            await Dns("name: www.test\nequals: [10.9.8.7]"),
            await Dns("name: v6.test\nrecordType: AAAA\nequals: ['fd00:0::1']"),
            await Dns("name: alias.test\nrecordType: CNAME\nequals: [WWW.test.]"),
            await Dns("name: txt.test\nrecordType: TXT\ncontains: ['v=spf1 -all']"),
            await Dns("name: mail.test\nrecordType: MX\nequals: ['10 mx1.mail.test']"),
            await Dns("name: _http._tcp.srv.test\nrecordType: SRV\nequals: ['1 5 8080 www.test']"),
            await Dns("name: www.test"),
        };

        Assert.All(results, r => Assert.True(r.Outcome == CheckOutcome.Pass, Show(r)));
        Assert.Contains(results[0].Phases, p => p.Name == "dns");
    }

    [Fact]
    public async Task Run_AnswerMissing_FailsWithTheAnswersSeen()
    {
        var contains = await Dns("name: www.test\ncontains: [10.0.0.1]");
        var equals = await Dns("name: app.test\nequals: [10.1.2.3, 10.1.2.4]");

        Assert.Equal("A www.test: answers (10.9.8.7) do not contain 10.0.0.1", contains.Reason);
        Assert.Equal("A app.test: answers were 10.1.2.3, expected exactly 10.1.2.3, 10.1.2.4", equals.Reason);
    }

    [Fact]
    public async Task Run_NxDomain_PassesWhenExpectedAndFailsOtherwise()
    {
        var expected = await Dns("name: gone.test\nexpectNxdomain: true");
        var unexpected = await Dns("name: gone.test");
        var exists = await Dns("name: app.test\nexpectNxdomain: true");

        Assert.True(expected.Outcome == CheckOutcome.Pass, Show(expected));
        Assert.Equal($"A gone.test: 127.0.0.1:{dns.Port} answered NXDOMAIN", unexpected.Reason);
        Assert.Equal("A app.test: expected NXDOMAIN, got NOERROR (10.1.2.3)", exists.Reason);
    }

    [Fact]
    public async Task Run_NoRecordsOfTheType_Fails()
    {
        var result = await Dns("name: www.test\nrecordType: MX");

        Assert.Equal("MX www.test: no MX records", result.Reason);
    }

    [Fact]
    public async Task Run_ResolverNotAnswering_FailsWithinTheTimeout()
    {
        var port = PrometheusProcess.FreePort();

        var result = await RunAsync("dns", $"resolver: 127.0.0.1:{port}\nname: app.test", "timeout: 500ms");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.StartsWith($"A app.test at 127.0.0.1:{port}: no answer", result.Reason, StringComparison.Ordinal);
    }
}
