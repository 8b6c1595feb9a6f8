using System.Net;
using System.Net.Http.Json;
using System.Text;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;
using static Vigil.Server.Tests.Checks.CheckTestSupport;

namespace Vigil.Server.Tests.Checks;

/// <summary>One real server with a target and two checks: a 2-of-3 check at local, eu-west and us-east, and a local-only one.</summary>
public sealed class AgentServerFixture : IAsyncLifetime
{
    public const int MaxBatch = 3;

    public FlippingTarget Target { get; private set; } = null!;

    public VigilServerProcess Vigil { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Target = await FlippingTarget.StartAsync();
        Vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment(("VIGIL__CHECKS__MAXAGENTBATCH", MaxBatch.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        using var client = new VigilClient(Vigil.HttpAddress);
        await ApplyAsync(
            client,
            HttpCheck("multi", Target.HealthUrl, interval: "5s", locations: "[local, eu-west, us-east]", quorum: 2),
            HttpCheck("local-only", Target.HealthUrl, interval: "5s"));
        await WaitForAsync(() => client.ListChecksAsync(), r => r.Checks.Count == 2, "both checks to load");
    }

    public async Task DisposeAsync()
    {
        await Vigil.DisposeAsync();
        await Target.DisposeAsync();
    }
}

/// <summary>The agent endpoints and the check reads: validation naming the field, and agent results counting like local ones.</summary>
public sealed class AgentEndpointTests(AgentServerFixture fixture) : IClassFixture<AgentServerFixture>
{
    private readonly VigilServerProcess _vigil = fixture.Vigil;

    [Theory]
    [InlineData("/api/v1/agent/checks")]
    [InlineData("/api/v1/agent/checks?location=")]
    [InlineData("/api/v1/agent/checks?location=bad%20name")]
    [InlineData("/api/v1/agent/checks?location=-leading-dash")]
    [InlineData("/api/v1/agent/checks?location=local")]
    public async Task AgentChecks_MissingOrInvalidLocation_400NamingLocation(string route)
    {
        using var http = _vigil.CreateClient();

        await AssertBadRequestAsync(await http.GetAsync(route), "location");
    }

    [Fact]
    public async Task AgentChecks_Location_AnswersTheAssignedChecksAsStoredYaml()
    {
        using var client = new VigilClient(_vigil.HttpAddress);

        var west = await client.GetAgentChecksAsync("eu-west");
        var nowhere = await client.GetAgentChecksAsync("ap-south");

        var check = Assert.Single(west.Checks);
        Assert.Equal("multi", check.Name);
        Assert.Contains("name: multi", check.Yaml, StringComparison.Ordinal);
        Assert.Contains("kind: Check", check.Yaml, StringComparison.Ordinal);
        Assert.Empty(nowhere.Checks);
    }

    [Theory]
    [InlineData("unknown-check", "eu-west", "pass", "results[0].check")]
    [InlineData("local-only", "eu-west", "pass", "results[0].location")]
    [InlineData("multi", "us-east", "pass", "results[0].location")]
    [InlineData("multi", "eu-west", "broken", "results[0].outcome")]
    public async Task AgentResults_BadResult_400NamingTheFieldAndNothingAccepted(string check, string resultLocation, string outcome, string field)
    {
        using var http = _vigil.CreateClient();
        var good = AgentResult("multi", "eu-west", "fail", "first of the batch");

        var response = await http.PostAsJsonAsync("/api/v1/agent/results", new AgentResultsRequest("eu-west", [AgentResult(check, resultLocation, outcome), good]), VigilJson.Options);

        var detail = await AssertBadRequestAsync(response, field);
        Assert.Contains("nothing was accepted", detail, StringComparison.Ordinal);
        var stored = await new VigilClient(_vigil.HttpAddress).GetCheckResultsAsync("multi", "eu-west");
        Assert.DoesNotContain(stored.Results, r => r.Reason == "first of the batch");
    }

    [Fact]
    public async Task AgentResults_BadTimesSizesAndBatch_400NamingTheField()
    {
        using var http = _vigil.CreateClient();
        var now = TimeProvider.System.GetUtcNow();
        var ok = AgentResult("multi", "eu-west", "pass");

        await AssertBadRequestAsync(await Post(http, "eu-west", ok with { StartedAt = now.AddHours(1), ScheduledAt = now.AddHours(1) }), "results[0].startedAt");
        await AssertBadRequestAsync(await Post(http, "eu-west", ok with { StartedAt = now.AddDays(-2), ScheduledAt = now.AddDays(-2) }), "results[0].startedAt");
        await AssertBadRequestAsync(await Post(http, "eu-west", ok with { ScheduledAt = now.AddHours(-3) }), "results[0].scheduledAt");
        await AssertBadRequestAsync(await Post(http, "eu-west", ok with { Seconds = -1 }), "results[0].seconds");
        await AssertBadRequestAsync(await Post(http, "eu-west", ok with { ResponseExcerpt = new string('x', 2000) }), "results[0].responseExcerpt");
        await AssertBadRequestAsync(await Post(http, "eu-west", ok with { Phases = [new CheckPhaseDto("DNS lookup", 0.1)] }), "results[0].phases[0].name");
        await AssertBadRequestAsync(await Post(http, "eu-west", ok, ok, ok, ok), "results");
        await AssertBadRequestAsync(await Post(http, "bad name", ok), "location");
        var nan = """{"location":"eu-west","results":[{"check":"multi","location":"eu-west","scheduledAt":"NOW","startedAt":"NOW","seconds":"NaN","outcome":"pass","attempts":1,"inMaintenance":false,"phases":[],"assertions":[],"steps":[]}]}"""
            .Replace("NOW", now.ToString("O"), StringComparison.Ordinal);
        await AssertBadRequestAsync(await http.PostAsync("/api/v1/agent/results", new StringContent(nan, Encoding.UTF8, "application/json")), "results[0].seconds");
        await AssertBadRequestAsync(await http.PostAsync("/api/v1/agent/results", new StringContent("{\"location\": 5}", Encoding.UTF8, "application/json")), "location");
    }

    [Fact]
    public async Task AgentResults_TwoOfThreeFailing_QuorumFailsNamingLocations()
    {
        using var client = new VigilClient(_vigil.HttpAddress);
        await WaitForAsync(() => client.GetCheckAsync("multi"), c => c.LatestByLocation.Any(r => r.Location == "local" && r.Outcome == "pass"), "a local pass");

        var accepted = await client.PostAgentResultsAsync(new AgentResultsRequest("eu-west", [AgentResult("multi", "eu-west", "fail", "connection reset by peer")]));
        var oneFailing = await WaitForAsync(() => client.GetCheckAsync("multi"), c => c.LatestByLocation.Any(r => r.Location == "eu-west"), "the eu-west result");
        await client.PostAgentResultsAsync(new AgentResultsRequest("us-east", [AgentResult("multi", "us-east", "fail", "timeout after 2s")]));
        var twoFailing = await WaitForAsync(() => client.GetCheckAsync("multi"), c => c.Status == "fail", "the quorum to fail");

        Assert.Equal(1, accepted.Accepted);
        Assert.Equal("degraded", oneFailing.Status);
        Assert.Contains("failing in eu-west (connection reset by peer)", oneFailing.Summary, StringComparison.Ordinal);
        Assert.Contains("1 of 3 locations failing, quorum 2", oneFailing.Summary, StringComparison.Ordinal);
        Assert.Contains("failing in eu-west (connection reset by peer), us-east (timeout after 2s)", twoFailing.Summary, StringComparison.Ordinal);
        var stored = await WaitForAsync(() => client.GetCheckResultsAsync("multi", "us-east"), r => r.Results.Count > 0, "the us-east result stored");
        Assert.Equal("timeout after 2s", stored.Results[0].Reason);
        var series = await WaitForAsync(
            () => client.QueryAsync("vigil_check_success{check=\"multi\",location=\"us-east\"}"), r => r.Series.Count == 1, "the us-east series");
        Assert.Equal("0", series.Series[0].Points[^1].Value);
    }

    [Fact]
    public async Task Reads_UnknownCheckAndBadParameters_404And400()
    {
        using var http = _vigil.CreateClient();

        var unknown = await http.GetAsync("/api/v1/checks/no-such-check");
        var unknownResults = await http.GetAsync("/api/v1/checks/no-such-check/results");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownResults.StatusCode);
        await AssertBadRequestAsync(await http.GetAsync("/api/v1/checks/multi/results?limit=0"), "limit");
        await AssertBadRequestAsync(await http.GetAsync("/api/v1/checks/multi/results?limit=ten"), "limit");
        await AssertBadRequestAsync(await http.GetAsync("/api/v1/checks/multi/results?location=a%2Fb"), "location");
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string location, params CheckResultDto[] results) =>
        http.PostAsJsonAsync("/api/v1/agent/results", new AgentResultsRequest(location, results), VigilJson.Options);

}
