using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Server.Tests.Integration;
using Vigil.Storage.State;

namespace Vigil.Server.Tests.Releases;

/// <summary>One real <c>vigil serve</c> shared by the release API tests (each test uses its own service names).</summary>
public sealed class ReleaseServerFixture : IAsyncLifetime
{
    /// <summary>
    /// Release tests look at releases as created; with verification on its own, the loop would move pending releases to
    /// verifying within a second, so it is off here (the verification tests cover it).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NoAutoVerify = new Dictionary<string, string> { ["VIGIL__VERIFICATION__AUTOSTART"] = "false" };

    public VigilServerProcess Vigil { get; private set; } = null!;

    public async Task InitializeAsync() => Vigil = await VigilServerProcess.StartAsync(environment: NoAutoVerify);

    public async Task DisposeAsync() => await Vigil.DisposeAsync();
}

/// <summary><c>/api/v1/releases</c> on a real server: idempotent creation, validation naming the field, reads and timelines.</summary>
public sealed class ReleaseApiTests(ReleaseServerFixture fixture) : IClassFixture<ReleaseServerFixture>
{
    private readonly VigilServerProcess _vigil = fixture.Vigil;

    [Fact]
    public async Task Create_NewRelease_Answers201WithLocationAndPendingRelease()
    {
        using var client = _vigil.CreateClient();
        var started = TimeProvider.System.GetUtcNow().AddMinutes(-2);

        var response = await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest(
            "api-create", "1.4.2", "prod", "0123abcd", "ana", "faster carts", [new ReleaseLinkDto("PR", "https://git.example/pr/7")], started), TelemetryApi.Json);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var release = (await response.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!;
        Assert.Equal($"/api/v1/releases/{release.Id}", response.Headers.Location?.ToString());
        Assert.Matches("^rel_[0-9a-f]{16}$", release.Id);
        Assert.Equal(("api-create", "1.4.2", "prod", "0123abcd", "ana", "faster carts"), (release.Service, release.Version, release.Environment, release.Commit, release.Author, release.Notes));
        Assert.Equal(("pending", "api"), (release.State, release.Source));
        Assert.Equal(started, release.StartedAt);
        Assert.Equal(new ReleaseLinkDto("PR", "https://git.example/pr/7"), Assert.Single(release.Links));

        var fetched = await client.GetFromJsonAsync<ReleaseDto>($"/api/v1/releases/{release.Id}", TelemetryApi.Json);
        Assert.Equal(release with { Links = [] }, fetched! with { Links = [] });
        var timeline = await client.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{release.Id}/timeline", TelemetryApi.Json);
        var created = Assert.Single(timeline!.Events);
        Assert.Equal("release.created", created.Kind);
        Assert.Equal("api", created.Data!.Value.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Create_Repeated_Answers200WithTheSameReleaseAndRecordsTheRepeat()
    {
        using var client = _vigil.CreateClient();
        var first = await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest("api-repeat", "2.0.0", "prod", Commit: "aaa"), TelemetryApi.Json);
        var firstRelease = (await first.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!;

        var again = await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest("api-repeat", "2.0.0", "prod", Commit: "bbb"), TelemetryApi.Json);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var againRelease = (await again.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!;
        Assert.Equal(firstRelease.Id, againRelease.Id);
        Assert.Equal("aaa", againRelease.Commit); // the first creation's fields are kept
        var timeline = await client.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{firstRelease.Id}/timeline", TelemetryApi.Json);
        Assert.Equal(["release.created", "release.create_repeated"], timeline!.Events.Select(e => e.Kind));
        Assert.Equal("bbb", timeline.Events[1].Data!.Value.GetProperty("commit").GetString());
        Assert.True(timeline.Events[0].Id < timeline.Events[1].Id);
    }

    [Fact]
    public async Task Create_ConcurrentRetries_AllAnswerOneRelease()
    {
        using var client = _vigil.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest("api-race", "1.0", "prod"), TelemetryApi.Json)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!.Id));
        Assert.Single(ids.Distinct());
    }

    [Theory]
    [InlineData("""{"version":"1","environment":"prod"}""", "service")]
    [InlineData("""{"service":"s","version":"  ","environment":"prod"}""", "version")]
    [InlineData("""{"service":"s","version":"1","environment":"pr\u0000od"}""", "environment")]
    [InlineData("""{"service":"s","version":"1"}""", "environment")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","commit":"a b"}""", "commit")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","links":[{"title":"PR","url":"ftp://x.example/1"}]}""", "links[0].url")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","links":[{"title":"ok","url":"https://x.example"},{"title":"","url":"https://y.example"}]}""", "links[1].title")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","links":[{"title":"rel","url":"/pr/7"}]}""", "links[0].url")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","links":"https://x.example"}""", "links")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","startedAt":"1970-01-01T00:00:00Z"}""", "startedAt")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","startedAt":"2999-01-01T00:00:00Z"}""", "startedAt")]
    [InlineData("""{"service":"s","version":"1","environment":"prod","startedAt":"yesterday"}""", "startedAt")]
    [InlineData("""{"service":"s","version":1,"environment":"prod"}""", "version")]
    [InlineData("""{"service":"s",""", "body")]
    [InlineData("""null""", "body")]
    public async Task Create_BadInput_Answers400NamingTheField(string json, string field)
    {
        using var client = _vigil.CreateClient();

        var response = await client.PostAsync("/api/v1/releases", new StringContent(json, Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(field, problem.RootElement.GetProperty("parameter").GetString());
        Assert.Contains($"'{field}'", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_TooLongNameNotJsonOrTooLargeBody_IsRefusedClearly()
    {
        using var client = _vigil.CreateClient();

        var tooLong = await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest(new string('s', SqliteReleaseStore.MaxNameLength + 1), "1", "prod"), TelemetryApi.Json);
        var notJson = await client.PostAsync("/api/v1/releases", new StringContent("service=s", Encoding.UTF8, "text/plain"));
        var huge = await client.PostAsync("/api/v1/releases", new StringContent(
            $$"""{"service":"s","version":"1","environment":"prod","notes":"{{new string('x', 300_000)}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("'service'", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Fact]
    public async Task Get_UnknownId_Answers404ForReleaseAndTimeline()
    {
        using var client = _vigil.CreateClient();

        var release = await client.GetAsync("/api/v1/releases/rel_0000000000000000");
        var timeline = await client.GetAsync("/api/v1/releases/rel_0000000000000000/timeline");

        Assert.Equal(HttpStatusCode.NotFound, release.StatusCode);
        Assert.Contains("no release with id rel_0000000000000000", await release.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, timeline.StatusCode);
    }

    [Fact]
    public async Task List_FiltersByServiceEnvironmentAndState_NewestStartFirst_AndRejectsBadParameters()
    {
        using var client = _vigil.CreateClient();
        var now = TimeProvider.System.GetUtcNow();
        async Task<string> Create(string version, string environment, int minutesAgo) =>
            (await (await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest("api-list", version, environment, StartedAt: now.AddMinutes(-minutesAgo)), TelemetryApi.Json))
                .Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!.Id;
        var v1 = await Create("1", "prod", 30);
        var v2 = await Create("2", "prod", 10);
        var s2 = await Create("2", "staging", 20);

        async Task<List<string>> Ids(string query) =>
            (await client.GetFromJsonAsync<ReleasesResponse>("/api/v1/releases?" + query, TelemetryApi.Json))!.Releases.Select(r => r.Id).ToList();

        Assert.Equal([v2, s2, v1], await Ids("service=api-list"));
        Assert.Equal([v2, v1], await Ids("service=api-list&environment=prod"));
        Assert.Equal([v2, s2, v1], await Ids("service=api-list&state=pending"));
        Assert.Empty(await Ids("service=api-list&state=passed"));
        Assert.Equal([v2], await Ids("service=api-list&limit=1"));
        Assert.Equal([v2, s2, v1], await Ids("service=api-list&limit=1000000"));

        var badState = await client.GetAsync("/api/v1/releases?state=Pending");
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        Assert.Contains("'state'", await badState.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badLimit = await client.GetAsync("/api/v1/releases?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Contains("'limit'", await badLimit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DescribesTheReleaseEndpoints()
    {
        using var client = _vigil.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/v1/releases").TryGetProperty("post", out var post));
        Assert.False(string.IsNullOrEmpty(post.GetProperty("summary").GetString()));
        var listParameters = paths.GetProperty("/api/v1/releases").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["service", "environment", "state", "limit"], listParameters);
        Assert.True(paths.TryGetProperty("/api/v1/releases/{id}", out _));
        Assert.True(paths.TryGetProperty("/api/v1/releases/{id}/timeline", out _));
    }
}

/// <summary>With keys required, creating a release needs an ingest key (CI's) and reading needs a read key.</summary>
public sealed class ReleaseScopeTests
{
    [Fact]
    public async Task Keys_IngestCreates_ReadReads_NeitherDoesTheOther_AndTheActorIsTheKeyName()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-release-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        string ingestSecret, readSecret;
        await using (var state = await SqliteStateStore.OpenAsync(dataDirectory, TimeProvider.System, CancellationToken.None))
        {
            var keys = new SqliteApiKeyStore(state);
            ingestSecret = (await keys.CreateAsync("ci-deploy", ApiKeyScope.Ingest, TimeProvider.System.GetUtcNow(), CancellationToken.None)).Secret;
            readSecret = (await keys.CreateAsync("dashboard", ApiKeyScope.Read, TimeProvider.System.GetUtcNow(), CancellationToken.None)).Secret;
        }

        try
        {
            await using var vigil = await VigilServerProcess.StartAsync(dataDirectory, environment: new Dictionary<string, string>(ReleaseServerFixture.NoAutoVerify) { ["VIGIL__SECURITY__REQUIREAPIKEYS"] = "true" });
            using var anonymous = vigil.CreateClient();
            using var ingest = vigil.CreateClient(ingestSecret);
            using var read = vigil.CreateClient(readSecret);
            var request = new CreateReleaseRequest("scoped", "1.0", "prod");

            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/releases", request, TelemetryApi.Json)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await read.PostAsJsonAsync("/api/v1/releases", request, TelemetryApi.Json)).StatusCode);
            var created = await ingest.PostAsJsonAsync("/api/v1/releases", request, TelemetryApi.Json);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = (await created.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!.Id;

            Assert.Equal(HttpStatusCode.Forbidden, (await ingest.GetAsync("/api/v1/releases")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await ingest.GetAsync($"/api/v1/releases/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/releases/{id}/timeline")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/api/v1/releases")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await read.GetAsync($"/api/v1/releases/{id}")).StatusCode);
            var timeline = await read.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{id}/timeline", TelemetryApi.Json);
            Assert.Equal("ci-deploy", Assert.Single(timeline!.Events).Actor);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
