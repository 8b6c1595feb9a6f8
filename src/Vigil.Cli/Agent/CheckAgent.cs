using System.Globalization;
using System.Text.Json;
using Vigil.Cli.Checks;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Checks;
using Vigil.Core.Checks.Scheduling;
using Vigil.Core.Declarative;
using Vigil.Server.Checks;

namespace Vigil.Cli.Agent;

/// <summary>Settings of a <see cref="CheckAgent"/>.</summary>
/// <param name="Location">The location this agent runs checks for.</param>
/// <param name="PollInterval">How often the check list is fetched again.</param>
/// <param name="ReadyFile">Written once the first check list arrived (JSON), or null.</param>
/// <param name="MaxPending">The most results kept while the server cannot take them; the oldest beyond are dropped.</param>
/// <param name="ResolveSecret">Looks up secrets in the agent's own environment.</param>
internal sealed record CheckAgentOptions(string Location, TimeSpan PollInterval, string? ReadyFile, int MaxPending, Func<string, string?> ResolveSecret)
{
    /// <summary>The most results in one report: about 1 MB of JSON at most, quick for the server to store.</summary>
    public const int BatchSize = 500;

    /// <summary>The default of <see cref="MaxPending"/>: 10,000 results, a minute of 10,000 checks a minute, a few MB.</summary>
    public const int DefaultMaxPending = 10_000;

    /// <summary>How long results gather before a report, so a busy agent sends a few requests a second, not one per run.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries while the server is unreachable or failing.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>How long a stopping agent still tries to deliver what it holds (the CLI is killed 2 s after a signal).</summary>
    public static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(1.5);
}

/// <summary>
/// <c>vigil agent</c>'s work: polls the server for the checks assigned to its location, runs them with the same
/// <see cref="CheckScheduler"/> and <see cref="CheckExecutor"/> as the server, and reports results in batches. While the
/// server is unreachable it keeps running the checks it last got and keeps results in a bounded queue (dropping the
/// oldest, counted and logged), retrying with exponential backoff; when the server is back, the queue drains.
/// </summary>
internal sealed class CheckAgent
{
    private const int MaxNamesLogged = 10;

    private readonly VigilClient _client;
    private readonly CheckAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly AgentLog _log;
    private readonly ICheckExecutor _executor;
    private readonly AgentResultQueue _queue;
    private readonly Dictionary<string, (string Yaml, CheckDefinition? Check)> _parsed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CheckOutcome> _lastOutcome = new(StringComparer.Ordinal);
    private readonly object _outcomeGate = new();
    private long _lastDropWarningTicks;
    private long _droppedAtLastWarning;

    public CheckAgent(VigilClient client, CheckAgentOptions options, TimeProvider time, AgentLog log, ICheckExecutor executor)
    {
        _client = client;
        _options = options;
        _time = time;
        _log = log;
        _executor = executor;
        _queue = new AgentResultQueue(options.MaxPending);
    }

    /// <summary>Results waiting to be reported.</summary>
    public int Pending => _queue.Count;

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled (0), or until the server refuses the agent at its
    /// first contact (5: a wrong key, scope or server).
    /// </summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scheduler = new CheckScheduler(_executor, OnResultAsync, _time, new CheckSchedulerOptions
        {
            Location = _options.Location,
            ResolveSecret = _options.ResolveSecret,
            OnError = (check, e) => _log.Error($"check {check}: {e.GetType().Name}: {e.Message}"),
        });
        _log.Info($"agent starting: server {_client.Server}, polling every {Output.Display.Duration(_options.PollInterval.TotalSeconds)}");
        var schedulerTask = scheduler.RunAsync(stop.Token);
        var senderTask = SendLoopAsync(stop.Token);
        var exitCode = ExitCodes.Success;
        try
        {
            exitCode = await PollLoopAsync(scheduler, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }

        await stop.CancelAsync();
        await schedulerTask;
        await senderTask;
        if (exitCode == ExitCodes.Success)
        {
            await FinalFlushAsync();
            _log.Info($"agent stopped ({scheduler.Stats.Completed} runs; {_queue.Count} results not delivered; {_queue.Dropped} dropped)");
        }

        return exitCode;
    }

    private async Task<int> PollLoopAsync(CheckScheduler scheduler, CancellationToken cancellationToken)
    {
        var ready = false;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = _options.PollInterval;
            try
            {
                var response = await _client.GetAgentChecksAsync(_options.Location, cancellationToken);
                if (failures > 0)
                {
                    _log.Info($"the server answers again (after {failures} failed polls)");
                }

                failures = 0;
                Apply(scheduler, response.Checks);
                if (!ready)
                {
                    ready = true;
                    await WriteReadyFileAsync(response.Checks.Count, cancellationToken);
                }
            }
            catch (VigilUnreachableException e)
            {
                failures++;
                wait = Backoff(failures, _options.PollInterval);
                if (failures == 1 || failures % 10 == 0)
                {
                    _log.Warn($"cannot reach the server ({e.Message}); {(ready ? "running the checks it last gave" : "no checks yet")}; " +
                        $"retrying in {Output.Display.Duration(wait.TotalSeconds)} ({failures} failed polls)");
                }
            }
            catch (VigilApiException e) when (!ready)
            {
                // At first contact a refusal is a setup mistake (key, scope, server version): say so and stop.
                _log.Error($"the server refused the agent: {e.Message}" + Hint(e.StatusCode));
                return ExitCodes.ServerError;
            }
            catch (VigilApiException e)
            {
                failures++;
                wait = Backoff(failures, _options.PollInterval);
                _log.Error($"polling checks failed: {e.Message}{Hint(e.StatusCode)}; keeping the current checks, retrying in {Output.Display.Duration(wait.TotalSeconds)}");
            }

            await Task.Delay(wait, _time, cancellationToken);
        }

        return ExitCodes.Success;
    }

    // Parses what the server sent (each YAML once per version) and hands the valid checks to the scheduler.
    private void Apply(CheckScheduler scheduler, IReadOnlyList<AgentCheckDto> checks)
    {
        var definitions = new List<CheckDefinition>(checks.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<string>();
        var changed = new List<string>();
        foreach (var dto in checks)
        {
            if (string.IsNullOrWhiteSpace(dto.Name) || !seen.Add(dto.Name))
            {
                _log.Warn($"the server sent check '{dto.Name}' twice or without a name; ignored");
                continue;
            }

            if (!_parsed.TryGetValue(dto.Name, out var known) || known.Yaml != dto.Yaml)
            {
                var errors = new List<DocumentError>();
                var check = CheckYaml.Parse($"{dto.Name} (from the server)", dto.Yaml ?? string.Empty, errors);
                if (check is not null && check.Name != dto.Name)
                {
                    _log.Error($"check '{dto.Name}': its document is named '{check.Name}'; not run");
                    check = null;
                }
                else if (check is null)
                {
                    _log.Error($"check '{dto.Name}' is not valid for this agent's version; not run: {string.Join("; ", errors.Take(5))}");
                }

                (known.Yaml is null ? added : changed).Add(dto.Name);
                known = (dto.Yaml ?? string.Empty, check);
                _parsed[dto.Name] = known;
            }

            if (known.Check is not null)
            {
                definitions.Add(known.Check);
            }
        }

        var removed = _parsed.Keys.Where(name => !seen.Contains(name)).ToList();
        foreach (var name in removed)
        {
            _parsed.Remove(name);
            lock (_outcomeGate)
            {
                _lastOutcome.Remove(name);
            }
        }

        scheduler.Update(definitions);
        if (added.Count + changed.Count + removed.Count > 0)
        {
            _log.Info($"running {definitions.Count} checks ({Names("added", added)}{Names("changed", changed)}{Names("removed", removed)})".Replace("; )", ")", StringComparison.Ordinal));
        }
    }

    private ValueTask OnResultAsync(CheckResult result, CancellationToken cancellationToken)
    {
        var dto = CheckResultDtos.ToDto(result);
        if (_queue.Add(dto) > 0)
        {
            WarnAboutDrops();
        }

        // Log transitions, not every run: a person watching the agent sees what changed and why.
        CheckOutcome? before;
        lock (_outcomeGate)
        {
            before = _lastOutcome.TryGetValue(result.Check, out var last) ? last : null;
            _lastOutcome[result.Check] = result.Outcome;
        }

        if (before != result.Outcome && (before is not null || result.Outcome != CheckOutcome.Pass))
        {
            var message = $"check {result.Check}: {(before is { } b ? CheckOutcomeNames.Text(b) + " -> " : string.Empty)}{dto.Outcome}" +
                (result.Reason is null ? string.Empty : $" ({result.Reason})");
            if (result.Outcome == CheckOutcome.Pass)
            {
                _log.Info(message);
            }
            else
            {
                _log.Warn(message);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void WarnAboutDrops()
    {
        // The first drop, then at most one line every 30 seconds, with the running total.
        var now = _time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastDropWarningTicks);
        if (last != 0 && now - last < TimeSpan.FromSeconds(30).Ticks)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastDropWarningTicks, now, last) != last)
        {
            return;
        }

        var dropped = _queue.Dropped;
        _log.Warn($"the result queue is full ({_queue.Capacity} results): dropped {dropped - Interlocked.Exchange(ref _droppedAtLastWarning, dropped)} " +
            $"oldest results ({dropped} in all) while the server does not take them");
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_queue.Count == 0)
                {
                    await _queue.WaitAsync(CheckAgentOptions.FlushInterval, _time, cancellationToken);
                    continue;
                }

                var (batch, through) = _queue.Peek(CheckAgentOptions.BatchSize);
                var wait = batch.Count < CheckAgentOptions.BatchSize ? CheckAgentOptions.FlushInterval : TimeSpan.Zero;
                try
                {
                    await _client.PostAgentResultsAsync(new AgentResultsRequest(_options.Location, batch), cancellationToken);
                    _queue.Remove(through);
                    if (failures > 0)
                    {
                        _log.Info($"reporting again (after {failures} failed reports); {_queue.Count} results still waiting");
                    }

                    failures = 0;
                }
                catch (VigilUnreachableException e)
                {
                    failures++;
                    wait = Backoff(failures, CheckAgentOptions.MaxBackoff);
                    if (failures == 1 || failures % 10 == 0)
                    {
                        _log.Warn($"cannot report {_queue.Count} results ({e.Message}); keeping up to {_queue.Capacity}, retrying in {Output.Display.Duration(wait.TotalSeconds)}");
                    }
                }
                catch (VigilApiException e) when (e.StatusCode is >= 400 and < 500 and not (401 or 403 or 408 or 429))
                {
                    // The server judged these results bad: sending them again would fail again and block the rest.
                    _log.Error($"the server refused {batch.Count} results and they were dropped: {e.Message}");
                    _queue.Remove(through);
                }
                catch (VigilApiException e)
                {
                    failures++;
                    wait = Backoff(failures, CheckAgentOptions.MaxBackoff);
                    _log.Error($"reporting {batch.Count} results failed: {e.Message}{Hint(e.StatusCode)}; retrying in {Output.Display.Duration(wait.TotalSeconds)}");
                }

                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: FinalFlushAsync sends what is left.
        }
    }

    private async Task FinalFlushAsync()
    {
        using var timeout = new CancellationTokenSource(CheckAgentOptions.FinalFlushTimeout, _time);
        try
        {
            while (_queue.Count > 0)
            {
                var (batch, through) = _queue.Peek(CheckAgentOptions.BatchSize);
                await _client.PostAgentResultsAsync(new AgentResultsRequest(_options.Location, batch), timeout.Token);
                _queue.Remove(through);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or VigilUnreachableException or VigilApiException)
        {
            // Best effort on the way out; the stop line says how many were not delivered.
        }
    }

    private async Task WriteReadyFileAsync(int checks, CancellationToken cancellationToken)
    {
        _log.Info($"connected: {checks} checks assigned to this location");
        if (_options.ReadyFile is not { } path)
        {
            return;
        }

        var json = JsonSerializer.Serialize(new { location = _options.Location, server = _client.Server.ToString(), checks, pid = Environment.ProcessId });
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, json, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    // 1 s, 2 s, 4 s, ... up to the cap.
    private static TimeSpan Backoff(int failures, TimeSpan cap)
    {
        var seconds = Math.Pow(2, Math.Min(failures - 1, 16));
        return TimeSpan.FromSeconds(Math.Min(seconds, Math.Min(cap.TotalSeconds, CheckAgentOptions.MaxBackoff.TotalSeconds)));
    }

    private static string Hint(int status) => status switch
    {
        401 => " (pass an ingest key with --api-key or VIGIL_API_KEY)",
        403 => " (the key's scope does not allow this: agents need an ingest key)",
        404 => " (is --server a Vigil server with synthetic checks?)",
        _ => string.Empty,
    };

    private static string Names(string what, List<string> names) => names.Count == 0
        ? string.Empty
        : string.Create(CultureInfo.InvariantCulture, $"{what}: {string.Join(", ", names.Take(MaxNamesLogged))}{(names.Count > MaxNamesLogged ? $" and {names.Count - MaxNamesLogged} more" : string.Empty)}; ");
}
