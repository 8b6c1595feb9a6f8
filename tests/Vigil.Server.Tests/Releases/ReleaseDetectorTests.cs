using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Releases;
using Vigil.Core.Telemetry;
using Vigil.Server.Releases;
using Vigil.Storage.State;

namespace Vigil.Server.Tests.Releases;

public sealed class ReleaseDetectorTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-detector-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ReleaseDetector _detector = new();
    private SqliteStateStore _state = null!;
    private SqliteReleaseStore _store = null!;
    private ReleaseDetectionService _service = null!;

    public async Task InitializeAsync()
    {
        _state = await SqliteStateStore.OpenAsync(_dir, _time, CancellationToken.None);
        _store = new SqliteReleaseStore(_state);
        _service = new ReleaseDetectionService(_detector, _store, _time, NullLogger<ReleaseDetectionService>.Instance);
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _state.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Observe_SameTripleManyTimes_QueuesItOnce()
    {
        for (var i = 0; i < 100; i++)
        {
            _detector.Observe("api", "1.0", "prod");
        }

        _detector.Observe("api", "1.1", "prod");
        _detector.Observe([new Label(PromotedLabels.ServiceName, "api"), new Label(PromotedLabels.ServiceVersion, "1.1"), new Label(PromotedLabels.DeploymentEnvironmentName, "prod")]);

        Assert.Equal([new ServiceVersion("api", "1.0", "prod"), new ServiceVersion("api", "1.1", "prod")], Drain());
    }

    [Fact]
    public void Observe_NoServiceOrNoVersion_QueuesNothing()
    {
        _detector.Observe("", "1.0", "prod");
        _detector.Observe("api", "", "prod");
        _detector.Observe([new Label(PromotedLabels.ServiceName, "api"), new Label(PromotedLabels.Job, "api")]);

        Assert.Empty(Drain());
    }

    [Fact]
    public void Observe_MoreNewTriplesThanTheQueueHolds_DropsAndRetriesThemWhenSeenAgain()
    {
        for (var i = 0; i < ReleaseDetector.QueueCapacity + 10; i++)
        {
            _detector.Observe("api", "v" + i, "prod");
        }

        Assert.Equal(10, _detector.Dropped);
        Assert.Equal(ReleaseDetector.QueueCapacity, Drain().Count);

        // A dropped triple was forgotten, so its next sighting is queued.
        _detector.Observe("api", "v" + (ReleaseDetector.QueueCapacity + 3), "prod");
        Assert.Equal([new ServiceVersion("api", "v" + (ReleaseDetector.QueueCapacity + 3), "prod")], Drain());
    }

    [Fact]
    public void Observe_BeyondTheRememberedBound_ForgetsOnlyTheOldest()
    {
        // Fill well past the bound, draining as we go so the queue never refuses.
        var total = ReleaseDetector.MaxRemembered * 2;
        var queued = 0;
        for (var i = 0; i < total; i++)
        {
            _detector.Observe("api", "v" + i, "prod");
            queued += Drain().Count;
        }

        Assert.Equal(total, queued);

        // The most recent triples are still known; the very first was forgotten (and is queued again).
        _detector.Observe("api", "v" + (total - 1), "prod");
        Assert.Empty(Drain());
        _detector.Observe("api", "v0", "prod");
        Assert.Single(Drain());
    }

    [Fact]
    public async Task ProcessAsync_FirstVersionBaseline_LaterPending_ExistingUntouched()
    {
        var first = await _service.ProcessAsync(new ServiceVersion("cart", "1.0", "prod"), CancellationToken.None);
        var second = await _service.ProcessAsync(new ServiceVersion("cart", "1.1", "prod"), CancellationToken.None);
        var (ci, _) = await _store.CreateOrGetAsync(new NewRelease("cart", "1.2", "prod", Commit: "abc"), _time.GetUtcNow(), CancellationToken.None);
        var third = await _service.ProcessAsync(new ServiceVersion("cart", "1.2", "prod"), CancellationToken.None);
        var again = await _service.ProcessAsync(new ServiceVersion("cart", "1.0", "prod"), CancellationToken.None);

        Assert.Equal((ReleaseState.Baseline, ReleaseSource.Telemetry), (first!.State, first.Source));
        Assert.Equal((ReleaseState.Pending, ReleaseSource.Telemetry), (second!.State, second.Source));
        Assert.Null(third);
        Assert.Null(again);
        var stored = await _store.GetAsync(ci.Id, CancellationToken.None);
        Assert.Equal((ReleaseState.Pending, ReleaseSource.Api, "abc"), (stored!.State, stored.Source, stored.Commit));
        Assert.Equal(3, (await _store.ListAsync(new ReleaseQuery(Service: "cart"), CancellationToken.None)).Count);
    }

    [Fact]
    public async Task ProcessAsync_NoEnvironmentOrUnusableValues_CreatesNothing()
    {
        Assert.Null(await _service.ProcessAsync(new ServiceVersion("cart", "1.0", ""), CancellationToken.None));
        Assert.Null(await _service.ProcessAsync(new ServiceVersion("cart", new string('9', SqliteReleaseStore.MaxNameLength + 1), "prod"), CancellationToken.None));
        Assert.Null(await _service.ProcessAsync(new ServiceVersion("cart", "1.0\n", "prod"), CancellationToken.None));

        Assert.Empty(await _store.ListAsync(new ReleaseQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task Service_DrainsSightingsIntoReleases()
    {
        await _service.StartAsync(CancellationToken.None);
        _detector.Observe("web", "7", "prod");
        _detector.Observe("web", "8", "prod");

        var waited = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<Release> releases = [];
        while (releases.Count < 2 && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
            releases = await _store.ListAsync(new ReleaseQuery(Service: "web"), CancellationToken.None);
        }

        await _service.StopAsync(CancellationToken.None);
        Assert.Equal([ReleaseState.Baseline, ReleaseState.Pending], releases.OrderBy(r => r.Version, StringComparer.Ordinal).Select(r => r.State));
    }

    private List<ServiceVersion> Drain()
    {
        var items = new List<ServiceVersion>();
        while (_detector.Sightings.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }
}
