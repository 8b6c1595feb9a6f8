using System.Text.Json;
using Vigil.Core.Releases;
using Vigil.Storage.State;
using Vigil.Storage.Tests.State;

namespace Vigil.Storage.Tests.Releases;

public sealed class SqliteReleaseStoreTests() : StateStoreTest(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero))
{
    private SqliteReleaseStore _releases = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _releases = new SqliteReleaseStore(State);
    }

    [Fact]
    public async Task CreateOrGetAsync_NewRelease_StoresEveryFieldAsPendingWithCreatedEvent()
    {
        var started = Time.GetUtcNow().AddMinutes(-3);
        var links = new List<ReleaseLink> { new("PR", "https://git.example/pr/7"), new("CI run", "http://ci.example/run/1") };

        var (release, created) = await _releases.CreateOrGetAsync(
            new NewRelease("checkout", "1.4.2", "prod", "abc123", "ana", "Faster carts.\nAnd fixes.", links, started),
            Time.GetUtcNow(), CancellationToken.None);

        Assert.True(created);
        Assert.Matches("^rel_[0-9a-f]{16}$", release.Id);
        Assert.Equal(
            new Release(release.Id, "checkout", "1.4.2", "prod", "abc123", "ana", "Faster carts.\nAnd fixes.", release.Links, started,
                ReleaseState.Pending, ReleaseSource.Api, Time.GetUtcNow()),
            release);
        Assert.Equal(links, release.Links);
        AssertSame(release, await _releases.GetAsync(release.Id, CancellationToken.None));
        var reread = await _releases.FindAsync("checkout", "1.4.2", "prod", CancellationToken.None);
        Assert.Equal(links, reread!.Links);
        var created1 = Assert.Single(await _releases.EventsAsync(release.Id, 100, CancellationToken.None));
        Assert.Equal(ReleaseEventKinds.Created, created1.Kind);
        Assert.Equal(Time.GetUtcNow(), created1.At);
        Assert.Contains("checkout 1.4.2 in prod", created1.Message, StringComparison.Ordinal);
        using var data = JsonDocument.Parse(created1.DataJson!);
        Assert.Equal("api", data.RootElement.GetProperty("source").GetString());
    }

    [Fact]
    public async Task CreateOrGetAsync_SameTripleTwice_ReturnsTheFirstUnchangedWithoutSecondEvent()
    {
        var (first, _) = await _releases.CreateOrGetAsync(new NewRelease("api", "2.0", "prod", Commit: "aaa"), Time.GetUtcNow(), CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(1));

        var (again, created) = await _releases.CreateOrGetAsync(
            new NewRelease("api", "2.0", "prod", Commit: "bbb", Source: ReleaseSource.Telemetry), Time.GetUtcNow(), CancellationToken.None);

        Assert.False(created);
        AssertSame(first, again);
        Assert.Equal("aaa", again.Commit);
        Assert.Single(await _releases.EventsAsync(first.Id, 100, CancellationToken.None));
    }

    [Fact]
    public async Task CreateOrGetAsync_ExistingFromTelemetry_GetsOnlyTheMissingDetailsFromALaterCreate()
    {
        var (seen, _) = await _releases.CreateOrGetAsync(
            new NewRelease("cart", "3.1", "prod", Source: ReleaseSource.Telemetry), ReleaseState.Pending, "telemetry", Time.GetUtcNow(), CancellationToken.None);
        await _releases.SetStateAsync(seen.Id, ReleaseState.Verifying, CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(2));

        var (announced, created) = await _releases.CreateOrGetAsync(
            new NewRelease("cart", "3.1", "prod", "c0ffee", "ana", "notes", [new("PR", "https://git.example/pr/31")], Time.GetUtcNow()),
            Time.GetUtcNow(), CancellationToken.None);
        var (repeated, _) = await _releases.CreateOrGetAsync(
            new NewRelease("cart", "3.1", "prod", "other", "bob", "other notes", [new("X", "https://x.example")]), Time.GetUtcNow(), CancellationToken.None);

        Assert.False(created);
        Assert.Equal(seen.Id, announced.Id);
        Assert.Equal(("c0ffee", "ana", "notes"), (announced.Commit, announced.Author, announced.Notes));
        Assert.Equal([new ReleaseLink("PR", "https://git.example/pr/31")], announced.Links);
        Assert.Equal((ReleaseState.Verifying, ReleaseSource.Telemetry, seen.StartedAt, seen.CreatedAt), (announced.State, announced.Source, announced.StartedAt, announced.CreatedAt));
        AssertSame(announced, repeated); // filled once, never overwritten
    }

    [Fact]
    public async Task CreateOrGetAsync_DifferentEnvironmentOrVersion_IsAnotherRelease()
    {
        var a = await _releases.CreateOrGetAsync(new NewRelease("api", "2.0", "prod"), Time.GetUtcNow(), CancellationToken.None);
        var b = await _releases.CreateOrGetAsync(new NewRelease("api", "2.0", "staging"), Time.GetUtcNow(), CancellationToken.None);
        var c = await _releases.CreateOrGetAsync(new NewRelease("api", "2.1", "prod"), Time.GetUtcNow(), CancellationToken.None);

        Assert.True(a.Created && b.Created && c.Created);
        Assert.Equal(3, new[] { a.Release.Id, b.Release.Id, c.Release.Id }.Distinct().Count());
    }

    [Fact]
    public async Task CreateOrGetAsync_ConcurrentCreatesOfOneTriple_GiveOneReleaseAndOneCreatedEvent()
    {
        // Separate store objects share nothing but the file, like two server processes or the CLI next to a server.
        var stores = Enumerable.Range(0, 8).Select(_ => new SqliteReleaseStore(State)).ToList();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = stores.Select(store => Task.Run(async () =>
        {
            await start.Task;
            return await store.CreateOrGetAsync(new NewRelease("race", "1.0", "prod"), Time.GetUtcNow(), CancellationToken.None);
        })).ToList();
        start.SetResult();

        var results = await Task.WhenAll(tasks);

        Assert.Single(results.Select(r => r.Release.Id).Distinct());
        Assert.Single(results, r => r.Created);
        Assert.Single(await _releases.EventsAsync(results[0].Release.Id, 100, CancellationToken.None));
        Assert.Single(await _releases.ListAsync(new ReleaseQuery(Service: "race"), CancellationToken.None));
    }

    [Fact]
    public async Task CreateOrGetAsync_InitialBaselineFromTelemetry_IsStoredWithActorAndSaysSo()
    {
        var (release, created) = await _releases.CreateOrGetAsync(
            new NewRelease("cart", "1.0", "prod", Source: ReleaseSource.Telemetry), ReleaseState.Baseline, "telemetry", Time.GetUtcNow(), CancellationToken.None);

        Assert.True(created);
        Assert.Equal(ReleaseState.Baseline, release.State);
        Assert.Equal(ReleaseSource.Telemetry, release.Source);
        Assert.Equal(Time.GetUtcNow(), release.StartedAt);
        var created1 = Assert.Single(await _releases.EventsAsync(release.Id, 10, CancellationToken.None));
        Assert.Equal("telemetry", created1.Actor);
        Assert.Contains("baseline", created1.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "1", "prod", null, "service")]
    [InlineData("api", " ", "prod", null, "version")]
    [InlineData("api", "1", "pr\u0007od", null, "environment")]
    [InlineData("api", "1", "prod", "abc def", "commit")]
    public async Task CreateOrGetAsync_InvalidField_ThrowsNamingIt(string service, string version, string environment, string? commit, string field)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            _releases.CreateOrGetAsync(new NewRelease(service, version, environment, commit), Time.GetUtcNow(), CancellationToken.None));

        Assert.StartsWith(field + ":", error.Message, StringComparison.Ordinal);
        Assert.Empty(await _releases.ListAsync(new ReleaseQuery(), CancellationToken.None));
    }

    [Theory]
    [InlineData("ftp://files.example/x", "links[1].url")]
    [InlineData("/relative/path", "links[1].url")]
    [InlineData("javascript:alert(1)", "links[1].url")]
    [InlineData("https://ok.example/with space", "links[1].url")]
    public void Check_BadLinkUrl_NamesTheLink(string url, string field)
    {
        var release = new NewRelease("api", "1", "prod", Links: [new("ok", "https://ok.example"), new("bad", url)]);

        Assert.Equal(field, SqliteReleaseStore.Check(release, Time.GetUtcNow())?.Field);
    }

    [Fact]
    public void Check_StartTimes_AcceptsRecentAndRejectsFarFutureOrAncient()
    {
        var now = Time.GetUtcNow();
        NewRelease At(DateTimeOffset t) => new("api", "1", "prod", StartedAt: t);

        Assert.Null(SqliteReleaseStore.Check(At(now.AddMinutes(30)), now));
        Assert.Null(SqliteReleaseStore.Check(At(now.AddDays(-300)), now));
        Assert.Equal("startedAt", SqliteReleaseStore.Check(At(now.AddHours(2)), now)?.Field);
        Assert.Equal("startedAt", SqliteReleaseStore.Check(At(DateTimeOffset.UnixEpoch), now)?.Field);
    }

    [Fact]
    public void Check_TooManyLinksAndLongNotes_AreRejected()
    {
        var now = Time.GetUtcNow();
        var links = Enumerable.Range(0, SqliteReleaseStore.MaxLinks + 1).Select(i => new ReleaseLink("l" + i, "https://x.example/" + i)).ToList();

        Assert.Equal("links", SqliteReleaseStore.Check(new NewRelease("a", "1", "p", Links: links), now)?.Field);
        Assert.Equal("notes", SqliteReleaseStore.Check(new NewRelease("a", "1", "p", Notes: new string('x', SqliteReleaseStore.MaxNotesLength + 1)), now)?.Field);
        Assert.Equal("notes", SqliteReleaseStore.Check(new NewRelease("a", "1", "p", Notes: "escape\u001b[31m"), now)?.Field);
        Assert.Null(SqliteReleaseStore.Check(new NewRelease("a", "1", "p", Notes: "line\r\n\tindented"), now));
    }

    [Fact]
    public async Task ListAsync_Filters_ByServiceEnvironmentAndStateNewestStartFirst()
    {
        var t0 = Time.GetUtcNow();
        var a = await CreateAsync("api", "1", "prod", t0.AddMinutes(-30));
        var b = await CreateAsync("api", "2", "prod", t0.AddMinutes(-10));
        var c = await CreateAsync("api", "2", "staging", t0.AddMinutes(-20));
        var d = await CreateAsync("web", "9", "prod", t0.AddMinutes(-5));
        await _releases.SetStateAsync(a.Id, ReleaseState.Passed, CancellationToken.None);

        Assert.Equal([d.Id, b.Id, c.Id, a.Id], await IdsAsync(new ReleaseQuery()));
        Assert.Equal([b.Id, c.Id, a.Id], await IdsAsync(new ReleaseQuery(Service: "api")));
        Assert.Equal([d.Id, b.Id, a.Id], await IdsAsync(new ReleaseQuery(Environment: "prod")));
        Assert.Equal([b.Id, a.Id], await IdsAsync(new ReleaseQuery(Service: "api", Environment: "prod")));
        Assert.Equal([a.Id], await IdsAsync(new ReleaseQuery(State: ReleaseState.Passed)));
        Assert.Equal([d.Id, b.Id, c.Id], await IdsAsync(new ReleaseQuery(State: ReleaseState.Pending)));
        Assert.Equal([d.Id, b.Id], await IdsAsync(new ReleaseQuery(Limit: 2)));
        Assert.Empty(await IdsAsync(new ReleaseQuery(Service: "nothere")));
    }

    [Fact]
    public async Task ListAsync_LimitOutOfRange_IsClamped()
    {
        await CreateAsync("api", "1", "prod", Time.GetUtcNow());
        await CreateAsync("api", "2", "prod", Time.GetUtcNow().AddSeconds(-1));

        Assert.Single(await IdsAsync(new ReleaseQuery(Limit: 0)));
        Assert.Equal(2, (await IdsAsync(new ReleaseQuery(Limit: int.MaxValue))).Count);
    }

    [Fact]
    public async Task SetStateAsync_KnownAndUnknownIds()
    {
        var release = await CreateAsync("api", "1", "prod", Time.GetUtcNow());

        Assert.True(await _releases.SetStateAsync(release.Id, ReleaseState.Verifying, CancellationToken.None));
        Assert.Equal(ReleaseState.Verifying, (await _releases.GetAsync(release.Id, CancellationToken.None))!.State);
        Assert.False(await _releases.SetStateAsync("rel_nothere", ReleaseState.Failed, CancellationToken.None));
    }

    [Fact]
    public async Task EventsAsync_AppendedEvents_ComeBackOldestFirstWithDataAndLimit()
    {
        var release = await CreateAsync("api", "1", "prod", Time.GetUtcNow());
        Time.Advance(TimeSpan.FromSeconds(5));
        var started = await _releases.AppendEventAsync(release.Id, Time.GetUtcNow(), ReleaseEventKinds.VerificationStarted, "started", "ci", null, CancellationToken.None);
        Time.Advance(TimeSpan.FromSeconds(5));
        var verdict = await _releases.AppendEventAsync(release.Id, Time.GetUtcNow(), ReleaseEventKinds.Verdict, "Pass", null, """{"verdict":"Pass"}""", CancellationToken.None);

        var events = await _releases.EventsAsync(release.Id, 100, CancellationToken.None);

        Assert.Equal([ReleaseEventKinds.Created, ReleaseEventKinds.VerificationStarted, ReleaseEventKinds.Verdict], events.Select(e => e.Kind));
        Assert.Equal(started, events[1]);
        Assert.Equal(verdict, events[2]);
        Assert.True(events[1].Id < events[2].Id);
        Assert.Equal("""{"verdict":"Pass"}""", events[2].DataJson);
        Assert.Equal([ReleaseEventKinds.Created, ReleaseEventKinds.VerificationStarted], (await _releases.EventsAsync(release.Id, 2, CancellationToken.None)).Select(e => e.Kind));
        Assert.Empty(await _releases.EventsAsync("rel_nothere", 10, CancellationToken.None));
    }

    [Fact]
    public async Task AppendEventAsync_UnknownReleaseOrBadData_Throws()
    {
        var release = await CreateAsync("api", "1", "prod", Time.GetUtcNow());

        await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            _releases.AppendEventAsync("rel_nothere", Time.GetUtcNow(), "x.y", "m", null, null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            _releases.AppendEventAsync(release.Id, Time.GetUtcNow(), "x.y", "m", null, "[1,2]", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            _releases.AppendEventAsync(release.Id, Time.GetUtcNow(), "", "m", null, null, CancellationToken.None));
    }

    [Fact]
    public async Task Releases_SurviveReopeningTheDatabase()
    {
        var release = await CreateAsync("api", "1", "prod", Time.GetUtcNow());
        await ReopenAsync();
        var reopened = new SqliteReleaseStore(State);

        AssertSame(release, await reopened.GetAsync(release.Id, CancellationToken.None));
    }

    [Theory]
    [InlineData(ReleaseState.Pending, "pending")]
    [InlineData(ReleaseState.Inconclusive, "inconclusive")]
    [InlineData(ReleaseState.Baseline, "baseline")]
    public void StateText_RoundTrips(ReleaseState state, string text)
    {
        Assert.Equal(text, SqliteReleaseStore.StateText(state));
        Assert.True(SqliteReleaseStore.TryParseState(text, out var parsed));
        Assert.Equal(state, parsed);
        Assert.False(SqliteReleaseStore.TryParseState(text.ToUpperInvariant(), out _));
    }

    // Release is a record, but its Links list compares by reference.
    private static void AssertSame(Release expected, Release? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Links = [] }, actual with { Links = [] });
        Assert.Equal(expected.Links, actual.Links);
    }

    private async Task<Release> CreateAsync(string service, string version, string environment, DateTimeOffset started) =>
        (await _releases.CreateOrGetAsync(new NewRelease(service, version, environment, StartedAt: started), Time.GetUtcNow(), CancellationToken.None)).Release;

    private async Task<List<string>> IdsAsync(ReleaseQuery query) =>
        (await _releases.ListAsync(query, CancellationToken.None)).Select(r => r.Id).ToList();
}
