using Vigil.Core.Checks;
using static Vigil.Server.Tests.Checks.Runners.CheckRuns;

namespace Vigil.Server.Tests.Checks.Runners;

public sealed class HttpRunnerTests(CheckTargetServer server) : IClassFixture<CheckTargetServer>
{
    private async Task<CheckResult> Http(string path, string assertions, string extra = "", string spec = "timeout: 5s", Func<string, string?>? secrets = null) =>
        await RunAsync("http", $"url: {(path.StartsWith("https", StringComparison.Ordinal) ? path : server.Http + path)}\n{extra}\nassertions:\n{assertions}", spec, secrets);

    [Fact]
    public async Task Run_StatusEquals_PassesAndFailsWithReason()
    {
        var pass = await Http("/ok", "  - status: 200");
        var fail = await Http("/status/503", "  - status: 200");

        Assert.Equal(CheckOutcome.Pass, pass.Outcome);
        Assert.Equal(CheckOutcome.Fail, fail.Outcome);
        Assert.Equal("status was 503, expected 200", fail.Reason);
        Assert.Equal("status 503 here", fail.ResponseExcerpt);
    }

    [Fact]
    public async Task Run_StatusInAndRange_PassAndFail()
    {
        Assert.Equal(CheckOutcome.Pass, (await Http("/status/202", "  - status: {in: [200, 202]}")).Outcome);
        Assert.Equal(CheckOutcome.Pass, (await Http("/status/201", "  - status: {range: [200, 299]}")).Outcome);
        Assert.Equal("status was 404, expected one of 200, 202", (await Http("/status/404", "  - status: {in: [200, 202]}")).Reason);
        Assert.Equal("status was 500, expected 200..299", (await Http("/status/500", "  - status: {range: [200, 299]}")).Reason);
        Assert.Equal("status was 500, expected 200..299", (await Http("/status/500", "  - body: here")).Reason);
    }

    [Fact]
    public async Task Run_HeaderAssertions_PassAndFailWithReason()
    {
        var pass = await Http("/ok", """
              - header: {name: X-Test, exists: true}
              - header: {name: x-test, equals: abc-42}
              - header: {name: Content-Type, contains: text/plain}
              - header: {name: X-Test, matches: '^abc-\d+$'}
              - header: {name: X-Missing, exists: false}
            """);
        Assert.True(pass.Outcome == CheckOutcome.Pass, Show(pass));
        Assert.Equal(6, pass.Assertions.Count);

        Assert.Equal("header X-Missing is missing", (await Http("/ok", "  - header: {name: X-Missing, exists: true}")).Reason);
        Assert.Equal("header X-Test was \"abc-42\", expected \"abc-43\"", (await Http("/ok", "  - header: {name: X-Test, equals: abc-43}")).Reason);
        Assert.Equal("header Content-Type \"text/plain\" does not contain \"json\"", (await Http("/ok", "  - header: {name: Content-Type, contains: json}")).Reason);
        Assert.Equal("header X-Test \"abc-42\" does not match /^x/", (await Http("/ok", "  - header: {name: X-Test, matches: '^x'}")).Reason);
    }

    [Fact]
    public async Task Run_BodyAssertions_PassAndFailWithReason()
    {
        var pass = await Http("/ok", """
              - body: {contains: all good}
              - body: {notContains: error}
              - body: {matches: 'ok \d+'}
            """);
        Assert.True(pass.Outcome == CheckOutcome.Pass, Show(pass));

        Assert.Equal("body does not contain \"nope\"", (await Http("/ok", "  - body: {contains: nope}")).Reason);
        Assert.Equal("body contains \"good\"", (await Http("/ok", "  - body: {notContains: good}")).Reason);
        Assert.Equal(@"body does not match /ok\d+/", (await Http("/ok", @"  - body: {matches: 'ok\d+'}")).Reason);
    }

    [Fact]
    public async Task Run_JsonPathAssertions_PassAndFailWithReason()
    {
        var pass = await Http("/json", """
              - jsonPath: {path: $.id, exists: true}
              - jsonPath: {path: $.id, equals: 7}
              - jsonPath: {path: "$['name']", equals: vigil}
              - jsonPath: {path: $.name, notEquals: other}
              - jsonPath: {path: $.price, lessThan: 13}
              - jsonPath: {path: $.nested.n, greaterThan: 4}
              - jsonPath: {path: $.tags, contains: b}
              - jsonPath: {path: '$.tags[-1]', equals: b}
              - jsonPath: {path: '$.nested.items[*].sku', equals: x2}
              - jsonPath: {path: $..sku, contains: x1}
              - jsonPath: {path: $.missing, exists: false}
            """);
        Assert.True(pass.Outcome == CheckOutcome.Pass, Show(pass));

        Assert.Equal("$.missing: no such path in the response", (await Http("/json", "  - jsonPath: {path: $.missing, exists: true}")).Reason);
        Assert.Equal("$.id was 7, expected 8", (await Http("/json", "  - jsonPath: {path: $.id, equals: 8}")).Reason);
        Assert.Equal("$.price was 12.5, expected < 10", (await Http("/json", "  - jsonPath: {path: $.price, lessThan: 10}")).Reason);
        Assert.Equal("$.name was \"vigil\", not a number", (await Http("/json", "  - jsonPath: {path: $.name, greaterThan: 1}")).Reason);
        Assert.Equal("$.tags [\"a\",\"b\"] does not contain c", (await Http("/json", "  - jsonPath: {path: $.tags, contains: c}")).Reason);
        Assert.StartsWith("$.id: the response is not JSON", (await Http("/ok", "  - jsonPath: {path: $.id, exists: true}")).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ResponseTime_PassesUnderLimitAndFailsOverIt()
    {
        var pass = await Http("/ok", "  - responseTime: 4s");
        // The server waits 200 ms before answering, so the response cannot come within 50 ms.
        var fail = await Http("/slow?ms=200", "  - responseTime: {lessThan: 50ms}");

        Assert.Equal(CheckOutcome.Pass, pass.Outcome);
        Assert.Matches(@"^response time was \d+ ms, expected < 50 ms$", fail.Reason);
    }

    [Fact]
    public async Task Run_SoftAssertionFailing_IsDegraded()
    {
        var result = await Http("/ok", """
              - status: 200
              - body: {contains: nope}
                soft: true
            """);

        Assert.Equal(CheckOutcome.Degraded, result.Outcome);
        Assert.Equal("body does not contain \"nope\"", result.Reason);
        Assert.True(result.Assertions.Single(a => !a.Passed).Soft);
    }

    [Fact]
    public async Task Run_Redirects_FollowedUpToTheLimit()
    {
        var followed = await Http("/redirect", "  - body: {contains: ok 123}");
        var notFollowed = await Http("/redirect", "  - status: 302", "followRedirects: false");
        var loop = await Http("/loop", "  - status: 200", "maxRedirects: 3");

        Assert.True(followed.Outcome == CheckOutcome.Pass, Show(followed));
        Assert.Equal(CheckOutcome.Pass, notFollowed.Outcome);
        Assert.Equal($"GET {server.Http}/loop: more than 3 redirects", loop.Reason);
    }

    [Fact]
    public async Task Run_Http_ReportsPhasesAndOpensAFreshConnectionEachRun()
    {
        var check = Parse("http", $"url: {server.Http}/ok");
        var before = server.Connections.Count;
        var first = await RunAsync(check);
        var second = await RunAsync(check);

        Assert.Equal(["connect", "dns", "first_byte", "transfer"], first.Phases.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(first.Phases, p => p.Name == "tls");
        Assert.Equal(CheckOutcome.Pass, second.Outcome);
        var ids = server.Connections.Skip(before).ToList();
        Assert.Equal(2, ids.Count);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task Run_HttpsWithCaFile_PassesWithTlsPhaseAndDays()
    {
        var result = await Http(server.Https + "/ok", "  - tlsDaysUntilExpiry: {greaterThan: 30}", $"tls: {{caFile: {server.Certificates.CaFile}}}");

        Assert.True(result.Outcome == CheckOutcome.Pass, Show(result));
        Assert.Contains(result.Phases, p => p.Name == "tls");
        Assert.Equal("89", result.Assertions.Single(a => a.Description.StartsWith("TLS", StringComparison.Ordinal)).Actual);
    }

    [Fact]
    public async Task Run_HttpsTlsDaysBelowLimit_FailsWithReason()
    {
        var result = await Http(server.Https + "/ok", "  - tlsDaysUntilExpiry: {greaterThan: 14}", $"tls: {{caFile: {server.Certificates.CaFile}, serverName: soon.test}}");

        Assert.Equal("the certificate expires in 5 days, expected > 14", result.Reason);
    }

    [Fact]
    public async Task Run_HttpsUntrusted_FailsUnlessInsecureSkipVerify()
    {
        var untrusted = await Http(server.Https + "/ok", "  - status: 200");
        var skipped = await Http(server.Https + "/ok", "  - status: 200", "tls: {insecureSkipVerify: true}");
        var wrongHost = await Http(server.Https + "/ok", "  - status: 200", $"tls: {{caFile: {server.Certificates.CaFile}, serverName: wrong.test}}");

        Assert.Equal(CheckOutcome.Fail, untrusted.Outcome);
        Assert.Contains("certificate not trusted", untrusted.Reason, StringComparison.Ordinal);
        Assert.True(skipped.Outcome == CheckOutcome.Pass, Show(skipped));
        Assert.Equal($"GET {server.Https}/ok: certificate (CN=else.test) is not valid for wrong.test", wrongHost.Reason);
    }

    [Fact]
    public async Task Run_SecretInHeader_IsSentButMaskedInReasonAndExcerpt()
    {
        var result = await Http(
            "/echo",
            "  - body: {contains: nothing-like-this}",
            "headers:\n  Authorization: 'Token ${env:API_TOKEN}'\n  X-Api-Key: '${env:API_TOKEN}'",
            secrets: name => name == "API_TOKEN" ? "s3cr3t-value" : null);

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Contains("Authorization: Token ***", result.ResponseExcerpt, StringComparison.Ordinal);
        Assert.Contains("X-Api-Key: ***", result.ResponseExcerpt, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", Show(result) + result.ResponseExcerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BasicAuthWithSecretPassword_MasksTheEncodedCredentials()
    {
        var result = await Http(
            "/echo",
            "  - body: {contains: nothing-like-this}",
            "auth: {basic: {username: probe, password: '${env:PROBE_PASSWORD}'}}",
            secrets: name => name == "PROBE_PASSWORD" ? "pw-9876" : null);

        Assert.Contains("Authorization: Basic ***", result.ResponseExcerpt, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String("probe:pw-9876"u8.ToArray()), result.ResponseExcerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CaFileMissing_FailsNamingTheFile()
    {
        var result = await Http(server.Https + "/ok", "  - status: 200", "tls: {caFile: /nonexistent/ca.pem}");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.StartsWith($"GET {server.Https}/ok: caFile /nonexistent/ca.pem: ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SecretNotSet_FailsNamingTheVariable()
    {
        var result = await Http("/ok", "  - status: 200", "auth: {bearer: '${env:MISSING_TOKEN}'}");

        Assert.Equal("secret MISSING_TOKEN is not set in the environment of the process running the check", result.Reason);
    }

    [Fact]
    public async Task Run_ConnectionRefused_FailsWithoutThrowing()
    {
        var port = Integration.PrometheusProcess.FreePort();
        var result = await RunAsync("http", $"url: http://127.0.0.1:{port}/");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Equal($"GET http://127.0.0.1:{port}/: connection refused", result.Reason);
        Assert.Contains(result.Phases, p => p.Name == "connect");
    }

    [Fact]
    public async Task Run_SlowerThanTimeout_FailsAsTimedOut()
    {
        var result = await Http("/slow?ms=5000", "  - status: 200", spec: "timeout: 200ms");

        Assert.Equal("timed out after 200ms", result.Reason);
        Assert.Equal(1, result.Attempts);
    }
}
