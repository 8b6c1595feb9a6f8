using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Watching;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Releases;
using Vigil.Core.Telemetry;
using Vigil.Server.Anomalies;
using Vigil.Storage.State;
using Xunit.Abstractions;

namespace Vigil.Server.Tests.Anomalies;

/// <summary>
/// The rule loop over the real embedded PromQL engine, SQLite event, release and declarative stores, with simulated
/// time: replay warm-up, events opening and closing, release timelines, the series bound and gaps.
/// </summary>
public sealed class AnomalyRuleLoopTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 7;
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-anomaly-loop-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);
    private readonly MemorySeries _series = new();
    private readonly ScoreWriter _writer = new();
    private SqliteStateStore _state = null!;
    private SqliteReleaseStore _releases = null!;
    private SqliteAnomalyEventStore _events = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _state = await SqliteStateStore.OpenAsync(_directory, _time, CancellationToken.None);
        _releases = new SqliteReleaseStore(_state);
        _events = new SqliteAnomalyEventStore(_state);
    }

    public async Task DisposeAsync()
    {
        await _state.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Jump_OpensEventWithExplanationOnTheReleaseTimeline_ReturnClosesIt()
    {
        output.WriteLine($"seed {Seed}");
        var random = new Random(Seed);
        var depth = LabelSet.From(("__name__", "queue_depth"), ("service_name", "shop"), ("deployment_environment_name", "prod"));
        // 300 points of history at the 30 s step before the loop first looks: replayed, not scored.
        for (var i = 300; i > 0; i--)
        {
            _series.Add(depth, Start.AddSeconds(-30 * i), 100 + (random.NextDouble() * 10) - 5);
        }

        var (shop, _) = await _releases.CreateOrGetAsync(new NewRelease("shop", "2.0.0", "prod", StartedAt: Start.AddMinutes(-10)), Start, CancellationToken.None);
        var (cart, _) = await _releases.CreateOrGetAsync(new NewRelease("cart", "1.0.0", "prod", StartedAt: Start.AddMinutes(-10)), Start, CancellationToken.None);
        var loop = Loop(new AnomaliesOptions { Defaults = false, CloseAfter = 3 }, ("queue-depth", "max by (service_name, deployment_environment_name) (queue_depth)"));

        await StepAsync(loop, depth, 101);
        var series = Assert.Single(Assert.Single(loop.Status).Series);
        Assert.True(series.Points >= 300, $"{series.Points} points after replay");
        Assert.Single(_writer.Samples); // the replay wrote nothing; the live evaluation wrote one score
        Assert.Equal(("queue-depth", "shop"), (_writer.Samples[0].Labels.Get("watch"), _writer.Samples[0].Labels.Get("service_name")));
        Assert.Equal(AnomalyRuleLoop.ScoreSeries, _writer.Samples[0].Labels.MetricName);

        AnomalyEvent? opened = null;
        for (var i = 0; i < 5 && opened is null; i++)
        {
            await StepAsync(loop, depth, 400);
            opened = (await _events.ListAsync(new AnomalyEventQuery(OpenOnly: true), CancellationToken.None)).SingleOrDefault();
        }

        Assert.NotNull(opened);
        output.WriteLine(opened.Explanation);
        Assert.Equal((400.0, "queue-depth"), (opened.Actual, opened.Watch));
        Assert.Equal(_time.GetUtcNow().AddSeconds(-30), opened.StartedAt);
        Assert.StartsWith("queue-depth of shop in prod is 400, expected ", opened.Explanation, StringComparison.Ordinal);
        Assert.EndsWith($" since {opened.StartedAt:HH:mm} (score {opened.Score:0.00})", opened.Explanation, StringComparison.Ordinal);
        var timeline = await _releases.EventsAsync(shop.Id, 100, CancellationToken.None);
        var detected = Assert.Single(timeline, e => e.Kind == AnomalyReleaseLink.DetectedEventKind);
        Assert.Equal("Anomaly: " + opened.Explanation, detected.Message);
        Assert.DoesNotContain(await _releases.EventsAsync(cart.Id, 100, CancellationToken.None), e => e.Kind == AnomalyReleaseLink.DetectedEventKind);

        // Back to normal: the event closes once the score has stayed below the threshold for closeAfter evaluations.
        for (var i = 0; i < 40 && (await _events.GetAsync(opened.Id, CancellationToken.None))!.Open; i++)
        {
            await StepAsync(loop, depth, 100 + (random.NextDouble() * 10) - 5);
        }

        var closed = (await _events.GetAsync(opened.Id, CancellationToken.None))!;
        Assert.False(closed.Open);
        Assert.True(closed.EndedAt >= opened.StartedAt.AddSeconds(90), $"closed at {closed.EndedAt:O}, opened {opened.StartedAt:O}");
    }

    [Fact]
    public async Task MaxSeries_LeavesTheRestOut_AndGapsAreSkipped()
    {
        var labels = Enumerable.Range(0, 3).Select(i => LabelSet.From(("__name__", "load"), ("host", $"h{i}"))).ToList();
        var log = new ListLogger();
        var loop = Loop(new AnomaliesOptions { Defaults = false, MaxSeries = 2 }, log, ("load", "load"));
        foreach (var l in labels)
        {
            _series.Add(l, Start, 1);
        }

        await loop.EvaluateOnceAsync(CancellationToken.None);
        Assert.Equal(1, loop.SeriesLeftOut);
        Assert.Equal(["h0", "h1"], Assert.Single(loop.Status).Series.Select(s => s.Labels["host"]));
        Assert.Equal(2, _writer.Samples.Count);
        Assert.Equal(
            "anomalies.maxSeries is 2: 1 series are not watched, the first being load{host=\"h2\"} (watch load); raise anomalies.maxSeries or narrow the watches",
            Assert.Single(log.Messages));

        _time.Advance(TimeSpan.FromSeconds(30));
        _series.Add(labels[0], _time.GetUtcNow(), double.NaN);
        _series.Add(labels[1], _time.GetUtcNow(), 2);
        await loop.EvaluateOnceAsync(CancellationToken.None);
        var status = Assert.Single(loop.Status).Series;
        Assert.Equal((1L, 2L), (status[0].Points, status[1].Points));
        Assert.Equal(3, _writer.Samples.Count);
    }

    [Fact]
    public async Task SavedState_ResumesAfterRestart_ForTheSameWatchOnly()
    {
        var depth = LabelSet.From(("__name__", "queue_depth"), ("service_name", "shop"));
        var options = new AnomaliesOptions { Defaults = false, ReplayWindow = TimeSpan.FromSeconds(30) };
        var first = Loop(options, ("queue-depth", "max by (service_name) (queue_depth)"));
        for (var i = 0; i < 200; i++)
        {
            await StepAsync(first, depth, 100 + (i % 5));
        }

        var before = Assert.Single(Assert.Single(first.Status).Series);
        Assert.Equal(200, before.Points);
        await first.SaveStateAsync();

        // A new loop (a restart) with a replay window too short to warm anything: the saved state carries the warm-up.
        var second = Loop(new AnomaliesOptions { Defaults = false, ReplayWindow = TimeSpan.FromSeconds(30) }, ("queue-depth", "max by (service_name) (queue_depth)"));
        await second.RestoreAsync(CancellationToken.None);
        await StepAsync(second, depth, 101);
        Assert.Equal(201, Assert.Single(Assert.Single(second.Status).Series).Points);

        // Another query under the same name starts afresh.
        var third = Loop(new AnomaliesOptions { Defaults = false, ReplayWindow = TimeSpan.FromSeconds(30) }, ("queue-depth", "max by (service_name) (queue_depth) * 1"));
        await third.RestoreAsync(CancellationToken.None);
        await StepAsync(third, depth, 101);
        Assert.InRange(Assert.Single(Assert.Single(third.Status).Series).Points, 1, 3); // the live point and at most two replayed
    }

    [Fact]
    public async Task OpenEvent_CarriesOnAfterRestart_WithItsId_AndClosesByTheUsualRule()
    {
        var depth = LabelSet.From(("__name__", "queue_depth"), ("service_name", "shop"));
        const string query = "max by (service_name) (queue_depth)";
        var first = Loop(new AnomaliesOptions { Defaults = false, CloseAfter = 3 }, ("queue-depth", query));
        var opened = Assert.Single(await OpenEventsAsync(first, depth, 1));
        await first.SaveStateAsync();

        // Down for one more evaluation interval: two intervals since the last evaluation, within closeAfter (3).
        _time.Advance(TimeSpan.FromSeconds(30));
        var log = new ListLogger(LogLevel.Information);
        var second = Loop(new AnomaliesOptions { Defaults = false, CloseAfter = 3 }, log, ("queue-depth", query));
        await second.RestoreAsync(CancellationToken.None);
        Assert.True((await _events.GetAsync(opened.Id, CancellationToken.None))!.Open);
        Assert.Contains("Anomalies: 1 event(s) left open by the previous run carry on (their series' detector and tracker states were restored)", log.Messages);
        Assert.DoesNotContain(log.Messages, m => m.Contains("closed", StringComparison.Ordinal));

        await StepAsync(second, depth, 400);
        Assert.Equal(opened.Id, Assert.Single(Assert.Single(second.Status).Series).OpenEventId);
        Assert.Single(await _events.ListAsync(new AnomalyEventQuery(), CancellationToken.None)); // no second event for the same episode

        var random = new Random(Seed);
        for (var i = 0; i < 40 && (await _events.GetAsync(opened.Id, CancellationToken.None))!.Open; i++)
        {
            await StepAsync(second, depth, 100 + (random.NextDouble() * 10) - 5);
        }

        var closed = (await _events.GetAsync(opened.Id, CancellationToken.None))!;
        Assert.Equal(_time.GetUtcNow().AddSeconds(-30), closed.EndedAt); // by the evaluation that made it three below
        Assert.Null(Assert.Single(Assert.Single(second.Status).Series).OpenEventId);
        Assert.Single(await _events.ListAsync(new AnomalyEventQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task OpenEvents_ThatCannotCarryOn_CloseAtStart_SayingWhy()
    {
        var depth = LabelSet.From(("__name__", "queue_depth"), ("service_name", "shop"));
        var first = Loop(
            new AnomaliesOptions { Defaults = false, CloseAfter = 3 },
            ("kept", "max by (service_name) (queue_depth)"),
            ("changed", "sum by (service_name) (queue_depth)"),
            ("removed", "min by (service_name) (queue_depth)"));
        var opened = (await OpenEventsAsync(first, depth, 3)).ToDictionary(e => e.Watch);
        var lastEvaluation = _time.GetUtcNow().AddSeconds(-30);
        await first.SaveStateAsync();
        var unsaved = await _events.AddAsync(opened["kept"] with { Id = 0, Watch = "gone" }, CancellationToken.None);

        // Down for five minutes (ten intervals, more than closeAfter): "kept" closes at its last evaluation, the rest now.
        _time.Advance(TimeSpan.FromMinutes(5));
        var log = new ListLogger(LogLevel.Information);
        var second = Loop(
            new AnomaliesOptions { Defaults = false, CloseAfter = 3 },
            log,
            ("kept", "max by (service_name) (queue_depth)"),
            ("changed", "sum by (service_name) (queue_depth) * 2"));
        await second.RestoreAsync(CancellationToken.None);

        Assert.Empty(await _events.ListAsync(new AnomalyEventQuery(OpenOnly: true), CancellationToken.None));
        Assert.Equal(lastEvaluation, (await _events.GetAsync(opened["kept"].Id, CancellationToken.None))!.EndedAt);
        foreach (var id in new[] { opened["changed"].Id, opened["removed"].Id, unsaved.Id })
        {
            Assert.Equal(_time.GetUtcNow(), (await _events.GetAsync(id, CancellationToken.None))!.EndedAt);
        }

        Assert.Equal(
            [
                "Anomalies: 1 event(s) left open by the previous run closed at start: no saved state has them open",
                "Anomalies: 1 event(s) left open by the previous run closed at start: their watch's query changed",
                "Anomalies: 1 event(s) left open by the previous run closed at start: their watch was removed",
                "Anomalies: 1 event(s) left open by the previous run closed at their series' last evaluation: no evaluation for more than 3 evaluation intervals",
            ],
            log.Messages);

        // The tracker of "kept" starts closed: the first evaluation does not continue the closed event.
        await StepAsync(second, depth, 101);
        Assert.DoesNotContain(Assert.Single(second.Status, w => w.Loaded.Watch.Name == "kept").Series, s => s.OpenEventId == opened["kept"].Id);
    }

    [Fact]
    public async Task StateFileWithoutTrackers_LoadsAsNoOpenEvent_DamagedFileClosesEverythingSayingSo()
    {
        var depth = LabelSet.From(("__name__", "queue_depth"), ("service_name", "shop"));
        const string query = "max by (service_name) (queue_depth)";
        var first = Loop(new AnomaliesOptions { Defaults = false, CloseAfter = 3 }, ("queue-depth", query));
        var opened = Assert.Single(await OpenEventsAsync(first, depth, 1));
        var points = Assert.Single(Assert.Single(first.Status).Series).Points;
        await first.SaveStateAsync();

        // A file written before trackers were saved: the same detectors, no "Tracker" property.
        var path = Path.Combine(_directory, AnomalyStateFile.FileName);
        JsonArray saved;
        await using (var read = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
        {
            saved = (await JsonNode.ParseAsync(read))!.AsArray();
        }

        foreach (var detector in saved)
        {
            Assert.True(detector!.AsObject().Remove("Tracker"));
        }

        await using (var write = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            await JsonSerializer.SerializeAsync(write, saved);
        }

        var log = new ListLogger(LogLevel.Information);
        var second = Loop(new AnomaliesOptions { Defaults = false, CloseAfter = 3, ReplayWindow = TimeSpan.FromSeconds(30) }, log, ("queue-depth", query));
        await second.RestoreAsync(CancellationToken.None);
        Assert.False((await _events.GetAsync(opened.Id, CancellationToken.None))!.Open);
        Assert.Equal(["Anomalies: 1 event(s) left open by the previous run closed at start: no saved state has them open"], log.Messages);
        await StepAsync(second, depth, 101);
        Assert.Equal(points + 1, Assert.Single(Assert.Single(second.Status).Series).Points); // the detector resumed

        // A damaged file: every open event closes, and the log says the file could not be read.
        var open = await _events.AddAsync(opened with { Id = 0 }, CancellationToken.None);
        var count = (await _events.ListAsync(new AnomalyEventQuery(OpenOnly: true), CancellationToken.None)).Count;
        await File.WriteAllTextAsync(path, "not gzip");
        var third = Loop(new AnomaliesOptions { Defaults = false, CloseAfter = 3 }, log, ("queue-depth", query));
        await third.RestoreAsync(CancellationToken.None);
        Assert.False((await _events.GetAsync(open.Id, CancellationToken.None))!.Open);
        Assert.Empty(await _events.ListAsync(new AnomalyEventQuery(OpenOnly: true), CancellationToken.None));
        Assert.Equal($"Anomalies: {count} event(s) left open by the previous run closed at start: the saved state file could not be read", log.Messages[^1]);
        Assert.True(File.Exists(path + ".damaged"));
    }

    // Steps a warm series (300 points of history, replayed) up to 400 until every watch has an open event; returns them.
    private async Task<IReadOnlyList<AnomalyEvent>> OpenEventsAsync(AnomalyRuleLoop loop, LabelSet labels, int watches)
    {
        output.WriteLine($"seed {Seed}");
        var random = new Random(Seed);
        for (var i = 300; i > 0; i--)
        {
            _series.Add(labels, _time.GetUtcNow().AddSeconds(-30 * i), 100 + (random.NextDouble() * 10) - 5);
        }

        IReadOnlyList<AnomalyEvent> opened = [];
        for (var i = 0; i < 5 && opened.Count < watches; i++)
        {
            await StepAsync(loop, labels, 400);
            opened = await _events.ListAsync(new AnomalyEventQuery(OpenOnly: true), CancellationToken.None);
        }

        Assert.Equal(watches, opened.Count);
        return opened;
    }

    private async Task StepAsync(AnomalyRuleLoop loop, LabelSet labels, double value)
    {
        _series.Add(labels, _time.GetUtcNow(), value);
        await loop.EvaluateOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
    }

    private AnomalyRuleLoop Loop(AnomaliesOptions options, params (string Name, string Query)[] watches) =>
        Loop(options, NullLogger<AnomalyRuleLoop>.Instance, watches);

    private AnomalyRuleLoop Loop(AnomaliesOptions options, ILogger<AnomalyRuleLoop> logger, params (string Name, string Query)[] watches)
    {
        foreach (var (name, query) in watches)
        {
            options.Watches.Items.Add(new WatchOptions { Name = name, Query = query });
        }

        return new AnomalyRuleLoop(
            new EmbeddedMetricsSource(_series, new MetricMetadataCatalog(), new PromQlEngineOptions()),
            _writer,
            _events,
            new SqliteDeclarativeStore(_state),
            new AnomalyReleaseLink(_releases, NullLogger<AnomalyReleaseLink>.Instance),
            options,
            new AnomalyStateFile(Path.Combine(_directory, AnomalyStateFile.FileName), NullLogger<AnomalyStateFile>.Instance),
            _time,
            logger);
    }

    // Keeps messages from a level (warnings and errors unless told) as formatted text.
    private sealed class ListLogger(LogLevel minimum = LogLevel.Warning) : ILogger<AnomalyRuleLoop>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Messages.Add(formatter(state, exception));
            }
        }
    }

    private sealed class MemorySeries : ISeriesSource
    {
        private readonly Dictionary<LabelSet, List<Sample>> _series = [];

        public void Add(LabelSet labels, DateTimeOffset at, double value)
        {
            if (!_series.TryGetValue(labels, out var samples))
            {
                _series[labels] = samples = [];
            }

            samples.Add(new Sample(at.ToUnixTimeMilliseconds(), value));
        }

        public IReadOnlyList<LabelSet> SelectSeries(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit) =>
            [.. SelectSamples(matchers, startMs, endMs, limit).Select(s => s.Labels)];

        public IReadOnlyList<SeriesSamples> SelectSamples(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit) =>
            [.. _series.Where(kv => matchers.All(m => m.Matches(kv.Key)))
                .OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal)
                .Select(kv => new SeriesSamples(kv.Key, [.. kv.Value.Where(s => s.TimestampMs >= startMs && s.TimestampMs <= endMs)]))
                .Where(s => s.Samples.Count > 0).Take(limit)];
    }

    // Collects what the loop writes (the real writer's destinations are tested with it).
    private sealed class ScoreWriter : IDerivedSeriesWriter
    {
        public List<SeriesSample> Samples { get; } = [];

        public ValueTask<AppendResult> WriteAsync(IReadOnlyList<SeriesSample> samples, CancellationToken cancellationToken)
        {
            Samples.AddRange(samples);
            return ValueTask.FromResult(AppendResult.Accepted);
        }
    }
}
