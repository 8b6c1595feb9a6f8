using System.Net;
using System.Text.Json;

namespace Vigil.Cli.Tests.Checks;

/// <summary><c>vigil checks list|results|run</c> and <c>vigil agent</c>'s option checks: exit codes, tables and JSON.</summary>
public sealed class ChecksCommandTests
{
    private const string ChecksJson = """
        {"checks":[{"name":"api-health","type":"http","intervalSeconds":30,"locations":["local","east","west"],"quorum":2,
          "labels":{"service":"api"},"status":"pass","summary":"failing in west (connection refused); passing in local, east",
          "lastRunAt":"2025-03-01T11:59:30Z","latestByLocation":[],"yaml":"..."}]}
        """;

    private const string ResultsJson = """
        {"check":"api-health","results":[
          {"check":"api-health","location":"west","scheduledAt":"2025-03-01T11:59:30Z","startedAt":"2025-03-01T11:59:30.004Z","seconds":0.0123,
           "outcome":"fail","reason":"status 503, expected 2xx","responseExcerpt":"down","attempts":2,"inMaintenance":false,"phases":[],"assertions":[],"steps":[]},
          {"check":"api-health","location":"local","scheduledAt":"2025-03-01T11:59:00Z","startedAt":"2025-03-01T11:59:00.001Z","seconds":0.002,
           "outcome":"pass","reason":null,"responseExcerpt":null,"attempts":1,"inMaintenance":false,"phases":[],"assertions":[],"steps":[]}]}
        """;

    [Theory]
    [InlineData("checks")]
    [InlineData("checks", "run")]
    [InlineData("checks", "run", "")]
    [InlineData("checks", "run", "a", "b")]
    [InlineData("checks", "run", "-f", "/no/such/file.yaml")]
    [InlineData("checks", "results")]
    [InlineData("checks", "results", "api", "--limit", "0")]
    [InlineData("checks", "results", "api", "--location", " ")]
    [InlineData("checks", "list", "extra")]
    [InlineData("checks", "list", "--server", "ftp://x")]
    [InlineData("agent")]
    [InlineData("agent", "--location", "local")]
    [InlineData("agent", "--location", "cli")]
    [InlineData("agent", "--location", "east coast")]
    [InlineData("agent", "--location", "East")]
    [InlineData("agent", "--location", "eu_west")]
    [InlineData("agent", "--location", "east-")]
    [InlineData("agent", "--location", "east", "--poll-interval", "0s")]
    [InlineData("agent", "--location", "east", "--poll-interval", "500ms")]
    [InlineData("agent", "--location", "east", "--max-pending", "5")]
    public async Task BadUsage_ExitsWithUsageErrorWithoutCallingServer(params string[] args)
    {
        var handler = StubHandler.Json("{}");

        var run = await CliRun.RunAsync(args, handler);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task RunFromFile_WithNoCheckDocuments_IsAUsageErrorSayingSo()
    {
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "empty.yaml");
        await File.WriteAllTextAsync(file, "# nothing here\n");

        var run = await CliRun.RunAsync(["checks", "run", "-f", file]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("no YAML documents", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("checks", "list")]
    [InlineData("checks", "results", "api-health")]
    [InlineData("checks", "run", "api-health")]
    public async Task UnreachableServer_ExitsFour(params string[] args)
    {
        var run = await CliRun.RunAsync([.. args, "--server", ClosedPort.Url()]);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("vigil serve", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownCheck_ExitsFiveWithTheProblem()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound)
        {
            Content = new StringContent("""{"title":"Not found","status":404,"detail":"no check named 'nope'"}""", System.Text.Encoding.UTF8, "application/problem+json"),
        });

        var run = await CliRun.RunAsync(["checks", "run", "nope", "--server", "http://vigil.test:7070"], handler);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Equal("/api/v1/checks/nope", handler.Last.RequestUri!.AbsolutePath);
        Assert.Contains("no check named 'nope'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PrintsOneRowPerCheckWithQuorumStatusAndSummary()
    {
        var handler = StubHandler.Json(ChecksJson);

        var run = await CliRun.RunAsync(["checks", "list", "--server", "http://vigil.test:7070"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/checks", handler.Last.RequestUri!.AbsolutePath);
        var lines = run.Out.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches("^NAME +TYPE +INTERVAL +LOCATIONS +QUORUM +STATUS +SUMMARY +LAST_RUN$", lines[0]);
        Assert.Matches(@"^api-health +http +30s +local,east,west +2/3 +pass +failing in west \(connection refused\); passing in local, east +2025-03-01T11:59:30.000Z$", lines[1]);
    }

    [Fact]
    public async Task List_Json_IsTheApiDocument()
    {
        var run = await CliRun.RunAsync(["checks", "list", "-o", "json"], StubHandler.Json(ChecksJson));

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var check = json.RootElement.GetProperty("checks")[0];
        Assert.Equal("api-health", check.GetProperty("name").GetString());
        Assert.Equal(2, check.GetProperty("quorum").GetInt32());
    }

    [Fact]
    public async Task Results_PassesLocationAndLimit_AndPrintsNewestFirstWithJitter()
    {
        var handler = StubHandler.Json(ResultsJson);

        var run = await CliRun.RunAsync(["checks", "results", "api-health", "--location", "west", "--limit", "2"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/checks/api-health/results", handler.Last.RequestUri!.AbsolutePath);
        Assert.Contains("location=west", handler.Last.RequestUri.Query, StringComparison.Ordinal);
        Assert.Contains("limit=2", handler.Last.RequestUri.Query, StringComparison.Ordinal);
        var lines = run.Out.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Matches("^TIME +LOCATION +OUTCOME +DURATION +JITTER +REASON$", lines[0]);
        Assert.Matches(@"^2025-03-01T11:59:30.004Z +west +fail +12.3ms +4ms +status 503, expected 2xx$", lines[1]);
        Assert.Matches(@"^2025-03-01T11:59:00.001Z +local +pass +2ms +1ms +-$", lines[2]);
    }

    [Fact]
    public async Task Results_Json_IsTheApiDocument()
    {
        var run = await CliRun.RunAsync(["checks", "results", "api-health", "-o", "json"], StubHandler.Json(ResultsJson));

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(2, json.RootElement.GetProperty("results").GetArrayLength());
        Assert.Equal("fail", json.RootElement.GetProperty("results")[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Agent_RefusedAtFirstContact_ExitsFiveWithAHintAndNeverEchoesTheKey()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("""{"title":"Forbidden","status":403,"detail":"this key's scope is read"}""", System.Text.Encoding.UTF8, "application/problem+json"),
        });

        var run = await CliRun.RunAsync(
            ["agent", "--location", "east", "--server", "http://vigil.test:7070"], handler, new Dictionary<string, string> { ["VIGIL_API_KEY"] = "vgl_r_secretsecret" });

        Assert.True(run.ExitCode == 5, run.ToString());
        var request = Assert.Single(handler.Requests);
        Assert.Equal("/api/v1/agent/checks", request.RequestUri!.AbsolutePath);
        Assert.Equal("?location=east", request.RequestUri.Query);
        Assert.Equal("vgl_r_secretsecret", request.Headers.Authorization?.Parameter);
        Assert.Contains("location=east: the server refused the agent", run.Error, StringComparison.Ordinal);
        Assert.Contains("agents need an ingest key", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("vgl_r_secretsecret", run.Error + run.Out, StringComparison.Ordinal);
    }
}
