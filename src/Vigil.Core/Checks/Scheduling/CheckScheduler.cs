using System.Text;

namespace Vigil.Core.Checks.Scheduling;

/// <summary>
/// Runs a set of checks, each every <see cref="CheckDefinition.Interval"/>, at one location: the server's own
/// (<c>local</c>) and each <c>vigil agent</c> use it.
/// <para>
/// Each check runs at fixed instants: the Unix epoch plus a phase offset (a stable hash of the check's name, modulo
/// its interval) plus whole intervals. Checks with the same interval are therefore spread over it instead of firing
/// together, a restart keeps every check's phase, and due times are computed from the clock rather than added up, so
/// nothing drifts however long it runs. One loop waits on a priority queue of due times (one timer for all checks) and
/// hands each due run to the thread pool; at most <see cref="CheckSchedulerOptions.MaxConcurrentRuns"/> run at once. A
/// run that comes due while the previous run of the same check is still going is skipped and counted, never queued.
/// After a stall longer than an interval the missed runs are not made up: the check runs once, late, and then keeps
/// its phase.
/// </para>
/// <para>
/// <see cref="Update"/> replaces the set of checks at any time (an apply, a prune, an agent's refresh): new checks
/// start at their next phase instant, removed ones stop (a run in flight finishes and is reported), changed ones run
/// with the new definition from their next run on.
/// </para>
/// </summary>
public sealed class CheckScheduler
{
    // A wait is cut into pieces of at most this, so an odd clock jump is noticed within it.
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    private readonly ICheckExecutor _executor;
    private readonly Func<CheckResult, CancellationToken, ValueTask> _onResult;
    private readonly TimeProvider _time;
    private readonly CheckSchedulerOptions _options;

    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(Entry Entry, int Generation), long> _due = new();
    private TaskCompletionSource _wake = NewSignal();
    private TaskCompletionSource? _drained;
    private int _running;
    private int _loopStarted;
    private long _started;
    private long _completed;
    private long _skippedOverlap;
    private long _skippedBusy;
    private long _errors;
    private long _waitingUntilTicks;

    /// <summary>Creates a scheduler with no checks; call <see cref="Update"/> and <see cref="RunAsync"/>.</summary>
    /// <param name="executor">Runs one check once.</param>
    /// <param name="onResult">Receives every result (on a thread-pool thread, possibly several at once).</param>
    /// <param name="time">The clock (fake in tests).</param>
    /// <param name="options">Location, concurrency bound, secrets.</param>
    public CheckScheduler(ICheckExecutor executor, Func<CheckResult, CancellationToken, ValueTask> onResult, TimeProvider time, CheckSchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(onResult);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Location);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentRuns, 1);
        ArgumentNullException.ThrowIfNull(options.ResolveSecret);
        _executor = executor;
        _onResult = onResult;
        _time = time;
        _options = options;
    }

    /// <summary>The location recorded on results.</summary>
    public string Location => _options.Location;

    /// <summary>Counters since creation, and when the loop next wakes.</summary>
    public CheckSchedulerStats Stats
    {
        get
        {
            lock (_gate)
            {
                var waiting = _waitingUntilTicks;
                return new CheckSchedulerStats(
                    _entries.Count, _running, _started, _completed, _skippedOverlap, _skippedBusy, Interlocked.Read(ref _errors),
                    waiting == 0 ? null : new DateTimeOffset(waiting, TimeSpan.Zero));
            }
        }
    }

    /// <summary>
    /// The phase of a check: how far after each multiple of <paramref name="interval"/> since the Unix epoch it runs.
    /// A stable hash (FNV-1a of the UTF-8 name), the same in every process and after every restart.
    /// </summary>
    public static TimeSpan PhaseOffset(string name, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return TimeSpan.FromTicks((long)(StableHash(name) % (ulong)interval.Ticks));
    }

    /// <summary>The first instant strictly after <paramref name="after"/> at which the check runs.</summary>
    public static DateTimeOffset NextDue(string name, TimeSpan interval, DateTimeOffset after) =>
        new(NextDueTicks(name, interval, after.UtcTicks), TimeSpan.Zero);

    /// <summary>
    /// Replaces the checks to run. Names must be unique and intervals positive. Takes effect at once, also while
    /// <see cref="RunAsync"/> is waiting.
    /// </summary>
    /// <exception cref="ArgumentException">A name appears twice, or an interval is not positive.</exception>
    public void Update(IReadOnlyList<CheckDefinition> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var check in checks)
        {
            ArgumentNullException.ThrowIfNull(check, nameof(checks));
            if (!names.Add(check.Name))
            {
                throw new ArgumentException($"Check '{check.Name}' is given twice.", nameof(checks));
            }

            if (check.Interval <= TimeSpan.Zero)
            {
                throw new ArgumentException($"Check '{check.Name}' has a non-positive interval.", nameof(checks));
            }
        }

        var nowTicks = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            foreach (var check in checks)
            {
                if (_entries.TryGetValue(check.Name, out var entry))
                {
                    var intervalChanged = entry.Definition.Interval != check.Interval;
                    entry.Definition = check;
                    if (intervalChanged)
                    {
                        entry.Generation++;
                        _due.Enqueue((entry, entry.Generation), NextDueTicks(check.Name, check.Interval, nowTicks));
                    }
                }
                else
                {
                    entry = new Entry(check);
                    _entries.Add(check.Name, entry);
                    _due.Enqueue((entry, entry.Generation), NextDueTicks(check.Name, check.Interval, nowTicks));
                }
            }

            foreach (var gone in _entries.Values.Where(e => !names.Contains(e.Definition.Name)).ToList())
            {
                gone.Removed = true;
                gone.Generation++;
                _entries.Remove(gone.Definition.Name);
            }

            // Superseded queue items are dropped when they come due; rebuild if many updates left too many behind.
            if (_due.Count > (2 * _entries.Count) + 1024)
            {
                var live = _due.UnorderedItems.Where(i => !i.Element.Entry.Removed && i.Element.Generation == i.Element.Entry.Generation).ToList();
                _due.Clear();
                _due.EnqueueRange(live);
            }

            _waitingUntilTicks = 0;
            var wake = _wake;
            _wake = NewSignal();
            wake.TrySetResult();
        }
    }

    /// <summary>
    /// Runs the checks until <paramref name="cancellationToken"/> is cancelled, then waits for the runs in flight (they
    /// see the same token) and returns. Call once.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _loopStarted, 1) == 1)
        {
            throw new InvalidOperationException("The scheduler is already running.");
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Task wake;
                long next;
                lock (_gate)
                {
                    wake = _wake.Task;
                    DispatchDue(_time.GetUtcNow().UtcTicks, cancellationToken);
                    next = _due.TryPeek(out _, out var ticks) ? ticks : 0;
                }

                if (next == 0)
                {
                    lock (_gate)
                    {
                        _waitingUntilTicks = 0;
                    }

                    await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var delay = TimeSpan.FromTicks(next - _time.GetUtcNow().UtcTicks);
                if (delay <= TimeSpan.Zero)
                {
                    continue;
                }

                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delayTask = Task.Delay(delay < MaxWait ? delay : MaxWait, _time, stopWaiting.Token);
                lock (_gate)
                {
                    // Not after an update that already woke the loop: the stats never show a wait that is over.
                    _waitingUntilTicks = wake.IsCompleted ? 0 : next;
                }

                await Task.WhenAny(delayTask, wake).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            Task? drained = null;
            lock (_gate)
            {
                _waitingUntilTicks = 0;
                if (_running > 0)
                {
                    _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    drained = _drained.Task;
                }
            }

            if (drained is not null)
            {
                await drained.ConfigureAwait(false);
            }
        }
    }

    // Called under the lock: starts every run whose time has come and queues each check's next run.
    private void DispatchDue(long nowTicks, CancellationToken cancellationToken)
    {
        while (_due.TryPeek(out var item, out var dueTicks) && dueTicks <= nowTicks)
        {
            _due.Dequeue();
            var (entry, generation) = item;
            if (entry.Removed || generation != entry.Generation)
            {
                continue;
            }

            var definition = entry.Definition;
            _due.Enqueue(item, NextDueTicks(definition.Name, definition.Interval, Math.Max(nowTicks, dueTicks)));
            if (entry.Running)
            {
                _skippedOverlap++;
                continue;
            }

            if (_running >= _options.MaxConcurrentRuns)
            {
                _skippedBusy++;
                continue;
            }

            entry.Running = true;
            _running++;
            _started++;
            var scheduledAt = new DateTimeOffset(dueTicks, TimeSpan.Zero);
            _ = Task.Run(() => RunOneAsync(entry, definition, scheduledAt, cancellationToken), CancellationToken.None);
        }
    }

    private async Task RunOneAsync(Entry entry, CheckDefinition definition, DateTimeOffset scheduledAt, CancellationToken cancellationToken)
    {
        try
        {
            CheckResult result;
            try
            {
                var context = new CheckRunContext(_options.Location, scheduledAt, _options.ResolveSecret);
                result = await _executor.RunAsync(definition, context, cancellationToken).ConfigureAwait(false);
                result = result with { Check = definition.Name, Location = _options.Location, ScheduledAt = scheduledAt };
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The executor promises never to throw; if it does, the run still counts, as a failure that says so.
                Interlocked.Increment(ref _errors);
                _options.OnError?.Invoke(definition.Name, ex);
                var now = _time.GetUtcNow();
                result = new CheckResult(
                    definition.Name, _options.Location, scheduledAt, now, TimeSpan.Zero, CheckOutcome.Fail,
                    $"the check could not run ({ex.GetType().Name}); see the log of location {_options.Location}", null, 1, false, [], [], []);
            }

            try
            {
                await _onResult(result, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _completed);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: the result is lost with the process, like any run in flight.
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _errors);
                _options.OnError?.Invoke(definition.Name, ex);
            }
        }
        finally
        {
            lock (_gate)
            {
                entry.Running = false;
                _running--;
                if (_running == 0)
                {
                    _drained?.TrySetResult();
                }
            }
        }
    }

    private static long NextDueTicks(string name, TimeSpan interval, long afterTicks)
    {
        var step = interval.Ticks;
        var offset = PhaseOffset(name, interval).Ticks;
        var since = afterTicks - DateTimeOffset.UnixEpoch.UtcTicks - offset;
        var periods = since / step;
        if (since % step < 0)
        {
            periods--;
        }

        return DateTimeOffset.UnixEpoch.UtcTicks + offset + ((periods + 1) * step);
    }

    private static ulong StableHash(string name)
    {
        // FNV-1a, 64 bits: string.GetHashCode is randomised per process, and the phase must survive restarts.
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return hash;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Entry(CheckDefinition definition)
    {
        public CheckDefinition Definition { get; set; } = definition;

        public int Generation { get; set; }

        public bool Removed { get; set; }

        public bool Running { get; set; }
    }
}
