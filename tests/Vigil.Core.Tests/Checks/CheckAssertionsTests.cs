using System.Text;
using Vigil.Core.Checks;
using Vigil.Core.Declarative;

namespace Vigil.Core.Tests.Checks;

public sealed class CheckAssertionsTests
{
    private static HttpResponseView Response(int status = 200, string body = """{"id": 7, "state": "up", "tags": ["a"]}""", double? tlsDays = null) =>
        new(status, [new("Content-Type", "application/json"), new("X-Req", "r-1")], Encoding.UTF8.GetBytes(body), false, TimeSpan.FromMilliseconds(120), tlsDays);

    // One assertion as written in YAML, read by the real reader.
    private static CheckAssertion Assertion(string yaml)
    {
        var errors = new List<DocumentError>();
        var check = CheckYaml.Parse("a.yaml", $"apiVersion: vigil/v1\nkind: Check\nmetadata: {{name: a}}\nspec:\n  type: http\n  http:\n    url: http://a/\n    assertions:\n      - {yaml}\n", errors);
        Assert.True(check is not null, string.Join("\n", errors));
        return ((HttpCheckSpec)check!.Spec).Assertions[0];
    }

    [Theory]
    [InlineData("status: 200", "status == 200")]
    [InlineData("status: {in: [200, 204]}", "status in [200, 204]")]
    [InlineData("header: {name: X-Req, exists: true}", "header X-Req exists")]
    [InlineData("body: {matches: 'ok\\d+'}", "body matches /ok\\d+/")]
    [InlineData("jsonPath: {path: $.id, greaterThan: 3}", "$.id > 3")]
    [InlineData("responseTime: 500ms", "response time (ms) < 500")]
    public void Describe_IsReadable(string yaml, string expected) =>
        Assert.Equal(expected, CheckAssertions.Describe(Assertion(yaml)));

    [Theory]
    [InlineData("status: 201", "status was 200, expected 201")]
    [InlineData("status: {notEquals: 200}", "status was 200, expected anything but 200")]
    [InlineData("header: {name: X-Req, notContains: r-}", "header X-Req \"r-1\" contains \"r-\"")]
    [InlineData("header: {name: X-Req, exists: false}", "header X-Req is present (\"r-1\")")]
    [InlineData("body: {notMatches: 'up'}", "body matches /up/")]
    [InlineData("jsonPath: {path: $.state, equals: down}", "$.state was \"up\", expected down")]
    [InlineData("jsonPath: {path: $.state, notEquals: up}", "$.state was \"up\", expected anything but up")]
    [InlineData("jsonPath: {path: $.id, in: [1, 2]}", "$.id was 7, expected one of 1, 2")]
    [InlineData("jsonPath: {path: $.state, matches: '^d'}", "$.state \"up\" does not match /^d/")]
    [InlineData("responseTime: {lessThan: 100ms}", "response time was 120 ms, expected < 100 ms")]
    [InlineData("tlsDaysUntilExpiry: {greaterThan: 1}", "no TLS certificate (the response did not come over https)")]
    public void Evaluate_Failing_GivesAReadableReason(string yaml, string reason)
    {
        var result = CheckAssertions.Evaluate(Assertion(yaml), Response());

        Assert.False(result.Passed);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("status: {range: [200, 299]}")]
    [InlineData("header: {name: content-type, matches: '^application/'}")]
    [InlineData("jsonPath: {path: $.id, equals: 7.0}")]
    [InlineData("jsonPath: {path: $.id, lessThan: 8}")]
    [InlineData("jsonPath: {path: $.tags, contains: a}")]
    [InlineData("jsonPath: {path: $.state, contains: u}")]
    [InlineData("jsonPath: {path: $.nothing, exists: false}")]
    public void Evaluate_Holding_Passes(string yaml)
    {
        var result = CheckAssertions.Evaluate(Assertion(yaml), Response());

        Assert.True(result.Passed, result.Reason);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void Evaluate_TlsDays_ComparesWholeDays()
    {
        var result = CheckAssertions.Evaluate(Assertion("tlsDaysUntilExpiry: {greaterThan: 14}"), Response(tlsDays: 9.7));

        Assert.Equal("the certificate expires in 9 days, expected > 14", result.Reason);
    }

    [Fact]
    public void Evaluate_WithoutStatusAssertion_Requires2xx()
    {
        var results = CheckAssertions.Evaluate([Assertion("body: {contains: up}")], Response(status: 503));

        Assert.Equal("status was 503, expected 200..299", results[0].Reason);
        Assert.True(results[1].Passed);
    }

    [Fact]
    public void SecretMask_ReplacesEveryResolvedValue()
    {
        var mask = new SecretMask();
        var text = CheckTemplates.Expand("Bearer ${env:A} and ${env:B}", null, name => name == "A" ? "alpha-1" : "alpha-1-long", mask, out _);

        Assert.Equal("Bearer alpha-1 and alpha-1-long", text);
        Assert.Equal("got *** then ***", mask.Mask("got alpha-1-long then alpha-1"));
    }
}
