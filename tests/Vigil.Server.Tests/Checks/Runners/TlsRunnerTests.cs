using Vigil.Core.Checks;
using static Vigil.Server.Tests.Checks.Runners.CheckRuns;

namespace Vigil.Server.Tests.Checks.Runners;

public sealed class TlsRunnerTests(CheckTargetServer server) : IClassFixture<CheckTargetServer>
{
    private Task<CheckResult> Tls(string serverName, string extra = "") =>
        RunAsync("tls", $"host: 127.0.0.1\nport: {server.HttpsPort}\nserverName: {serverName}\ncaFile: {server.Certificates.CaFile}\n{extra}");

    [Fact]
    public async Task Run_GoodCertificate_Passes()
    {
        var result = await Tls("app.test");

        Assert.True(result.Outcome == CheckOutcome.Pass, Show(result));
        Assert.Contains(result.Phases, p => p.Name == "tls");
        Assert.Equal("89", result.Assertions[0].Actual);
    }

    [Fact]
    public async Task Run_ExpiresWithinWarnDays_IsDegraded()
    {
        var result = await Tls("soon.test", "minDaysUntilExpiry: 2\nwarnDaysUntilExpiry: 14");

        Assert.Equal(CheckOutcome.Degraded, result.Outcome);
        Assert.Matches(@"^the certificate expires in 5 days \(\d{4}-\d\d-\d\d\), fewer than warnDaysUntilExpiry 14$", result.Reason);
    }

    [Fact]
    public async Task Run_ExpiresWithinMinDays_Fails()
    {
        var result = await Tls("soon.test", "minDaysUntilExpiry: 7");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Contains("fewer than minDaysUntilExpiry 7", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ExpiredCertificate_FailsSayingSo()
    {
        var result = await Tls("expired.test");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.StartsWith("the certificate expired 1 days ago", result.Reason, StringComparison.Ordinal);
        Assert.Contains("certificate not trusted: expired or not yet valid", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WrongHost_FailsUnlessHostMatchIsNotRequired()
    {
        var wrong = await Tls("wrong.test");
        var allowed = await Tls("wrong.test", "requireHostnameMatch: false");

        Assert.Equal("certificate (CN=else.test) is not valid for wrong.test", wrong.Reason);
        Assert.True(allowed.Outcome == CheckOutcome.Pass, Show(allowed));
    }

    [Fact]
    public async Task Run_UntrustedChain_FailsUnlessChainIsNotRequired()
    {
        var untrusted = await RunAsync("tls", $"host: 127.0.0.1\nport: {server.HttpsPort}\nserverName: app.test");
        var allowed = await RunAsync("tls", $"host: 127.0.0.1\nport: {server.HttpsPort}\nserverName: app.test\nrequireValidChain: false");

        Assert.Equal(CheckOutcome.Fail, untrusted.Outcome);
        Assert.StartsWith("certificate not trusted:", untrusted.Reason, StringComparison.Ordinal);
        Assert.True(allowed.Outcome == CheckOutcome.Pass, Show(allowed));
    }

    [Fact]
    public async Task Run_NotTls_FailsTheHandshake()
    {
        var result = await RunAsync("tls", $"host: 127.0.0.1\nport: {server.HttpPort}\nrequireValidChain: false");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.StartsWith($"127.0.0.1:{server.HttpPort}: TLS handshake failed", result.Reason, StringComparison.Ordinal);
    }
}
