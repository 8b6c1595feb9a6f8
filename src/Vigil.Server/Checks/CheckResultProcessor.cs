using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Vigil.Core.Checks;
using Vigil.Core.Telemetry;

namespace Vigil.Server.Checks;

/// <summary>
/// Where every check result goes, from location <c>local</c> and from agents alike. <see cref="TryAccept"/> updates
/// the latest result per (check, location) and each check's quorum decision in memory (what the API shows), logs each
/// change of decision, and queues the results for <see cref="RunWriterAsync"/>, which stores them, writes their series
/// and puts failures and recoveries on release timelines, in batches. Memory is bounded by the loaded checks and their
/// locations; the queue by <see cref="ChecksOptions.QueueSize"/>.
/// </summary>
internal sealed partial class CheckResultProcessor
{
    // Results written per batch: one transaction and one series write each.
    private const int MaxBatch = 500;

    // How long the writer gathers results before a batch: short next to any check interval.
    private static readonly TimeSpan BatchLinger = TimeSpan.FromMilliseconds(200);

    private readonly CheckCatalog _catalog;
    private readonly ICheckResultStore _store;
    private readonly IDerivedSeriesWriter _series;
    private readonly CheckReleaseLink _releaseLink;
    private readonly TimeProvider _time;
    private readonly ChecksOptions _options;
    private readonly ILogger<CheckResultProcessor> _logger;
    private readonly Channel<Work> _queue;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, CheckResult>> _latest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QuorumDecision> _decisions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Check, string Location), long> _lastSampleMs = [];
    private long _dropped;
    private int _full;

    // Used by the single writer only: the last quorum sample per check, so its series stays in time order.
    private readonly Dictionary<string, long> _lastDecisionMs = new(StringComparer.Ordinal);

    public CheckResultProcessor(
        CheckCatalog catalog, ICheckResultStore store, IDerivedSeriesWriter series, CheckReleaseLink releaseLink, TimeProvider time, ChecksOptions options,
        ILogger<CheckResultProcessor> logger)
    {
        _catalog = catalog;
        _store = store;
        _series = series;
        _releaseLink = releaseLink;
        _time = time;
        _options = options;
        _logger = logger;
        _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(options.QueueSize * 2) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        catalog.Changed += OnCatalogChanged;
    }

    /// <summary>Results dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Writes the queue's own metrics at <c>/metrics</c>: results dropped since start, and results waiting now.</summary>
    public void WriteMetrics(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        sb.Append("# HELP vigil_check_results_dropped_total Check results dropped because the write queue was full (checks.queueSize); agents were answered 503.\n");
        sb.Append("# TYPE vigil_check_results_dropped_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"vigil_check_results_dropped_total {Dropped}\n");
        sb.Append("# HELP vigil_check_results_queued Check results waiting to be stored.\n");
        sb.Append("# TYPE vigil_check_results_queued gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"vigil_check_results_queued {_queue.Reader.Count}\n");
    }

    /// <summary>
    /// Seeds the latest results and decisions from the store at start, so a restart neither forgets the state nor
    /// announces again a failure it already announced.
    /// </summary>
    public void Seed(IReadOnlyList<CheckResult> latest)
    {
        var now = _time.GetUtcNow();
        var checks = _catalog.Current.Checks;
        lock (_gate)
        {
            foreach (var result in latest)
            {
                // An agent may have reported already: what arrived since start is newer than what was stored.
                if (checks.TryGetValue(result.Check, out var check) && check.Definition.Locations.Contains(result.Location, StringComparer.Ordinal)
                    && LatestOf(result.Check).TryAdd(result.Location, result))
                {
                    _lastSampleMs.TryAdd((result.Check, result.Location), result.StartedAt.ToUnixTimeMilliseconds());
                }
            }

            foreach (var (name, results) in _latest)
            {
                _decisions[name] = CheckQuorum.Decide(checks[name].Definition, results.Values, now);
            }
        }
    }

    /// <summary>
    /// Accepts results of known checks (others are ignored: validate agent input first). False, accepting none, when
    /// the write queue has no room for them all.
    /// </summary>
    public bool TryAccept(IReadOnlyList<CheckResult> results)
    {
        if (_queue.Reader.Count + results.Count > _options.QueueSize)
        {
            Interlocked.Add(ref _dropped, results.Count);
            if (Interlocked.Exchange(ref _full, 1) == 0)
            {
                // Once per episode: under sustained overload a line per result would add to the load.
                Log.QueueFull(_logger, _options.QueueSize);
            }

            return false;
        }

        if (Volatile.Read(ref _full) == 1 && Interlocked.Exchange(ref _full, 0) == 1)
        {
            Log.QueueRecovered(_logger, Dropped);
        }

        var now = _time.GetUtcNow();
        var checks = _catalog.Current.Checks;
        lock (_gate)
        {
            foreach (var result in results)
            {
                if (!checks.TryGetValue(result.Check, out var entry) || !entry.Definition.Locations.Contains(result.Location, StringComparer.Ordinal))
                {
                    continue;
                }

                var check = entry.Definition;
                var latest = LatestOf(check.Name);
                var newest = !latest.TryGetValue(result.Location, out var seen) || result.StartedAt >= seen.StartedAt;
                if (newest)
                {
                    latest[result.Location] = result;
                }

                // A series takes samples in time order only: an older result (an agent's late batch) is stored, not plotted.
                var sampleMs = result.StartedAt.ToUnixTimeMilliseconds();
                var plot = !_lastSampleMs.TryGetValue((check.Name, result.Location), out var last) || sampleMs > last;
                if (plot)
                {
                    _lastSampleMs[(check.Name, result.Location)] = sampleMs;
                }

                var (decision, _, transition) = DecideLocked(check, latest, now);
                if (!_queue.Writer.TryWrite(new Work(check, result, plot, decision.Outcome, now, transition)))
                {
                    Interlocked.Increment(ref _dropped);
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Decides every check again as of now, as a result's arrival would: a location whose results went stale (an agent
    /// gone silent, a local run stuck) changes the decision without any new result, and the change is logged, plotted
    /// and put on release timelines like any other. Called periodically by the checks service.
    /// </summary>
    public void Redecide()
    {
        var now = _time.GetUtcNow();
        var checks = _catalog.Current.Checks;
        lock (_gate)
        {
            foreach (var (name, latest) in _latest)
            {
                if (!checks.TryGetValue(name, out var entry) || latest.Count == 0)
                {
                    continue;
                }

                var check = entry.Definition;
                var (decision, changed, transition) = DecideLocked(check, latest, now);
                if (changed && !_queue.Writer.TryWrite(new Work(check, null, false, decision.Outcome, now, transition)))
                {
                    Interlocked.Increment(ref _dropped);
                }
            }
        }
    }

    // Decides the check again from its latest results (the caller holds _gate) and keeps the decision; a change of
    // outcome is logged, and a move into or out of Fail is the transition release timelines get.
    private (QuorumDecision Decision, bool Changed, CheckTransition? Transition) DecideLocked(
        CheckDefinition check, Dictionary<string, CheckResult> latest, DateTimeOffset now)
    {
        var decision = CheckQuorum.Decide(check, latest.Values, now);
        _decisions.TryGetValue(check.Name, out var previous);
        _decisions[check.Name] = decision;
        if (previous?.Outcome == decision.Outcome)
        {
            return (decision, false, null);
        }

        LogChange(check, previous?.Outcome, decision);
        var failFlip = (decision.Outcome == CheckOutcome.Fail) != (previous?.Outcome == CheckOutcome.Fail);
        return (decision, true, failFlip ? new CheckTransition(check, decision, previous?.Outcome, now) : null);
    }

    /// <summary>The newest result of each location of <paramref name="check"/> and its decision now, or null before any result.</summary>
    public (QuorumDecision Decision, IReadOnlyList<CheckResult> Latest)? StatusOf(CheckDefinition check)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_latest.TryGetValue(check.Name, out var latest) || latest.Count == 0)
            {
                return null;
            }

            // Decided again now: staleness moves with the clock even when no result arrives.
            return (CheckQuorum.Decide(check, latest.Values, now), [.. latest.Values.OrderBy(r => r.Location, StringComparer.Ordinal)]);
        }
    }

    /// <summary>Writes queued results until <paramref name="cancellationToken"/> is cancelled, then what is still queued.</summary>
    public async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        var batch = new List<Work>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Results trickle in one by one at the local location's pace: gathering them briefly turns a
                // transaction per result into one per batch.
                if (_queue.Reader.Count < MaxBatch)
                {
                    await Task.Delay(BatchLinger, _time, cancellationToken).ConfigureAwait(false);
                }

                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var work))
                {
                    batch.Add(work);
                }

                await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: write what is queued, without the release link's store round trips being cut short.
            while (_queue.Reader.TryRead(out var work))
            {
                batch.Add(work);
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteAsync(List<Work> batch, CancellationToken cancellationToken)
    {
        try
        {
            if (batch.Where(w => w.Result is not null).Select(w => w.Result!).ToList() is { Count: > 0 } results)
            {
                await _store.AddAsync(results, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.StoreFailed(_logger, batch.Count, ex);
        }

        var samples = new List<SeriesSample>(batch.Count * 8);
        var checks = _catalog.Current.Checks;
        if (_lastDecisionMs.Count > (2 * checks.Count) + 1024)
        {
            foreach (var gone in _lastDecisionMs.Keys.Where(k => !checks.ContainsKey(k)).ToList())
            {
                _lastDecisionMs.Remove(gone);
            }
        }

        var lastDecisionMs = _lastDecisionMs;
        foreach (var work in batch)
        {
            if (work.Plot && work.Result is not null)
            {
                CheckSeries.AddResult(samples, work.Check, work.Result);
            }

            var atMs = work.DecidedAt.ToUnixTimeMilliseconds();
            if (!lastDecisionMs.TryGetValue(work.Check.Name, out var last) || atMs > last)
            {
                lastDecisionMs[work.Check.Name] = atMs;
                CheckSeries.AddDecision(samples, work.Check, work.Outcome, atMs);
            }
        }

        try
        {
            await _series.WriteAsync(samples, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SeriesFailed(_logger, samples.Count, ex);
        }

        foreach (var transition in batch.Select(w => w.Transition).OfType<CheckTransition>())
        {
            await _releaseLink.AppendAsync(transition, cancellationToken).ConfigureAwait(false);
        }
    }

    private void LogChange(CheckDefinition check, CheckOutcome? previous, QuorumDecision decision)
    {
        var from = previous is { } p ? CheckOutcomeNames.Text(p) : "unknown";
        var to = CheckOutcomeNames.Text(decision.Outcome);
        if (decision.Outcome == CheckOutcome.Fail)
        {
            Log.Failing(_logger, check.Name, from, decision.Summary);
        }
        else
        {
            Log.Changed(_logger, check.Name, from, to, decision.Summary);
        }
    }

    private Dictionary<string, CheckResult> LatestOf(string check)
    {
        if (!_latest.TryGetValue(check, out var latest))
        {
            latest = new Dictionary<string, CheckResult>(StringComparer.Ordinal);
            _latest.Add(check, latest);
        }

        return latest;
    }

    // Forget what belongs to checks and locations no longer loaded, so memory follows the catalog.
    private void OnCatalogChanged(CatalogSnapshot snapshot)
    {
        lock (_gate)
        {
            foreach (var name in _latest.Keys.ToList())
            {
                if (!snapshot.Checks.TryGetValue(name, out var check))
                {
                    _latest.Remove(name);
                    _decisions.Remove(name);
                    continue;
                }

                var latest = _latest[name];
                foreach (var location in latest.Keys.Where(l => !check.Definition.Locations.Contains(l, StringComparer.Ordinal)).ToList())
                {
                    latest.Remove(location);
                }
            }

            foreach (var key in _lastSampleMs.Keys.Where(k => !snapshot.Checks.TryGetValue(k.Check, out var c) || !c.Definition.Locations.Contains(k.Location, StringComparer.Ordinal)).ToList())
            {
                _lastSampleMs.Remove(key);
            }
        }
    }

    // A result to store (null for a decision made again without one), and the decision it led to.
    private sealed record Work(CheckDefinition Check, CheckResult? Result, bool Plot, CheckOutcome Outcome, DateTimeOffset DecidedAt, CheckTransition? Transition);

    private static partial class Log
    {
        [LoggerMessage(EventId = 8010, Level = LogLevel.Warning, Message = "Check {Check} is failing (was {Previous}): {Summary}")]
        public static partial void Failing(ILogger logger, string check, string previous, string summary);

        [LoggerMessage(EventId = 8011, Level = LogLevel.Information, Message = "Check {Check} is {Outcome} (was {Previous}): {Summary}")]
        public static partial void Changed(ILogger logger, string check, string previous, string outcome, string summary);

        [LoggerMessage(EventId = 8012, Level = LogLevel.Warning, Message = "Check results: the write queue is full (checks.queueSize {QueueSize}); results are dropped until it drains")]
        public static partial void QueueFull(ILogger logger, int queueSize);

        [LoggerMessage(EventId = 8015, Level = LogLevel.Information, Message = "Check results: the write queue takes results again ({Dropped} dropped since start)")]
        public static partial void QueueRecovered(ILogger logger, long dropped);

        [LoggerMessage(EventId = 8013, Level = LogLevel.Error, Message = "Check results: cannot store {Count} result(s)")]
        public static partial void StoreFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = 8014, Level = LogLevel.Warning, Message = "Check results: cannot write {Count} sample(s)")]
        public static partial void SeriesFailed(ILogger logger, int count, Exception exception);
    }
}
