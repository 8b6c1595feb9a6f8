using Vigil.Core.Anomalies.Watching;
using Vigil.Storage.State;
using Vigil.Storage.Tests.State;

namespace Vigil.Storage.Tests.Anomalies;

public sealed class SqliteAnomalyEventStoreTests() : StateStoreTest(Start)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AddCloseGetList_RoundTripAndFilter()
    {
        var store = new SqliteAnomalyEventStore(State);
        var shop = await store.AddAsync(Event("request-rate", "shop", Start), CancellationToken.None);
        var cart = await store.AddAsync(Event("p95-latency", "cart", Start.AddMinutes(5)), CancellationToken.None);
        Assert.True(shop.Id > 0 && cart.Id > shop.Id);

        var read = await store.GetAsync(shop.Id, CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal((shop.Watch, shop.StartedAt, shop.Actual, shop.Expected, shop.Spread, shop.Explanation), (read.Watch, read.StartedAt, read.Actual, read.Expected, read.Spread, read.Explanation));
        Assert.Equal(shop.Labels, read.Labels);
        Assert.Null(await store.GetAsync(999, CancellationToken.None));

        Assert.True(await store.CloseAsync(shop.Id, Start.AddMinutes(10), 0.97, CancellationToken.None));
        Assert.False(await store.CloseAsync(shop.Id, Start.AddMinutes(11), 0.99, CancellationToken.None)); // already closed
        var closed = (await store.GetAsync(shop.Id, CancellationToken.None))!;
        Assert.Equal((Start.AddMinutes(10), 0.97), (closed.EndedAt!.Value, closed.Score));

        Assert.Equal([cart.Id, shop.Id], (await store.ListAsync(new AnomalyEventQuery(), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([cart.Id], (await store.ListAsync(new AnomalyEventQuery(OpenOnly: true), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([shop.Id], (await store.ListAsync(new AnomalyEventQuery(Service: "shop"), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([cart.Id], (await store.ListAsync(new AnomalyEventQuery(Watch: "p95-latency"), CancellationToken.None)).Select(e => e.Id));
        // Since: the shop event ended before it, the cart event is still open.
        Assert.Equal([cart.Id], (await store.ListAsync(new AnomalyEventQuery(Since: Start.AddMinutes(30)), CancellationToken.None)).Select(e => e.Id));

        Assert.Equal(1, await store.CloseAllOpenAsync(Start.AddHours(1), CancellationToken.None));
        Assert.Empty(await store.ListAsync(new AnomalyEventQuery(OpenOnly: true), CancellationToken.None));
    }

    [Fact]
    public async Task Retention_KeepsTheNewestMaxEvents()
    {
        var store = new SqliteAnomalyEventStore(State, maxEvents: 10);
        for (var i = 0; i < 35; i++)
        {
            await store.AddAsync(Event("w", "s", Start.AddMinutes(i)), CancellationToken.None);
        }

        var kept = await store.ListAsync(new AnomalyEventQuery(Limit: 1000), CancellationToken.None);
        Assert.InRange(kept.Count, 10, 11);
        Assert.Equal(Start.AddMinutes(34), kept[0].StartedAt);
    }

    private static AnomalyEvent Event(string watch, string service, DateTimeOffset at) => new(
        0, watch, new Dictionary<string, string> { ["service_name"] = service, ["deployment_environment_name"] = "prod" }, at, null, 0.9, 412, 112.5, 8.75,
        $"request rate of {service} in prod is 412/s, expected 95–130/s since {at:HH:mm} (score 0.90)");
}
