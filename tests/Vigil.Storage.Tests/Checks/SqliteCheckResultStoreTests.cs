using Vigil.Core.Checks;
using Vigil.Storage.State;
using Vigil.Storage.Tests.State;

namespace Vigil.Storage.Tests.Checks;

public sealed class SqliteCheckResultStoreTests() : StateStoreTest(Start)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AddAsync_FullResult_RoundTripsEveryField()
    {
        var store = new SqliteCheckResultStore(State);
        var result = new CheckResult(
            "login-flow", "eu-west", Start, Start + TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(250), CheckOutcome.Degraded,
            "soft assertion failed", "{\"ok\":false}", 2, true,
            [new CheckPhase("dns", TimeSpan.FromMilliseconds(1)), new CheckPhase("first_byte", TimeSpan.FromMilliseconds(90))],
            [new AssertionResult("status == 200", true, false, "200", null)],
            [new StepResult("login", CheckOutcome.Pass, TimeSpan.FromMilliseconds(80), null, [new AssertionResult("$.token exists", false, true, null, "missing")])]);

        await store.AddAsync([result], CancellationToken.None);
        var read = Assert.Single(await store.ListAsync("login-flow", null, 10, CancellationToken.None));

        Assert.Equal(result with { Phases = [], Assertions = [], Steps = [] }, read with { Phases = [], Assertions = [], Steps = [] });
        Assert.Equal(result.Phases, read.Phases);
        Assert.Equal(result.Assertions, read.Assertions);
        Assert.Equal(result.Steps[0] with { Assertions = [] }, read.Steps[0] with { Assertions = [] });
        Assert.Equal(result.Steps[0].Assertions, read.Steps[0].Assertions);
    }

    [Fact]
    public async Task ListAsync_NewestFirstFilteredByLocationAndLimited()
    {
        var store = new SqliteCheckResultStore(State);
        await store.AddAsync([.. Enumerable.Range(0, 5).SelectMany(i => new[] { Result("api", "local", i), Result("api", "eu-west", i) })], CancellationToken.None);
        await store.AddAsync([Result("other", "local", 9)], CancellationToken.None);

        var all = await store.ListAsync("api", null, 100, CancellationToken.None);
        var local = await store.ListAsync("api", "local", 3, CancellationToken.None);

        Assert.Equal(10, all.Count);
        Assert.Equal(all.OrderByDescending(r => r.StartedAt).Select(r => r.StartedAt), all.Select(r => r.StartedAt));
        Assert.Equal([4, 3, 2], local.Select(r => (int)(r.StartedAt - Start).TotalSeconds / 10));
        Assert.All(local, r => Assert.Equal("local", r.Location));
    }

    [Fact]
    public async Task AddAsync_BeyondRetention_KeepsNewestPerCheckAndLocation()
    {
        var store = new SqliteCheckResultStore(State, maxPerLocation: 5);

        for (var batch = 0; batch < 4; batch++)
        {
            await store.AddAsync([.. Enumerable.Range(batch * 3, 3).SelectMany(i => new[] { Result("api", "local", i), Result("api", "eu-west", i) })], CancellationToken.None);
        }

        await store.AddAsync([Result("quiet", "local", 0)], CancellationToken.None);
        var local = await store.ListAsync("api", "local", 100, CancellationToken.None);
        var west = await store.ListAsync("api", "eu-west", 100, CancellationToken.None);

        Assert.Equal([11, 10, 9, 8, 7], local.Select(r => (int)(r.StartedAt - Start).TotalSeconds / 10));
        Assert.Equal(5, west.Count);
        Assert.Single(await store.ListAsync("quiet", null, 100, CancellationToken.None));
    }

    [Fact]
    public async Task AddAsync_OneAtATime_NeverKeepsMoreThanATenthOverTheLimit()
    {
        var store = new SqliteCheckResultStore(State, maxPerLocation: 20);
        var most = 0;

        for (var i = 0; i < 100; i++)
        {
            await store.AddAsync([Result("api", "local", i)], CancellationToken.None);
            most = Math.Max(most, (await store.ListAsync("api", "local", 1000, CancellationToken.None)).Count);
        }

        var kept = await store.ListAsync("api", "local", 1000, CancellationToken.None);
        Assert.InRange(most, 20, 22);
        Assert.InRange(kept.Count, 20, 22);
        Assert.Equal(99, (int)(kept[0].StartedAt - Start).TotalSeconds / 10);
    }

    [Fact]
    public async Task LatestAsync_NewestPerCheckAndLocation_SurvivesReopen()
    {
        var store = new SqliteCheckResultStore(State);
        await store.AddAsync([Result("api", "local", 0), Result("api", "local", 1), Result("api", "eu-west", 0), Result("db", "local", 2)], CancellationToken.None);
        await ReopenAsync();

        var latest = await new SqliteCheckResultStore(State).LatestAsync(CancellationToken.None);

        Assert.Equal(
            [("api", "eu-west", 0), ("api", "local", 1), ("db", "local", 2)],
            latest.Select(r => (r.Check, r.Location, (int)(r.StartedAt - Start).TotalSeconds / 10)));
    }

    [Fact]
    public async Task DeleteOtherChecksAsync_RemovesOnlyChecksNotKept()
    {
        var store = new SqliteCheckResultStore(State);
        await store.AddAsync([Result("api", "local", 0), Result("gone", "local", 0), Result("gone", "eu-west", 1)], CancellationToken.None);

        var deleted = await store.DeleteOtherChecksAsync(["api"], CancellationToken.None);

        Assert.Equal(2, deleted);
        Assert.Equal(["api"], (await store.LatestAsync(CancellationToken.None)).Select(r => r.Check));
    }

    private static CheckResult Result(string check, string location, int index)
    {
        var at = Start + TimeSpan.FromSeconds(10 * index);
        return new CheckResult(check, location, at, at, TimeSpan.FromMilliseconds(20), index % 2 == 0 ? CheckOutcome.Pass : CheckOutcome.Fail,
            index % 2 == 0 ? null : "status 503", null, 1, false, [], [], []);
    }
}
