using System.Net;
using System.Text;
using Vigil.Client;

namespace Vigil.Cli.Tests.Client;

public sealed class VigilClientTests
{
    private static readonly Uri Server = new("http://vigil.test:7070");

    [Fact]
    public async Task GetSeriesAsync_SeveralMatchersAndWindow_EncodesQuery()
    {
        var handler = StubHandler.Json("""{"series":[{"labels":{"__name__":"up"}}]}""");
        using var client = new VigilClient(Server, handler: handler);

        var response = await client.GetSeriesAsync(
            ["up{job=\"api\"}", "{__name__=~\"http_.*\"}"],
            new DateTimeOffset(2025, 3, 1, 12, 0, 0, 500, TimeSpan.Zero),
            new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.FromHours(1)),
            limit: 10);

        Assert.Equal("up", response.Series[0].Labels["__name__"]);
        Assert.Equal(
            "/api/v1/telemetry/series?match%5B%5D=up%7Bjob%3D%22api%22%7D&match%5B%5D=%7B__name__%3D~%22http_.%2A%22%7D" +
            "&start=2025-03-01T12%3A00%3A00.5Z&end=2025-03-01T13%3A00%3A00Z&limit=10",
            handler.Last.RequestUri!.PathAndQuery);
        Assert.Equal(HttpMethod.Get, handler.Last.Method);
    }

    [Fact]
    public async Task GetSamplesAsync_NonFiniteValues_AreRead()
    {
        var handler = StubHandler.Json("""{"series":[{"labels":{},"samples":[{"timestampMs":1,"value":"NaN"},{"timestampMs":2,"value":"-Infinity"},{"timestampMs":3,"value":0.5}]}]}""");
        using var client = new VigilClient(Server, handler: handler);

        var response = await client.GetSamplesAsync(["up"]);

        Assert.Equal("/api/v1/telemetry/samples?match%5B%5D=up", handler.Last.RequestUri!.PathAndQuery);
        Assert.Equal([double.NaN, double.NegativeInfinity, 0.5], response.Series[0].Samples.Select(s => s.Value));
    }

    [Fact]
    public async Task SearchLogsAsync_PageToken_IsSentAndNextTokenRead()
    {
        var handler = StubHandler.Json("""{"records":[],"nextPageToken":"p2"}""");
        using var client = new VigilClient(Server, handler: handler);

        var response = await client.SearchLogsAsync(new LogSearch { PageToken = "p1+/=", Severity = "13" });

        Assert.Equal("/api/v1/telemetry/logs?severity=13&page_token=p1%2B%2F%3D", handler.Last.RequestUri!.PathAndQuery);
        Assert.Equal("p2", response.NextPageToken);
    }

    [Fact]
    public async Task ListTracesAsync_SubMillisecondMinDuration_Throws()
    {
        using var client = new VigilClient(Server, handler: StubHandler.Json("{}"));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => client.ListTracesAsync(new TraceSearch { MinDuration = TimeSpan.FromTicks(5) }));
    }

    [Fact]
    public async Task GetTraceAsync_Id_IsEscapedIntoPath()
    {
        var handler = StubHandler.Json("""{"traceId":"ab","spans":[]}""");
        using var client = new VigilClient(Server, handler: handler);

        await client.GetTraceAsync("a/b?c");

        Assert.Equal("/api/v1/telemetry/traces/a%2Fb%3Fc", handler.Last.RequestUri!.PathAndQuery);
    }

    [Fact]
    public async Task Requests_WithApiKey_SendBearerAndAcceptJson()
    {
        var handler = StubHandler.Json("""{"keys":[]}""");
        using var client = new VigilClient(Server, "vgl_a_key", handler);

        await client.ListKeysAsync();

        Assert.Equal("Bearer vgl_a_key", handler.Last.Headers.Authorization!.ToString());
        Assert.Contains(handler.Last.Headers.Accept, a => a.MediaType == "application/problem+json");
    }

    [Fact]
    public async Task Requests_ServerWithPathPrefix_KeepPrefix()
    {
        var handler = StubHandler.Json("""{"version":"1","commit":"c","runtime":"r"}""");
        using var client = new VigilClient(new Uri("https://proxy.test/vigil"), handler: handler);

        await client.GetVersionAsync();

        Assert.Equal("https://proxy.test/vigil/api/v1/status/version", handler.Last.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task ErrorAnswer_ProblemJson_ThrowsApiExceptionWithProblem()
    {
        var handler = StubHandler.Json(
            """{"type":"https://vigil.dev/problems/bad-selector","title":"Bad selector","status":400,"detail":"at offset 3","offset":3}""",
            HttpStatusCode.BadRequest, "application/problem+json");
        using var client = new VigilClient(Server, handler: handler);

        var error = await Assert.ThrowsAsync<VigilApiException>(() => client.GetSeriesAsync(["{"]));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("Bad selector", error.Problem.Title);
        Assert.Equal("at offset 3", error.Problem.Detail);
        Assert.Equal(3, error.Problem.Extensions!["offset"].GetInt32());
        Assert.Equal("Bad selector (HTTP 400): at offset 3", error.Message);
    }

    [Fact]
    public async Task ErrorAnswer_PlainText_ThrowsApiExceptionWithReasonAndBoundedBody()
    {
        var body = "upstream exploded " + new string('x', 100_000);
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            ReasonPhrase = "Bad Gateway",
            Content = new StringContent(body, Encoding.UTF8, "text/plain"),
        });
        using var client = new VigilClient(Server, handler: handler);

        var error = await Assert.ThrowsAsync<VigilApiException>(() => client.GetVersionAsync());

        Assert.Equal(502, error.StatusCode);
        Assert.Equal("Bad Gateway", error.Problem.Title);
        Assert.StartsWith("upstream exploded", error.Problem.Detail, StringComparison.Ordinal);
        Assert.True(error.Problem.Detail!.Length <= 503);
    }

    [Fact]
    public async Task SuccessAnswer_NotJson_ThrowsApiException()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>", Encoding.UTF8, "text/html") });
        using var client = new VigilClient(Server, handler: handler);

        var error = await Assert.ThrowsAsync<VigilApiException>(() => client.GetVersionAsync());

        Assert.Equal("Invalid response", error.Problem.Title);
    }

    [Fact]
    public async Task ClosedPort_ThrowsUnreachable()
    {
        using var client = new VigilClient(new Uri(ClosedPort.Url()));

        var error = await Assert.ThrowsAsync<VigilUnreachableException>(() => client.GetVersionAsync());

        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task Timeout_ThrowsUnreachable()
    {
        var handler = new StubHandler(_ => throw new TaskCanceledException("timed out", new TimeoutException()));
        using var client = new VigilClient(Server, handler: handler);

        var error = await Assert.ThrowsAsync<VigilUnreachableException>(() => client.GetVersionAsync());

        Assert.Contains("no answer within 30 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerCancellation_PropagatesAsCancellation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var client = new VigilClient(Server, handler: StubHandler.Json("{}"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetVersionAsync(cancelled.Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("line\nbreak")]
    public void Constructor_BadApiKey_ThrowsWithoutEchoingIt(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => new VigilClient(Server, key));

        if (key.Length > 0)
        {
            Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("/relative")]
    public void Constructor_BadServer_Throws(string server)
    {
        Assert.Throws<ArgumentException>(() => new VigilClient(new Uri(server, UriKind.RelativeOrAbsolute)));
    }
}
