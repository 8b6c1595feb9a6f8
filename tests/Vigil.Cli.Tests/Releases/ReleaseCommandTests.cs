using System.Net;
using System.Text;
using System.Text.Json;

namespace Vigil.Cli.Tests.Releases;

public sealed class ReleaseCommandTests
{
    private const string ReleaseJson = """
        {"id":"rel_0123456789abcdef","service":"checkout","version":"1.4.2","environment":"prod","commit":"abc123",
         "author":"ana","notes":null,"links":[{"title":"PR","url":"https://git.example/pr/7"}],
         "startedAt":"2025-03-01T11:58:00Z","state":"pending","source":"api","createdAt":"2025-03-01T12:00:00Z"}
        """;

    [Fact]
    public async Task Create_SendsEveryFieldAndPrintsTheRelease()
    {
        var handler = StubHandler.Json(ReleaseJson, HttpStatusCode.Created);

        var run = await CliRun.RunAsync(
            ["release", "create", "--service", "checkout", "--version", "1.4.2", "--environment", "prod", "--commit", "abc123", "--author", "ana",
             "--link", "PR=https://git.example/pr/7", "--link", "CI=https://ci.example/run?id=1&x=2", "--started-at", "2025-03-01T11:58:00Z",
             "--server", "http://vigil.test:7070"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/v1/releases", request.RequestUri!.AbsolutePath);
        using var body = JsonDocument.Parse(handler.Bodies[0]!);
        var root = body.RootElement;
        Assert.Equal("checkout", root.GetProperty("service").GetString());
        Assert.Equal("1.4.2", root.GetProperty("version").GetString());
        Assert.Equal("prod", root.GetProperty("environment").GetString());
        Assert.Equal("abc123", root.GetProperty("commit").GetString());
        Assert.Equal("ana", root.GetProperty("author").GetString());
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 11, 58, 0, TimeSpan.Zero), root.GetProperty("startedAt").GetDateTimeOffset());
        var links = root.GetProperty("links").EnumerateArray().Select(l => (l.GetProperty("title").GetString(), l.GetProperty("url").GetString())).ToList();
        Assert.Equal([("PR", "https://git.example/pr/7"), ("CI", "https://ci.example/run?id=1&x=2")], links);
        Assert.Contains("id           rel_0123456789abcdef\n", run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("state        pending\n", run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("link         PR https://git.example/pr/7", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_Json_PrintsTheReleaseDocument()
    {
        var run = await CliRun.RunAsync(["release", "create", "--service", "checkout", "--version", "1.4.2", "--environment", "prod", "-o", "json"], StubHandler.Json(ReleaseJson));

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("rel_0123456789abcdef", json.RootElement.GetProperty("id").GetString());
        Assert.Equal("pending", json.RootElement.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("release")]
    [InlineData("release", "create", "--version", "1", "--environment", "prod")]
    [InlineData("release", "create", "--service", "s", "--environment", "prod")]
    [InlineData("release", "create", "--service", "s", "--version", "1")]
    [InlineData("release", "create", "--service", "s", "--version", "1", "--environment", "prod", "--link", "no-equals")]
    [InlineData("release", "create", "--service", "s", "--version", "1", "--environment", "prod", "--link", "PR=")]
    [InlineData("release", "create", "--service", "s", "--version", "1", "--environment", "prod", "--link", "PR=ftp://x.example")]
    [InlineData("release", "create", "--service", "s", "--version", "1", "--environment", "prod", "--link", "PR=/relative")]
    [InlineData("release", "create", "--service", "s", "--version", "1", "--environment", "prod", "--started-at", "yesterday")]
    [InlineData("release", "create", "--service", "s", "--version", "1", "--environment", "prod", "--commit", "a b")]
    [InlineData("release", "create", "--service", " ", "--version", "1", "--environment", "prod")]
    [InlineData("release", "list", "--state", "Pending")]
    [InlineData("release", "list", "--limit", "0")]
    [InlineData("release", "get")]
    [InlineData("release", "get", "a", "b")]
    public async Task BadUsage_ExitsWithUsageErrorWithoutCallingServer(params string[] args)
    {
        var handler = StubHandler.Json("{}");

        var run = await CliRun.RunAsync(args, handler);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Create_ServerRefuses_ExitsFiveWithTheProblem()
    {
        var handler = StubHandler.Json(
            """{"title":"Bad request","status":400,"detail":"parameter 'startedAt': 1970-01-01T00:00:00.0000000Z is more than 366 days before the server's clock","parameter":"startedAt"}""",
            HttpStatusCode.BadRequest, "application/problem+json");

        var run = await CliRun.RunAsync(["release", "create", "--service", "s", "--version", "1", "--environment", "prod", "--started-at", "0"], handler);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("parameter 'startedAt'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_SendsFiltersAndPrintsATable()
    {
        var handler = StubHandler.Json($$"""{"releases":[{{ReleaseJson}}]}""");

        var run = await CliRun.RunAsync(["release", "list", "--service", "checkout", "--environment", "prod", "--state", "pending", "--limit", "5"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/releases?service=checkout&environment=prod&state=pending&limit=5", handler.Last.RequestUri!.PathAndQuery);
        Assert.Equal(
            "ID                    SERVICE   VERSION  ENVIRONMENT  STATE    SOURCE  STARTED                   COMMIT\n" +
            "rel_0123456789abcdef  checkout  1.4.2    prod         pending  api     2025-03-01T11:58:00.000Z  abc123\n",
            run.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Get_PrintsTheReleaseAndItsTimeline()
    {
        var handler = new StubHandler(request => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(
                request.RequestUri!.AbsolutePath.EndsWith("/timeline", StringComparison.Ordinal)
                    ? """{"releaseId":"rel_0123456789abcdef","events":[{"id":1,"at":"2025-03-01T12:00:00Z","kind":"release.created","message":"Release checkout 1.4.2 in prod created.","actor":"ci","data":{"source":"api"}}]}"""
                    : ReleaseJson,
                Encoding.UTF8,
                "application/json"),
        });

        var table = await CliRun.RunAsync(["release", "get", "rel_0123456789abcdef"], handler);
        var json = await CliRun.RunAsync(["release", "get", "rel_0123456789abcdef", "-o", "json"], handler);

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("service      checkout", table.Out, StringComparison.Ordinal);
        Assert.Contains("2025-03-01T12:00:00.000Z  release.created  ci     Release checkout 1.4.2 in prod created.", table.Out, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal("checkout", document.RootElement.GetProperty("release").GetProperty("service").GetString());
        Assert.Equal("api", document.RootElement.GetProperty("timeline")[0].GetProperty("data").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Get_Unknown_ExitsFive()
    {
        var handler = StubHandler.Json("""{"title":"Not found","status":404,"detail":"no release with id rel_x"}""", HttpStatusCode.NotFound, "application/problem+json");

        var run = await CliRun.RunAsync(["release", "get", "rel_x"], handler);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("no release with id rel_x", run.Error, StringComparison.Ordinal);
    }
}
