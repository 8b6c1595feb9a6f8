using System.Net;

namespace Vigil.Cli.Tests;

public sealed class CliAppTests
{
    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("keys")]
    [InlineData("keys", "rotate")]
    [InlineData("series", "list", "--frob")]
    [InlineData("keys", "list", "extra-argument")]
    [InlineData("serve", "--bogus")]
    [InlineData("version", "--frob")]
    public async Task RunAsync_UnknownCommandOrOption_ExitsWithUsageError(params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Theory]
    [InlineData("series", "list", "--output", "xml")]
    [InlineData("series", "list", "--limit", "0")]
    [InlineData("series", "list", "--limit", "ten")]
    [InlineData("series", "list", "--start", "yesterday")]
    [InlineData("series", "list", "--start", "2025-03-01")]
    [InlineData("series", "list", "--start", "2025-03-01T12:00:00Z", "--end", "2025-03-01T11:00:00Z")]
    [InlineData("logs", "search", "--since", "5x")]
    [InlineData("logs", "search", "--since", "0s")]
    [InlineData("logs", "search", "--since", "1h", "--start", "2025-03-01T11:00:00Z")]
    [InlineData("logs", "search", "--service", "api", "--template-id", "seven")]
    [InlineData("logs", "patterns")]
    [InlineData("traces", "list", "--status", "broken")]
    [InlineData("traces", "list", "--min-duration", "1m1h")]
    [InlineData("traces", "list", "--min-duration", "250")]
    [InlineData("traces", "get")]
    [InlineData("keys", "create", "--scope", "read")]
    [InlineData("keys", "create", "--name", "ci", "--scope", "root")]
    [InlineData("keys", "create", "--name", " ", "--scope", "read")]
    [InlineData("keys", "revoke")]
    public async Task RunAsync_BadValue_ExitsWithUsageErrorWithoutCallingServer(params string[] args)
    {
        var handler = StubHandler.Json("{}");

        var run = await CliRun.RunAsync(args, handler);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("keys", "create", "--help")]
    [InlineData("logs", "search", "-h")]
    public async Task RunAsync_Help_ExitsZeroAndPrintsUsage(params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Usage:", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Help_NeverShowsTheApiKeyFromTheEnvironment()
    {
        var run = await CliRun.RunAsync(["keys", "list", "--help"], variables: new Dictionary<string, string> { ["VIGIL_API_KEY"] = "vgl_a_secretsecretsecretsecretsecretse" });

        Assert.DoesNotContain("secretsecret", run.Out + run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("series", "list")]
    [InlineData("logs", "search", "--since", "1h")]
    [InlineData("traces", "list")]
    [InlineData("traces", "get", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("keys", "list")]
    [InlineData("keys", "create", "--name", "ci", "--scope", "read")]
    [InlineData("keys", "revoke", "key_12345678")]
    [InlineData("version")]
    public async Task RunAsync_ServerUnreachable_ExitsFour(params string[] args)
    {
        var run = await CliRun.RunAsync([.. args, "--server", ClosedPort.Url()]);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("Cannot reach the Vigil server at http://127.0.0.1:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerFromEnvironment_IsUsedWhenNoOption()
    {
        var handler = StubHandler.Json("""{"series":[]}""");

        var run = await CliRun.RunAsync(["series", "list"], handler, new Dictionary<string, string> { ["VIGIL_SERVER"] = "http://vigil.example:9000/prefix" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("http://vigil.example:9000/prefix/api/v1/telemetry/series?", handler.Last.RequestUri!.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerOption_WinsOverEnvironment()
    {
        var handler = StubHandler.Json("""{"series":[]}""");

        await CliRun.RunAsync(["series", "list", "--server", "http://option:1"], handler, new Dictionary<string, string> { ["VIGIL_SERVER"] = "http://env:2" });

        Assert.Equal("option", handler.Last.RequestUri!.Host);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://host:21")]
    [InlineData("127.0.0.1:7070")]
    public async Task RunAsync_BadServerUrl_ExitsWithUsageError(string server)
    {
        var run = await CliRun.RunAsync(["series", "list", "--server", server], StubHandler.Json("{}"));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("is not a server URL", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerAnswersProblem_ExitsFiveAndPrintsDetail()
    {
        var handler = StubHandler.Json(
            """{"type":"about:blank","title":"Bad selector","status":400,"detail":"unexpected '}' at offset 7","errors":{"match[]":["unbalanced braces"]}}""",
            HttpStatusCode.BadRequest,
            "application/problem+json");

        var run = await CliRun.RunAsync(["series", "list", "up}"], handler);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("error: Bad selector (HTTP 400): unexpected '}' at offset 7", run.Error, StringComparison.Ordinal);
        Assert.Contains("  match[]: unbalanced braces", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task RunAsync_Unauthorized_ExitsFiveWithHintAndNeverPrintsTheKey()
    {
        const string key = "vgl_r_AAAAbbbbCCCCddddEEEEffffGGGGhhhh";
        var handler = StubHandler.Json("""{"title":"Unauthorized","status":401}""", HttpStatusCode.Unauthorized, "application/problem+json");

        var run = await CliRun.RunAsync(["keys", "list", "--api-key", key], handler);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("--api-key or VIGIL_API_KEY", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(key, run.Out + run.Error, StringComparison.Ordinal);
        Assert.Equal($"Bearer {key}", handler.Last.Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task RunAsync_ApiKeyFromEnvironment_IsSentAsBearer()
    {
        var handler = StubHandler.Json("""{"keys":[]}""");

        await CliRun.RunAsync(["keys", "list"], handler, new Dictionary<string, string> { ["VIGIL_API_KEY"] = "vgl_a_fromenv" });

        Assert.Equal("Bearer vgl_a_fromenv", handler.Last.Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task RunAsync_NoApiKey_SendsNoAuthorization()
    {
        var handler = StubHandler.Json("""{"keys":[]}""");

        await CliRun.RunAsync(["keys", "list"], handler);

        Assert.Null(handler.Last.Headers.Authorization);
    }

    [Fact]
    public async Task RunAsync_LogsSearchWithFilters_SendsThemAsQuery()
    {
        var handler = StubHandler.Json("""{"records":[],"nextPageToken":"abc"}""");

        var run = await CliRun.RunAsync(
            ["logs", "search", "--service", "checkout", "--environment", "prod", "--version", "1.2.3", "--severity", "warn",
             "--since", "1h", "--contains", "timed out", "--trace-id", "4bf92f3577b34da6a3ce929d0e0e4736", "--limit", "50"],
            handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            "/api/v1/telemetry/logs?service=checkout&environment=prod&version=1.2.3&severity=warn&start=2025-03-01T11%3A00%3A00Z" +
            "&contains=timed%20out&trace_id=4bf92f3577b34da6a3ce929d0e0e4736&limit=50",
            handler.Last.RequestUri!.PathAndQuery);
        Assert.Contains("--page-token abc", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TracesListWithFilters_SendsThemAsQuery()
    {
        var handler = StubHandler.Json("""{"traces":[]}""");

        var run = await CliRun.RunAsync(
            ["traces", "list", "--service", "api", "--operation", "GET /", "--status", "error", "--min-duration", "1s250ms",
             "--start", "1740830400", "--end", "2025-03-01T14:00:00+01:00", "--limit", "5"],
            handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            "/api/v1/telemetry/traces?service=api&operation=GET%20%2F&status=error&min_duration=1250ms" +
            "&start=2025-03-01T12%3A00%3A00Z&end=2025-03-01T13%3A00%3A00Z&limit=5",
            handler.Last.RequestUri!.PathAndQuery);
    }

    [Fact]
    public async Task RunAsync_SeriesListWithoutSelector_AsksForAllNamedSeries()
    {
        var handler = StubHandler.Json("""{"series":[{"labels":{"__name__":"up","job":"api"}}]}""");

        var run = await CliRun.RunAsync(["series", "list"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/telemetry/series?match%5B%5D=%7B__name__%3D~%22.%2B%22%7D", handler.Last.RequestUri!.PathAndQuery);
        Assert.Equal("SERIES\nup{job=\"api\"}\n", run.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task RunAsync_VersionClientOnly_DoesNotCallServer()
    {
        var handler = StubHandler.Json("{}");

        var run = await CliRun.RunAsync(["version", "--client", "--output", "json"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(handler.Requests);
        Assert.Contains("\"client\"", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Version_PrintsClientAndServer()
    {
        var handler = StubHandler.Json("""{"version":"9.9.9","commit":"abc123","runtime":".NET 10"}""");

        var run = await CliRun.RunAsync(["version"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/status/version", handler.Last.RequestUri!.AbsolutePath);
        Assert.Contains("server  9.9.9", run.Out, StringComparison.Ordinal);
        Assert.Contains("client  ", run.Out, StringComparison.Ordinal);
    }
}
