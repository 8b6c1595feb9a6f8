using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Watching;
using Vigil.Core.Declarative;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;

namespace Vigil.Server.Anomalies;

/// <summary>A watch as loaded, with where it came from: <c>default</c>, <c>config</c> or <c>object</c>.</summary>
internal sealed record LoadedWatch(AnomalyWatch Watch, string Source);

/// <summary>One series of a watch as of its last evaluation.</summary>
internal sealed record SeriesStatus(
    IReadOnlyDictionary<string, string> Labels, long Points, DateTimeOffset? EvaluatedAt, double? Value, double Score, double Expected, double Spread, long? OpenEventId);

/// <summary>One watch as of its last evaluation.</summary>
internal sealed record WatchStatus(LoadedWatch Loaded, string? Error, IReadOnlyList<SeriesStatus> Series);

/// <summary>
/// The anomaly rule loop: every <see cref="AnomaliesOptions.EvaluationInterval"/> it evaluates every watched expression
/// as an instant query at the loop's time through <see cref="IMetricsSource"/>, feeds each output series to its own
/// <see cref="AnomalyDetector"/>, writes <c>vigil_anomaly_score{watch, ...series labels}</c>, and opens and closes
/// anomaly events (stored, and put on release timelines). A watch seen for the first time (so also every watch after
/// a restart) is first replayed over <see cref="AnomaliesOptions.ReplayWindow"/> at the evaluation step with a range
/// query, which warms its detectors without writing scores or opening events. NaN or missing points are gaps.
/// </summary>
internal sealed partial class AnomalyRuleLoop(
    IMetricsSource metrics,
    IDerivedSeriesWriter writer,
    IAnomalyEventStore events,
    IDeclarativeStore declarative,
    AnomalyReleaseLink releaseLink,
    AnomaliesOptions options,
    AnomalyStateFile stateFile,
    TimeProvider time,
    ILogger<AnomalyRuleLoop> logger) : BackgroundService
{
    /// <summary>The score series' name.</summary>
    public const string ScoreSeries = "vigil_anomaly_score";

    /// <summary>The most steps one replay evaluates per watch: 2,000.</summary>
    public const int MaxReplayPoints = 2000;

    private readonly Dictionary<string, WatchState> _watches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Yaml, AnomalyWatch? Watch)> _parsed = new(StringComparer.Ordinal);
    private int _seriesCount;
    private volatile IReadOnlyList<WatchStatus> _status = [];
    private volatile int _leftOut;
    private string? _lastLeftOut;
    private Dictionary<string, SavedDetector> _restored = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSave;

    /// <summary>Every watch as of the last evaluation, by name.</summary>
    public IReadOnlyList<WatchStatus> Status => _status;

    /// <summary>Series not watched in the last evaluation because of <see cref="AnomaliesOptions.MaxSeries"/>.</summary>
    public int SeriesLeftOut => _leftOut;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            Log.Disabled(logger);
            return;
        }

        await RestoreAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(options.EvaluationInterval, time);
        try
        {
            do
            {
                try
                {
                    await EvaluateOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.EvaluationFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await SaveStateAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the saved detector and tracker states (each resumes when its watch and series are first seen) and settles
    /// the events the previous run left open: see <see cref="SettleOpenEventsAsync"/>.
    /// </summary>
    internal async Task RestoreAsync(CancellationToken cancellationToken)
    {
        var saved = await stateFile.LoadAsync(cancellationToken).ConfigureAwait(false);
        _restored = saved.States;
        _lastSave = time.GetUtcNow();
        try
        {
            await SettleOpenEventsAsync(saved.Damaged, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // What is open is unknown: no restored tracker carries an event on.
            foreach (var (key, state) in _restored.ToList())
            {
                _restored[key] = state with { Tracker = null };
            }

            Log.StoreFailed(logger, ex);
        }
    }

    /// <summary>Saves every detector's and tracker's state (see <see cref="AnomalyStateFile"/>); logs and swallows failures.</summary>
    internal async Task SaveStateAsync()
    {
        _lastSave = time.GetUtcNow();
        var saved = _watches.Values.SelectMany(w => w.Series.Values.Select(s => new SavedDetector(
            AnomalyStateFile.Key(w.Loaded.Watch, s.Key), s.Detector.State, s.Tracker.IsOpen ? s.Tracker.State : null))).ToList();
        await stateFile.SaveAsync(saved).ConfigureAwait(false);
    }

    /// <summary>
    /// At start, decides what becomes of the events the previous run left open. An event carries on (same id, closed
    /// later by the usual rule) when its series' saved tracker has it open, the store still has it open, its watch is
    /// loaded with the same query, and the series was last evaluated no more than <see cref="AnomaliesOptions.CloseAfter"/>
    /// evaluation intervals ago. After a longer gap it closes at that last evaluation (whether the anomaly lasted through
    /// the gap is unknown; a series still anomalous opens a new event). Every other open event (no saved state, a
    /// damaged file, a changed query, a removed watch) closes now. The log says how many and why.
    /// </summary>
    private async Task SettleOpenEventsAsync(bool damaged, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = (await LoadWatchesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(w => w.Watch.Name, w => w.Watch, StringComparer.Ordinal);
        var gap = options.EvaluationInterval * options.CloseAfter;
        var keep = new List<long>();
        var (removed, changed, lapsed) = (0, 0, 0);
        foreach (var (key, saved) in _restored.ToList())
        {
            if (saved.Tracker is not { Open: true, EventId: { } id } tracker)
            {
                continue;
            }

            // Carries no event on unless every check below passes.
            _restored[key] = saved with { Tracker = null };
            var name = key[..Math.Max(0, key.IndexOf('\n', StringComparison.Ordinal))];
            var anomaly = await events.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (anomaly is not { Open: true } || anomaly.Watch != name)
            {
                continue;
            }

            if (!current.TryGetValue(name, out var watch))
            {
                removed++;
            }
            else if (!key.StartsWith(AnomalyStateFile.Key(watch, string.Empty), StringComparison.Ordinal))
            {
                changed++;
            }
            else if (now - DateTimeOffset.FromUnixTimeMilliseconds(saved.State.LastTimestampMs) > gap)
            {
                await events.CloseAsync(id, DateTimeOffset.FromUnixTimeMilliseconds(saved.State.LastTimestampMs), tracker.PeakScore, cancellationToken).ConfigureAwait(false);
                lapsed++;
            }
            else
            {
                _restored[key] = saved;
                keep.Add(id);
            }
        }

        var closed = await events.CloseAllOpenExceptAsync(now, keep, cancellationToken).ConfigureAwait(false);
        if (keep.Count > 0)
        {
            Log.CarriedOn(logger, keep.Count);
        }

        var unknown = closed - removed - changed;
        if (unknown > 0)
        {
            Log.ClosedAtStart(logger, unknown, damaged ? "the saved state file could not be read" : "no saved state has them open");
        }

        if (changed > 0)
        {
            Log.ClosedAtStart(logger, changed, "their watch's query changed");
        }

        if (removed > 0)
        {
            Log.ClosedAtStart(logger, removed, "their watch was removed");
        }

        if (lapsed > 0)
        {
            Log.ClosedAfterGap(logger, lapsed, options.CloseAfter);
        }
    }

    /// <summary>One evaluation of every watch at the current time.</summary>
    internal async Task EvaluateOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        if (_lastSave == default)
        {
            _lastSave = now;
        }

        var loaded = await LoadWatchesAsync(cancellationToken).ConfigureAwait(false);
        Forget(loaded);
        var samples = new List<SeriesSample>();
        var leftOut = 0;
        string? firstLeftOut = null;
        foreach (var watch in loaded)
        {
            if (!_watches.TryGetValue(watch.Watch.Name, out var state))
            {
                state = new WatchState(watch);
                _watches.Add(watch.Watch.Name, state);
                await ReplayAsync(state, nowMs, cancellationToken).ConfigureAwait(false);
            }

            IReadOnlyList<(LabelSet Labels, double Value)> points;
            try
            {
                points = Points(await metrics.InstantQueryAsync(watch.Watch.Query, nowMs, cancellationToken).ConfigureAwait(false));
                state.Error = null;
            }
            catch (Exception ex) when (ex is MetricsSourceException or PromQlParseException or PromQlEvaluationException)
            {
                state.Error = ex.Message;
                continue;
            }

            foreach (var (labels, value) in points)
            {
                if (!double.IsFinite(value))
                {
                    continue;
                }

                if (Series(state, labels) is not { } series)
                {
                    leftOut++;
                    firstLeftOut ??= $"{labels} (watch {watch.Watch.Name})";
                    continue;
                }

                var score = series.Detector.Observe(nowMs, value);
                series.Points = series.Detector.State.Count;
                (series.EvaluatedAt, series.Value, series.Score, series.Expected, series.Spread) =
                    (now, value, score, series.Detector.Expected, series.Detector.Spread);
                samples.Add(new SeriesSample(series.ScoreLabels, nowMs, score));
                await TrackAsync(state, series, score, value, now, cancellationToken).ConfigureAwait(false);
            }
        }

        if (samples.Count > 0)
        {
            try
            {
                await writer.WriteAsync(samples, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.WriteFailed(logger, ex);
            }
        }

        _leftOut = leftOut;
        if (firstLeftOut is not null && firstLeftOut != _lastLeftOut)
        {
            Log.TooManySeries(logger, options.MaxSeries, firstLeftOut, leftOut);
        }

        _lastLeftOut = firstLeftOut;
        if (now - _lastSave >= options.StateSaveInterval)
        {
            await SaveStateAsync().ConfigureAwait(false);
        }
        _status = [.. _watches.Values.OrderBy(w => w.Loaded.Watch.Name, StringComparer.Ordinal).Select(w => new WatchStatus(
            w.Loaded,
            w.Error,
            [.. w.Series.Values.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new SeriesStatus(
                s.Labels, s.Points, s.EvaluatedAt, s.Value, s.Score, s.Expected, s.Spread, s.Tracker.EventId))]))];
    }

    private async Task TrackAsync(WatchState state, SeriesState series, double score, double value, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The tracker forgets both when the event closes.
        var (openId, peak) = (series.Tracker.EventId, series.Tracker.PeakScore);
        switch (series.Tracker.Observe(score))
        {
            case AnomalyTransition.Opened:
                var explanation = AnomalyEvent.Explain(state.Loaded.Watch, series.Labels, value, series.Expected, series.Spread, score, now);
                var anomaly = new AnomalyEvent(0, state.Loaded.Watch.Name, series.Labels, now, null, score, value, series.Expected, series.Spread, explanation);
                try
                {
                    anomaly = await events.AddAsync(anomaly, cancellationToken).ConfigureAwait(false);
                    series.Tracker.EventId = anomaly.Id;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.StoreFailed(logger, ex);
                }

                Log.Opened(logger, anomaly.Id, explanation);
                await releaseLink.AppendAsync(anomaly, cancellationToken).ConfigureAwait(false);
                break;
            case AnomalyTransition.Closed:
                if (openId is { } id)
                {
                    try
                    {
                        await events.CloseAsync(id, now, peak, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.StoreFailed(logger, ex);
                    }
                }

                break;
            default:
                break;
        }
    }

    // Feeds the last ReplayWindow (at most MaxReplayPoints steps) to the watch's detectors; nothing is written or opened.
    private async Task ReplayAsync(WatchState state, long nowMs, CancellationToken cancellationToken)
    {
        var stepMs = Math.Max(1, (long)options.EvaluationInterval.TotalMilliseconds);
        var windowMs = Math.Min((long)options.ReplayWindow.TotalMilliseconds, stepMs * MaxReplayPoints);
        var endMs = nowMs - stepMs;
        var startMs = endMs - windowMs;
        if (windowMs <= 0 || startMs >= endMs)
        {
            return;
        }

        MatrixResult history;
        try
        {
            history = await metrics.RangeQueryAsync(state.Loaded.Watch.Query, startMs, endMs, stepMs, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MetricsSourceException or PromQlParseException or PromQlEvaluationException)
        {
            Log.ReplayFailed(logger, state.Loaded.Watch.Name, ex.Message);
            return;
        }

        var replayed = 0;
        foreach (var s in history.Series)
        {
            if (Series(state, s.Labels) is not { } series)
            {
                continue;
            }

            foreach (var point in s.Samples)
            {
                if (double.IsFinite(point.Value) && point.TimestampMs > series.Detector.State.LastTimestampMs)
                {
                    // Points up to a restored state's last one were seen before the restart.
                    series.Detector.Observe(point.TimestampMs, point.Value);
                    replayed++;
                }
            }
        }

        foreach (var series in state.Series.Values)
        {
            series.Points = series.Detector.State.Count;
        }

        Log.Replayed(logger, state.Loaded.Watch.Name, replayed, state.Series.Count);
    }

    // The series' state, created while under MaxSeries; null when the limit is reached.
    private SeriesState? Series(WatchState state, LabelSet labels)
    {
        var key = labels.Without(LabelSet.MetricNameLabel);
        if (state.Series.TryGetValue(key.ToString(), out var series))
        {
            return series;
        }

        if (_seriesCount >= options.MaxSeries)
        {
            return null;
        }

        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in state.Loaded.Watch.Labels)
        {
            all[name] = value;
        }

        foreach (var label in key.Labels)
        {
            all[label.Name] = label.Value;
        }

        all.Remove("watch");
        var scoreLabels = LabelSet.From(all.Select(l => new Label(l.Key, l.Value))
            .Append(new Label("watch", state.Loaded.Watch.Name))
            .Append(new Label(LabelSet.MetricNameLabel, ScoreSeries)));
        _restored.Remove(AnomalyStateFile.Key(state.Loaded.Watch, key.ToString()), out var saved);
        var detector = saved is null ? new AnomalyDetector() : new AnomalyDetector(AnomalyDetectorOptions.Default, saved.State);
        var tracker = new AnomalyEventTracker(AnomalyDetector.DefaultThreshold, options.CloseAfter, saved?.Tracker ?? AnomalyEventTrackerState.Closed);
        series = new SeriesState(key.ToString(), all, scoreLabels, detector, tracker)
        {
            Points = detector.State.Count,
        };
        state.Series.Add(series.Key, series);
        _seriesCount++;
        return series;
    }

    // Drops watches no longer loaded or whose query changed (their detectors start again).
    private void Forget(IReadOnlyList<LoadedWatch> loaded)
    {
        var current = loaded.ToDictionary(w => w.Watch.Name, StringComparer.Ordinal);
        foreach (var (name, state) in _watches.ToList())
        {
            if (!current.TryGetValue(name, out var now) || now.Watch.Query != state.Loaded.Watch.Query)
            {
                _seriesCount -= state.Series.Count;
                _watches.Remove(name);
            }
            else
            {
                state.Loaded = now;
            }
        }
    }

    private async Task<IReadOnlyList<LoadedWatch>> LoadWatchesAsync(CancellationToken cancellationToken)
    {
        var watches = new Dictionary<string, LoadedWatch>(StringComparer.Ordinal);
        if (options.Defaults)
        {
            foreach (var w in AnomalyWatch.Defaults)
            {
                watches[w.Name] = new LoadedWatch(w, "default");
            }
        }

        foreach (var w in options.Watches.Items)
        {
            watches[w.Name] = new LoadedWatch(w.ToWatch(), "config");
        }

        IReadOnlyList<DeclarativeObject> stored;
        try
        {
            stored = await declarative.ListAsync(AnomalyWatchYaml.Kind, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.StoreFailed(logger, ex);
            stored = [];
        }

        foreach (var o in stored.OrderBy(o => o.Name, StringComparer.Ordinal).Take(options.MaxSeries))
        {
            if (!_parsed.TryGetValue(o.Name, out var parsed) || parsed.Yaml != o.Yaml)
            {
                var errors = new List<DocumentError>();
                var watch = AnomalyWatchYaml.Parse($"{AnomalyWatchYaml.Kind}/{o.Name}", o.Yaml, errors);
                if (watch is null)
                {
                    Log.Unreadable(logger, o.Name, string.Join("; ", errors.Take(5)));
                }

                parsed = (o.Yaml, watch is null ? null : watch with { Name = o.Name });
                _parsed[o.Name] = parsed;
            }

            if (parsed.Watch is { } ok)
            {
                watches[ok.Name] = new LoadedWatch(ok, "object");
            }
        }

        foreach (var name in _parsed.Keys.Where(n => !stored.Any(o => o.Name == n)).ToList())
        {
            _parsed.Remove(name);
        }

        return [.. watches.Values.OrderBy(w => w.Watch.Name, StringComparer.Ordinal)];
    }

    private static List<(LabelSet Labels, double Value)> Points(PromQlResult result) => result switch
    {
        VectorResult vector => [.. vector.Elements.Select(e => (e.Labels, e.Value))],
        ScalarResult scalar => [(LabelSet.Empty, scalar.Value)],
        _ => [],
    };

    private sealed class WatchState(LoadedWatch loaded)
    {
        public LoadedWatch Loaded { get; set; } = loaded;

        public string? Error { get; set; }

        public Dictionary<string, SeriesState> Series { get; } = new(StringComparer.Ordinal);
    }

    private sealed class SeriesState(string key, Dictionary<string, string> labels, LabelSet scoreLabels, AnomalyDetector detector, AnomalyEventTracker tracker)
    {
        public string Key { get; } = key;

        public IReadOnlyDictionary<string, string> Labels { get; } = labels;

        public LabelSet ScoreLabels { get; } = scoreLabels;

        public AnomalyDetector Detector { get; } = detector;

        public AnomalyEventTracker Tracker { get; } = tracker;

        public long Points { get; set; }

        public DateTimeOffset? EvaluatedAt { get; set; }

        public double? Value { get; set; }

        public double Score { get; set; }

        public double Expected { get; set; }

        public double Spread { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9300, Level = LogLevel.Information, Message = "Anomaly detection is disabled (anomalies.enabled: false)")]
        public static partial void Disabled(ILogger logger);

        [LoggerMessage(EventId = 9301, Level = LogLevel.Information, Message = "Anomalies: {Count} event(s) left open by the previous run closed at start: {Reason}")]
        public static partial void ClosedAtStart(ILogger logger, int count, string reason);

        [LoggerMessage(EventId = 9310, Level = LogLevel.Information, Message = "Anomalies: {Count} event(s) left open by the previous run carry on (their series' detector and tracker states were restored)")]
        public static partial void CarriedOn(ILogger logger, int count);

        [LoggerMessage(EventId = 9311, Level = LogLevel.Information, Message = "Anomalies: {Count} event(s) left open by the previous run closed at their series' last evaluation: no evaluation for more than {CloseAfter} evaluation intervals")]
        public static partial void ClosedAfterGap(ILogger logger, int count, int closeAfter);

        [LoggerMessage(EventId = 9302, Level = LogLevel.Warning, Message = "Anomalies: cannot read or write the store")]
        public static partial void StoreFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 9303, Level = LogLevel.Error, Message = "Anomalies: an evaluation failed")]
        public static partial void EvaluationFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 9304, Level = LogLevel.Warning, Message = "Anomalies: cannot write vigil_anomaly_score")]
        public static partial void WriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 9305, Level = LogLevel.Error, Message = "anomalies.maxSeries is {Max}: {Count} series are not watched, the first being {First}; raise anomalies.maxSeries or narrow the watches")]
        public static partial void TooManySeries(ILogger logger, int max, string first, int count);

        [LoggerMessage(EventId = 9306, Level = LogLevel.Warning, Message = "Anomaly watch {Watch}: cannot replay its history to warm up: {Reason}")]
        public static partial void ReplayFailed(ILogger logger, string watch, string reason);

        [LoggerMessage(EventId = 9307, Level = LogLevel.Information, Message = "Anomaly watch {Watch}: replayed {Points} point(s) of history over {Series} series")]
        public static partial void Replayed(ILogger logger, string watch, int points, int series);

        [LoggerMessage(EventId = 9308, Level = LogLevel.Error, Message = "AnomalyWatch {Name} is stored but cannot be read, so it is not watched: {Errors}")]
        public static partial void Unreadable(ILogger logger, string name, string errors);

        [LoggerMessage(EventId = 9309, Level = LogLevel.Warning, Message = "Anomaly {Id} opened: {Explanation}")]
        public static partial void Opened(ILogger logger, long id, string explanation);
    }
}
