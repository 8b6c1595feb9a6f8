using System.Threading.Channels;
using Vigil.Core.Scrape;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Server.Configuration;
using Vigil.Server.Diagnostics;

namespace Vigil.Server.Scrape;

/// <summary>
/// Runs one scrape pool per <c>scrape_configs</c> job for the life of the server. Targets come from
/// <c>static_configs</c> and <c>file_sd_configs</c>; when discovery changes, new targets start and vanished ones stop
/// with staleness markers. On shutdown loops stop without markers (as Prometheus: series simply age out of the
/// 5-minute lookback, and a restart resumes them).
/// </summary>
internal sealed partial class ScrapeManager(
    VigilOptions options,
    IDerivedSeriesWriter writer,
    MetricMetadataCatalog catalog,
    VigilMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    /// <summary>Bound on active targets over all jobs: each costs a loop, a connection and a series cache.</summary>
    public const int MaxTargets = 10_000;

    /// <summary>Bound on dropped targets remembered for <c>/api/v1/targets</c>, per job.</summary>
    public const int MaxDroppedTargets = 1_000;

    private readonly ILogger _log = loggers.CreateLogger("Vigil.Scrape");
    private readonly List<ScrapePool> _pools = options.ScrapeConfigs
        .Select(c => new ScrapePool(c, writer, catalog, metrics, time, loggers.CreateLogger("Vigil.Scrape")))
        .ToList();

    /// <summary>The pools, in configuration order.</summary>
    public IReadOnlyList<ScrapePool> Pools => _pools;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_pools.Count == 0)
        {
            return;
        }

        LogStarting(_log, _pools.Count);
        var budget = new TargetBudget(MaxTargets);
        await Task.WhenAll(_pools.Select(p => p.RunAsync(budget, stoppingToken))).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        foreach (var pool in _pools)
        {
            pool.Dispose();
        }

        base.Dispose();
    }

    [LoggerMessage(EventId = 3120, Level = LogLevel.Information, Message = "Scraping {Jobs} job(s)")]
    private static partial void LogStarting(ILogger logger, int jobs);
}

/// <summary>A shared bound on active targets.</summary>
internal sealed class TargetBudget(int capacity)
{
    private int _used;

    public bool TryTake()
    {
        if (Interlocked.Increment(ref _used) <= capacity)
        {
            return true;
        }

        Interlocked.Decrement(ref _used);
        return false;
    }

    public void Return() => Interlocked.Decrement(ref _used);
}

/// <summary>The targets of one job and their loops.</summary>
internal sealed partial class ScrapePool : IDisposable
{
    private readonly IDerivedSeriesWriter _writer;
    private readonly MetricMetadataCatalog _catalog;
    private readonly VigilMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly HttpClient _http;
    private readonly ExpositionParserOptions _parserOptions = ExpositionParserOptions.Default;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ScrapeLoop> _loops = new(StringComparer.Ordinal);
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private List<LabelSet> _dropped = [];

    public ScrapePool(ScrapeConfig config, IDerivedSeriesWriter writer, MetricMetadataCatalog catalog, VigilMetrics metrics, TimeProvider time, ILogger log)
    {
        Config = config;
        _writer = writer;
        _catalog = catalog;
        _metrics = metrics;
        _time = time;
        _log = log;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = System.Net.DecompressionMethods.GZip | System.Net.DecompressionMethods.Deflate,
            ConnectTimeout = config.ScrapeTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = 4,
            MaxResponseHeadersLength = 64,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Vigil/" + (Api.SystemEndpoints.Version().Version is { Length: > 0 } v ? v.Split('+')[0] : "0"));
    }

    /// <summary>The job.</summary>
    public ScrapeConfig Config { get; }

    /// <summary>The active loops, sorted by scrape URL.</summary>
    public IReadOnlyList<ScrapeLoop> Active()
    {
        lock (_lock)
        {
            return _loops.Values.OrderBy(l => l.Target.ScrapeUrl.ToString(), StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Discovered label sets of targets dropped by relabeling (or unusable), at most <see cref="ScrapeManager.MaxDroppedTargets"/>.</summary>
    public IReadOnlyList<LabelSet> Dropped()
    {
        lock (_lock)
        {
            return _dropped;
        }
    }

    /// <summary>Discovers targets, keeps loops in step with them, and stops every loop (without markers) when cancelled.</summary>
    public async Task RunAsync(TargetBudget budget, CancellationToken stoppingToken)
    {
        var watchers = Config.FileSdConfigs.Select(c => new FileSdWatcher(c, _log, () => _changed.Writer.TryWrite(true))).ToList();
        try
        {
            var refresh = watchers.Count == 0 ? Timeout.InfiniteTimeSpan : watchers.Min(w => w.RefreshInterval);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await SyncAsync(watchers, budget, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Keep the pool alive: the current loops go on and the next refresh tries again.
                    LogSyncFailed(_log, ex, Config.JobName);
                }

                if (watchers.Count == 0)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, _time, stoppingToken).ConfigureAwait(false);
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var delay = Task.Delay(refresh, _time, wait.Token);
                var signal = _changed.Reader.WaitToReadAsync(wait.Token).AsTask();
                await Task.WhenAny(delay, signal).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                while (_changed.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            foreach (var watcher in watchers)
            {
                watcher.Dispose();
            }

            List<ScrapeLoop> loops;
            lock (_lock)
            {
                loops = [.. _loops.Values];
                _loops.Clear();
            }

            foreach (var loop in loops)
            {
                await loop.StopAsync(markStale: false, CancellationToken.None).ConfigureAwait(false);
                budget.Return();
            }
        }
    }

    private async Task SyncAsync(List<FileSdWatcher> watchers, TargetBudget budget, CancellationToken cancellationToken)
    {
        var groups = Config.StaticConfigs.Concat(watchers.SelectMany(w => w.Refresh())).ToList();
        var wanted = new Dictionary<string, ScrapeTarget>(StringComparer.Ordinal);
        var dropped = new List<LabelSet>();
        foreach (var group in groups)
        {
            foreach (var address in group.Targets)
            {
                var discovered = ScrapeLabels.Discovered(Config, group, address);
                var target = ScrapeLabels.Populate(Config, discovered, out var error);
                if (target is null)
                {
                    if (error is not null)
                    {
                        LogTargetUnusable(_log, Config.JobName, address, error);
                    }

                    if (dropped.Count < ScrapeManager.MaxDroppedTargets)
                    {
                        dropped.Add(Relabeler.ToLabelSet(discovered));
                    }

                    continue;
                }

                wanted.TryAdd(target.ScrapeUrl + "\n" + target.Labels, target);
            }
        }

        List<ScrapeLoop> removed;
        lock (_lock)
        {
            _dropped = dropped;
            removed = _loops.Where(kv => !wanted.ContainsKey(kv.Key)).Select(kv => kv.Value).ToList();
            foreach (var loop in removed)
            {
                _loops.Remove(loop.Target.ScrapeUrl + "\n" + loop.Target.Labels);
            }

            foreach (var (key, target) in wanted)
            {
                if (_loops.ContainsKey(key))
                {
                    continue;
                }

                if (!budget.TryTake())
                {
                    LogTooManyTargets(_log, Config.JobName, target.ScrapeUrl.ToString(), ScrapeManager.MaxTargets);
                    continue;
                }

                var loop = new ScrapeLoop(Config, target, _http, _writer, _catalog, _metrics, _time, _log, _parserOptions);
                _loops[key] = loop;
                loop.Start();
            }
        }

        foreach (var loop in removed)
        {
            await loop.StopAsync(markStale: true, cancellationToken).ConfigureAwait(false);
            budget.Return();
        }
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 3121, Level = LogLevel.Warning, Message = "Job {Job}: target {Address} cannot be scraped: {Reason}")]
    private static partial void LogTargetUnusable(ILogger logger, string job, string address, string reason);

    [LoggerMessage(EventId = 3123, Level = LogLevel.Error, Message = "Job {Job}: updating targets failed; retrying at the next refresh")]
    private static partial void LogSyncFailed(ILogger logger, Exception ex, string job);

    [LoggerMessage(EventId = 3122, Level = LogLevel.Warning, Message = "Job {Job}: not scraping {Url}: the limit of {Max} targets is reached")]
    private static partial void LogTooManyTargets(ILogger logger, string job, string url, int max);
}
