using Vigil.Core.Checks;
using Vigil.Core.Declarative;

namespace Vigil.Core.Tests.Checks;

public sealed class CheckYamlTests
{
    private static string Doc(string spec) => $"""
        apiVersion: vigil/v1
        kind: Check
        metadata:
          name: checkout-health
          labels: {"{"}service: checkout, environment: prod{"}"}
        spec:
        {spec}
        """;

    private static (CheckDefinition? Check, List<string> Errors) Parse(string text)
    {
        var errors = new List<DocumentError>();
        var check = CheckYaml.Parse("checks.yaml", text, errors);
        return (check, errors.Select(e => e.ToString()).ToList());
    }

    private static string SingleError(string spec)
    {
        var (check, errors) = Parse(Doc(spec));
        Assert.Null(check);
        return Assert.Single(errors);
    }

    [Fact]
    public void Parse_MinimalHttp_HasTheDefaults()
    {
        var (check, errors) = Parse(Doc("""
              type: http
              http:
                url: https://shop.example.com/health
            """));

        Assert.Empty(errors);
        Assert.NotNull(check);
        Assert.Equal("checkout-health", check.Name);
        Assert.Equal(CheckType.Http, check.Type);
        Assert.Equal(TimeSpan.FromSeconds(60), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), check.Timeout);
        Assert.Equal(RetryPolicy.None, check.Retry);
        Assert.Equal([CheckDefinition.LocalLocation], check.Locations);
        Assert.Equal(1, check.Quorum);
        Assert.Null(check.DegradedAfter);
        Assert.Equal("checkout", check.Service);
        Assert.Equal("prod", check.Environment);
        var http = Assert.IsType<HttpCheckSpec>(check.Spec);
        Assert.Equal("GET", http.Method);
        Assert.True(http.FollowRedirects);
        Assert.Equal(10, http.MaxRedirects);
        Assert.Empty(http.Assertions);
    }

    [Fact]
    public void Parse_FullHttp_ReadsEveryField()
    {
        var (check, errors) = Parse(Doc("""
              type: http
              interval: 30s
              timeout: 5s
              retries: {count: 2, backoff: 500ms, multiplier: 3}
              locations: [local, eu-west, us-east]
              degradedAfter: 2s
              maintenance:
                - {from: '2026-05-01T02:00:00Z', until: '2026-05-01T03:00:00Z'}
                - {days: [sat, sun], from: '23:00', until: '01:00'}
              http:
                url: https://shop.example.com/api/orders?limit=1
                method: post
                headers: {X-Api-Key: '${env:SHOP_KEY}', Accept: application/json}
                body: '{"probe": true}'
                auth: {basic: {username: probe, password: '${env:SHOP_PASSWORD}'}}
                followRedirects: false
                maxRedirects: 3
                tls: {insecureSkipVerify: false, caFile: /etc/ca.pem, serverName: shop.internal}
                assertions:
                  - status: {in: [200, 201]}
                  - header: {name: Content-Type, contains: json}
                  - jsonPath: {path: '$.items[0].id', exists: true}
                  - body: {matches: 'ok\d+'}
                    soft: true
                  - responseTime: 800ms
                  - tlsDaysUntilExpiry: {greaterThan: 14}
            """));

        Assert.Empty(errors);
        Assert.NotNull(check);
        Assert.Equal(TimeSpan.FromSeconds(30), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), check.Timeout);
        Assert.Equal(new RetryPolicy(2, TimeSpan.FromMilliseconds(500), 3), check.Retry);
        Assert.Equal(["local", "eu-west", "us-east"], check.Locations);
        Assert.Equal(2, check.Quorum);
        Assert.Equal(TimeSpan.FromSeconds(2), check.DegradedAfter);
        Assert.Equal(2, check.Maintenance.Count);
        Assert.Equal([DayOfWeek.Saturday, DayOfWeek.Sunday], check.Maintenance[1].Days);
        Assert.Equal(new TimeOnly(23, 0), check.Maintenance[1].DailyFrom);
        var http = Assert.IsType<HttpCheckSpec>(check.Spec);
        Assert.Equal("POST", http.Method);
        Assert.Equal("${env:SHOP_KEY}", http.Headers[0].Value);
        Assert.Equal(new HttpAuth("probe", "${env:SHOP_PASSWORD}", null), http.Auth);
        Assert.Equal(new TlsClientOptions(false, "/etc/ca.pem", "shop.internal"), http.Tls);
        Assert.Equal(6, http.Assertions.Count);
        Assert.True(http.Assertions[3].Soft);
        Assert.Equal(AssertionOperator.LessThan, http.Assertions[4].Operator);
        Assert.Equal(["800"], http.Assertions[4].Values);
    }

    [Fact]
    public void Parse_ShortInterval_DefaultTimeoutIsEightyPercent()
    {
        var (check, _) = Parse(Doc("""
              type: tcp
              interval: 5s
              tcp: {host: db.internal, port: 5432}
            """));

        Assert.Equal(TimeSpan.FromSeconds(4), check!.Timeout);
    }

    [Fact]
    public void Parse_BadYaml_ReportsFileLineAndColumn()
    {
        var (check, errors) = Parse("apiVersion: vigil/v1\nkind: Check\nspec:\n  type: [http\n");

        Assert.Null(check);
        Assert.StartsWith("checks.yaml:5:", Assert.Single(errors), StringComparison.Ordinal);
        Assert.Contains("YAML syntax error", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownType_IsRejectedAtTheValue()
    {
        var (check, errors) = Parse(Doc("  type: icmp\n  icmp: {host: a}"));

        Assert.Null(check);
        Assert.Equal(
            [
                "checks.yaml:7:9: spec.type: unknown check type 'icmp' (known: http, tcp, dns, tls, grpc, flow)",
                "checks.yaml:8:3: spec.icmp: unknown key (known: type, interval, timeout, retries, locations, quorum, degradedAfter, maintenance, http, tcp, dns, tls, grpc, flow)",
            ],
            errors);
    }

    [Fact]
    public void Parse_BrowserType_SaysBrowserChecksAreNotSupported()
    {
        var (_, errors) = Parse(Doc("  type: browser"));

        Assert.Contains(errors, e => e.Contains("browser checks are not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_InvalidRegex_IsRejectedWithPosition()
    {
        var error = SingleError("""
              type: http
              http:
                url: http://a.example/
                assertions:
                  - body: {matches: 'ok(\d+'}
            """);

        Assert.StartsWith("checks.yaml:11:25: spec.http.assertions[0].body.matches: invalid regular expression /ok(\\d+/:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidJsonPath_IsRejectedWithPosition()
    {
        var error = SingleError("""
              type: http
              http:
                url: http://a.example/
                assertions:
                  - jsonPath: {path: '$.items[', exists: true}
            """);

        Assert.Equal("checks.yaml:11:26: spec.http.assertions[0].jsonPath.path: invalid JSON path '$.items[': expected ']' to close '[' at character 8", error);
    }

    [Theory]
    [InlineData("  type: http\n  interval: 10x\n  http: {url: 'http://a/'}", "checks.yaml:8:13: spec.interval: '10x'")]
    [InlineData("  type: http\n  interval: 10s\n  timeout: 10s\n  http: {url: 'http://a/'}", "checks.yaml:9:12: spec.timeout: 10s must be shorter than the interval 10s")]
    [InlineData("  type: http\n  locations: [a, b]\n  quorum: 3\n  http: {url: 'http://a/'}", "checks.yaml:9:11: spec.quorum: 3 is out of range (1 <= quorum <= 2, the number of locations)")]
    [InlineData("  type: http\n  http: {url: 'ftp://a/'}", "checks.yaml:8:15: spec.http.url: 'ftp://a/' is not an absolute http:// or https:// URL")]
    [InlineData("  type: http\n  http: {url: 'http://a/', headers: {X-Key: '${API-KEY}'}}", "checks.yaml:8:45: spec.http.headers.X-Key: '${API-KEY}' is not a secret reference")]
    [InlineData("  type: http\n  http: {url: 'http://a/', bogus: 1}", "checks.yaml:8:28: spec.http.bogus: unknown key")]
    [InlineData("  type: http\n  http: {url: 'http://a/'}\n  tcp: {host: a, port: 1}", "checks.yaml:9:3: spec.tcp: does not apply to a check of type http")]
    [InlineData("  type: dns\n  dns: {name: a.test, recordType: PTR}", "checks.yaml:8:35: spec.dns.recordType: unknown record type 'PTR'")]
    [InlineData("  type: tls\n  tls: {host: a.test, minDaysUntilExpiry: 30, warnDaysUntilExpiry: 7}", "checks.yaml:8:68: spec.tls.warnDaysUntilExpiry: 7 is below minDaysUntilExpiry 30")]
    [InlineData("  type: grpc\n  grpc: {address: nohost}", "checks.yaml:8:19: spec.grpc.address: 'nohost' is not host:port")]
    [InlineData("  type: http\n  maintenance: [{from: '2026-05-01', until: '2026-05-02T00:00:00Z'}]\n  http: {url: 'http://a/'}", "checks.yaml:8:24: spec.maintenance[0].from: '2026-05-01' is not an RFC 3339 time")]
    [InlineData("  type: http\n  maintenance: [{days: [funday], from: '01:00', until: '02:00'}]\n  http: {url: 'http://a/'}", "checks.yaml:8:25: spec.maintenance[0].days: 'funday' is not a day")]
    [InlineData("  type: http\n  retries: {count: 11}\n  http: {url: 'http://a/'}", "checks.yaml:8:20: spec.retries.count: 11 is out of range (0 to 10)")]
    [InlineData("  type: http\n  http: {url: 'http://a/', assertions: [{status: 700}]}", "checks.yaml:8:50: spec.http.assertions[0].status: 700 is not an HTTP status")]
    [InlineData("  type: http\n  http: {url: 'http://a/', assertions: [{header: {name: X, bogus: 1}}]}", "checks.yaml:8:60: spec.http.assertions[0].header.bogus: unknown key")]
    [InlineData("  type: http\n  http: {url: 'http://a/', assertions: [{status: 200, body: x}]}", "checks.yaml:8:41: spec.http.assertions[0]: an assertion has exactly one of")]
    public void Parse_BadValue_IsRejectedWithFileLineColumnAndReason(string spec, string expected)
    {
        Assert.StartsWith(expected, SingleError(spec), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FlowWithUndefinedVariable_IsRejected()
    {
        var error = SingleError("""
              type: flow
              flow:
                variables: {base: 'http://a.example'}
                steps:
                  - name: one
                    url: '{{base}}/login'
                    extract: [{name: token, jsonPath: $.token}]
                  - name: two
                    url: '{{base}}/items'
                    headers: {Authorization: 'Bearer {{tokn}}'}
            """);

        Assert.StartsWith("checks.yaml:16:34: spec.flow.steps[1].headers.Authorization: '{{tokn}}' is not a variable defined before it (defined: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FlowExtractionSecretNotABoolean_IsRejected()
    {
        var error = SingleError("""
              type: flow
              flow:
                steps:
                  - name: one
                    url: 'http://a.example/login'
                    extract: [{name: token, jsonPath: $.token, secret: maybe}]
            """);

        Assert.Equal("checks.yaml:12:60: spec.flow.steps[0].extract[0].secret: expected true or false, not 'maybe'", error);
    }

    [Fact]
    public void Parse_Flow_ReadsStepsExtractionsAndTeardown()
    {
        var (check, errors) = Parse(Doc("""
              type: flow
              flow:
                variables: {base: 'http://a.example'}
                setup:
                  - {name: reset, method: DELETE, url: '{{base}}/state'}
                steps:
                  - name: login
                    method: POST
                    url: '{{base}}/login'
                    body: '{"password": "${env:PW}"}'
                    extract:
                      - {name: token, jsonPath: $.token}
                      - {name: etag, header: ETag}
                      - {name: id, regex: 'id=(\d+)', group: 1, secret: false}
                      - {name: code, header: X-Code, secret: true}
                  - name: fetch
                    url: '{{base}}/items/{{id}}'
                teardown:
                  - {name: logout, method: POST, url: '{{base}}/logout', auth: {bearer: '{{token}}'}}
            """));

        Assert.Empty(errors);
        var flow = Assert.IsType<FlowCheckSpec>(check!.Spec);
        Assert.Equal("reset", Assert.Single(flow.Setup).Name);
        Assert.Equal(["login", "fetch"], flow.Steps.Select(s => s.Name));
        Assert.Equal([ExtractionSource.JsonPath, ExtractionSource.Header, ExtractionSource.Regex, ExtractionSource.Header], flow.Steps[0].Extract.Select(e => e.Source));
        Assert.Equal([null, null, false, true], flow.Steps[0].Extract.Select(e => e.Secret));
        Assert.Equal("{{token}}", flow.Teardown[0].Request.Auth!.BearerToken);
    }

    [Fact]
    public void Parse_ManyProblems_AreAllReportedInFileOrder()
    {
        var (_, errors) = Parse(Doc("""
              type: http
              interval: 0s
              http:
                url: nope
                assertions:
                  - body: {matches: '('}
            """));

        Assert.Equal(3, errors.Count);
        Assert.Equal(errors.OrderBy(e => int.Parse(e.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)), errors);
    }

    [Fact]
    public void DeclarativeKinds_Default_ValidatesChecksOnApply()
    {
        var errors = new List<DocumentError>();
        var documents = DeclarativeReader.Read(
            [new DeclarativeFile("checks.yaml", "---\n" + Doc("  type: icmp\n"))],
            DeclarativeKinds.Default,
            DeclarativeValidationContext.Offline,
            errors);

        Assert.NotNull(DeclarativeKinds.Default.Find("Check"));
        Assert.Empty(documents);
        Assert.Contains(errors, e => e.ToString().StartsWith("checks.yaml:8:9: spec.type: unknown check type 'icmp'", StringComparison.Ordinal));
    }
}
