using Vigil.Core.Checks;
using static Vigil.Server.Tests.Checks.Runners.CheckRuns;

namespace Vigil.Server.Tests.Checks.Runners;

public sealed class FlowRunnerTests(CheckTargetServer server) : IClassFixture<CheckTargetServer>
{
    private string Flow(string itemName) => $$$"""
        variables:
          base: {{{server.Http}}}
          user: alice
        steps:
          - name: login
            method: POST
            url: '{{base}}/login'
            headers: {Content-Type: application/json}
            body: '{"user": "{{user}}", "password": "${env:FLOW_PASSWORD}"}'
            assertions:
              - status: 200
            extract:
              - {name: token, jsonPath: $.token}
          - name: create
            method: POST
            url: '{{base}}/items'
            auth: {bearer: '{{token}}'}
            headers: {Content-Type: application/json}
            body: '{"name": "{{{itemName}}}"}'
            assertions:
              - status: 201
            extract:
              - {name: id, jsonPath: $.id}
          - name: fetch
            url: '{{base}}/items/{{id}}'
            auth: {bearer: '{{token}}'}
            assertions:
              - jsonPath: {path: $.owner, equals: alice}
              - body: {matches: '"id":\d+'}
        teardown:
          - name: logout
            method: POST
            url: '{{base}}/logout'
            auth: {bearer: '{{token}}'}
            assertions:
              - status: 204
        """;

    private static string? Password(string name) => name == "FLOW_PASSWORD" ? "pw-secret" : null;

    [Fact]
    public async Task Run_ThreeSteps_PassVariablesAlong()
    {
        var before = server.LoggedOut.Count;

        var result = await RunAsync("flow", Flow("widget"), secrets: Password);

        Assert.True(result.Outcome == CheckOutcome.Pass, Show(result));
        Assert.Equal(["login", "create", "fetch", "teardown: logout"], result.Steps.Select(s => s.Name));
        Assert.All(result.Steps, s => Assert.Equal(CheckOutcome.Pass, s.Outcome));
        Assert.Equal("Bearer tok-alice", server.LoggedOut.Skip(before).Single());
        Assert.Contains(result.Phases, p => p.Name == "first_byte");
    }

    [Fact]
    public async Task Run_CreateStepFails_SkipsFetchRunsTeardownAndSaysWhy()
    {
        var before = server.LoggedOut.Count;

        var result = await RunAsync("flow", Flow("fail"), secrets: Password);

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Equal("step 'create' failed: status was 500, expected 201; 1 later step skipped", result.Reason);
        Assert.Equal(["login", "create", "teardown: logout"], result.Steps.Select(s => s.Name));
        Assert.Equal(CheckOutcome.Pass, result.Steps[^1].Outcome);
        Assert.Equal("Bearer tok-alice", server.LoggedOut.Skip(before).Single());
        Assert.Contains("database unavailable", result.ResponseExcerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StepTimesOut_TeardownStillRuns()
    {
        var flow = $$$"""
            steps:
              - name: slow
                url: {{{server.Http}}}/slow?ms=10000
              - name: never
                url: {{{server.Http}}}/ok
            teardown:
              - name: logout
                method: POST
                url: {{{server.Http}}}/logout
                headers: {Authorization: after-timeout}
                assertions: [{status: 204}]
            """;
        var before = server.LoggedOut.Count;

        var result = await RunAsync("flow", flow, "timeout: 300ms");

        Assert.Equal("step 'slow' failed: timed out (the flow's timeout is 300ms); 1 later step skipped", result.Reason);
        Assert.Equal("after-timeout", server.LoggedOut.Skip(before).Single());
        Assert.Equal(CheckOutcome.Pass, result.Steps[^1].Outcome);
    }

    [Fact]
    public async Task Run_ExtractionMissing_FailsTheStepReadably()
    {
        var flow = $$$"""
            steps:
              - name: fetch
                url: {{{server.Http}}}/json
                extract:
                  - {name: token, jsonPath: $.token}
              - name: never
                url: '{{{server.Http}}}/items/{{token}}'
            """;

        var result = await RunAsync("flow", flow);

        Assert.Equal("step 'fetch' failed: extract token: $.token: no such path in the response; 1 later step skipped", result.Reason);
    }

    [Fact]
    public async Task Run_HeaderAndRegexExtraction_FeedLaterSteps()
    {
        var flow = $$$"""
            steps:
              - name: first
                url: {{{server.Http}}}/ok
                extract:
                  - {name: tag, header: X-Test}
                  - {name: number, regex: 'ok (\d+)'}
              - name: second
                url: '{{{server.Http}}}/echo'
                headers: {X-Seen: '{{tag}}/{{number}}'}
                assertions:
                  - body: {contains: 'X-Seen: abc-42/123'}
            """;

        var result = await RunAsync("flow", flow);

        Assert.True(result.Outcome == CheckOutcome.Pass, Show(result));
    }

    [Fact]
    public async Task Run_SecretPasswordInBody_NeverAppearsInTheResult()
    {
        var flow = $$$"""
            steps:
              - name: echo
                method: POST
                url: {{{server.Http}}}/login
                headers: {Content-Type: application/json}
                body: '{"user": "bob", "password": "${env:FLOW_PASSWORD}x"}'
                assertions:
                  - status: 200
            """;

        var result = await RunAsync("flow", flow, secrets: Password);

        Assert.Equal("step 'echo' failed: status was 401, expected 200", result.Reason);
        Assert.DoesNotContain("pw-secret", Show(result) + result.ResponseExcerpt, StringComparison.Ordinal);
    }
    private string LoginThenEcho(string extraction) => $$$"""
        steps:
          - name: login
            method: POST
            url: {{{server.Http}}}/login
            headers: {Content-Type: application/json}
            body: '{"user": "alice", "password": "${env:FLOW_PASSWORD}"}'
            extract:
              - {{{extraction}}}
          - name: echo
            url: '{{{server.Http}}}/echo'
            headers: {X-Seen: 'seen {{session}}'}
            assertions:
              - body: {contains: 'never-there'}
        """;

    [Theory]
    [InlineData("{name: session, jsonPath: $.token}", "tok-alice")]            // not secret by name or shape: kept
    [InlineData("{name: session_token, jsonPath: $.token}", null)]             // secret by name
    [InlineData("{name: session, jsonPath: $.token, secret: true}", null)]     // secret because the document says so
    public async Task Run_ExtractedValue_IsMaskedWhenSecret(string extraction, string? visible)
    {
        var flow = LoginThenEcho(extraction).Replace("{{session}}", extraction.Contains("session_token", StringComparison.Ordinal) ? "{{session_token}}" : "{{session}}", StringComparison.Ordinal);

        var result = await RunAsync("flow", flow, secrets: Password);

        Assert.True(result.Outcome == CheckOutcome.Fail, Show(result));
        var everything = Show(result) + result.ResponseExcerpt;
        if (visible is null)
        {
            Assert.DoesNotContain("tok-alice", everything, StringComparison.Ordinal);
            Assert.Contains("X-Seen: seen ***", result.ResponseExcerpt, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("X-Seen: seen " + visible, result.ResponseExcerpt, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_JwtShapedValue_IsMaskedWhateverItsName()
    {
        const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJl";
        var flow = $$$"""
            variables:
              value: {{{Jwt}}}
            steps:
              - name: first
                url: '{{{server.Http}}}/echo'
                headers: {X-Value: '{{value}}'}
                extract:
                  - {name: seen, regex: 'X-Value: (\S+)'}
              - name: second
                url: '{{{server.Http}}}/echo'
                headers: {X-Again: '{{seen}}'}
                assertions:
                  - body: {contains: 'never-there'}
            """;

        var result = await RunAsync("flow", flow);

        Assert.True(result.Outcome == CheckOutcome.Fail, Show(result));
        Assert.Contains("X-Again: ***", result.ResponseExcerpt, StringComparison.Ordinal);
        Assert.DoesNotContain(Jwt, Show(result) + result.ResponseExcerpt, StringComparison.Ordinal);
    }
}
