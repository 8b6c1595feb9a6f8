using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Vigil.Core.Scrape;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Server.Diagnostics;

namespace Vigil.Server.Scrape;

/// <summary>The health of a target, as <c>/api/v1/targets</c> reports it.</summary>
internal enum TargetHealth
{
    Unknown,
    Up,
    Down,
}

/// <summary>
/// Scrapes one target on its interval until stopped: GET with Prometheus's headers and the job's auth, parse,
/// label, store, and write staleness markers for series that disappeared. Each target starts at an offset within
/// the interval derived from a hash of the target, so a job's targets are spread out rather than scraped at once.
/// </summary>
internal sealed partial class ScrapeLoop
{
    /// <summary>Prometheus's Accept header: OpenMetrics first, then the text format 0.0.4.</summary>
    public const string AcceptHeader = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    /// <summary>Prometheus's staleness marker, a NaN with a distinct payload.</summary>
    public static readonly double StaleMarker = BitConverter.UInt64BitsToDouble(0x7ff0000000000002);

    private static readonly string[] ReportNames = ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"];

    private readonly ScrapeConfig _config;
    private readonly HttpClient _http;
    private readonly IDerivedSeriesWriter _writer;
    private readonly MetricMetadataCatalog _catalog;
    private readonly VigilMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ExpositionParserOptions _parserOptions;
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _stop = new();
    private HashSet<LabelSet> _previous = [];
    private Task? _run;
    private TargetHealth _health;
    private string _lastError = string.Empty;
    private DateTimeOffset? _lastScrape;
    private TimeSpan _lastDuration;

    public ScrapeLoop(ScrapeConfig config, ScrapeTarget target, HttpClient http, IDerivedSeriesWriter writer, MetricMetadataCatalog catalog, VigilMetrics metrics, TimeProvider time, ILogger log, ExpositionParserOptions parserOptions)
    {
        _config = config;
        Target = target;
        _http = http;
        _writer = writer;
        _catalog = catalog;
        _metrics = metrics;
        _time = time;
        _log = log;
        _parserOptions = parserOptions;
    }

    /// <summary>The target scraped.</summary>
    public ScrapeTarget Target { get; }

    /// <summary>A consistent copy of the last scrape's outcome.</summary>
    public (TargetHealth Health, string LastError, DateTimeOffset? LastScrape, TimeSpan LastDuration) Status()
    {
        lock (_stateLock)
        {
            return (_health, _lastError, _lastScrape, _lastDuration);
        }
    }

    /// <summary>Starts scraping in the background.</summary>
    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>
    /// Stops the loop and waits for it. When <paramref name="markStale"/> is true (the target went away) every series
    /// of its last scrape, and its report series, get a staleness marker; on shutdown they do not, as in Prometheus.
    /// </summary>
    public async Task StopAsync(bool markStale, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            try
            {
                await _run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected.
            }
        }

        _stop.Dispose();
        if (!markStale)
        {
            return;
        }

        var ts = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var samples = new List<SeriesSample>(_previous.Count + ReportNames.Length);
        foreach (var series in _previous)
        {
            samples.Add(new SeriesSample(series, ts, StaleMarker));
        }

        if (Status().LastScrape is not null)
        {
            foreach (var name in ReportNames)
            {
                samples.Add(new SeriesSample(Target.Labels.With(LabelSet.MetricNameLabel, name), ts, StaleMarker));
            }
        }

        _previous = [];
        await AppendAsync(samples, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The start offset within the interval: a hash of the target, so restarts keep the same phase.</summary>
    internal static TimeSpan Offset(ScrapeTarget target, DateTimeOffset now)
    {
        var intervalMs = Math.Max(1, (long)target.Interval.TotalMilliseconds);
        // FNV-1a: stable across processes (string.GetHashCode is randomized per process).
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(target.ScrapeUrl + "\n" + target.Labels))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        var phase = (long)(hash % (ulong)intervalMs);
        var offset = ((phase - (now.ToUnixTimeMilliseconds() % intervalMs)) % intervalMs + intervalMs) % intervalMs;
        return TimeSpan.FromMilliseconds(offset);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        await Task.Delay(Offset(Target, _time.GetUtcNow()), _time, stop).ConfigureAwait(false);
        using var timer = new PeriodicTimer(Target.Interval, _time);
        do
        {
            try
            {
                await ScrapeOnceAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A bug here must not end the loop silently: report it as the scrape's error and go on.
                LogScrapeCrashed(_log, ex, Target.ScrapeUrl);
            }
        }
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
    }

    /// <summary>Scrapes once: fetch, parse, label, store. Never throws for target or exposition problems.</summary>
    internal async Task ScrapeOnceAsync(CancellationToken stop)
    {
        var start = _time.GetUtcNow();
        var ts = start.ToUnixTimeMilliseconds();
        var watch = Stopwatch.StartNew();
        ExpositionResult? parsed = null;
        string? error;
        try
        {
            parsed = await FetchAsync(ts, stop).ConfigureAwait(false);
            error = parsed.Error;
        }
        catch (ScrapeException ex)
        {
            error = ex.Message;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            error = $"context deadline exceeded: no answer within the scrape timeout of {ScrapeLabels.FormatDuration(Target.Timeout)}";
        }
        catch (HttpRequestException ex)
        {
            error = $"Get \"{Target.ScrapeUrl}\": {ex.Message}";
        }
        catch (IOException ex)
        {
            error = $"reading the body of \"{Target.ScrapeUrl}\": {ex.Message}";
        }

        var samples = new List<SeriesSample>();
        var current = new HashSet<LabelSet>();
        var scraped = parsed?.Samples.Count ?? 0;
        var postRelabel = 0;
        var added = 0;
        if (error is null && parsed is not null)
        {
            foreach (var sample in parsed.Samples)
            {
                var labels = ScrapeLabels.ForSample(sample.Labels, Target.Labels, _config.HonorLabels, _config.MetricRelabelConfigs);
                if (labels is null || !current.Add(labels))
                {
                    // Dropped by metric relabeling, or a duplicate series in one scrape (the first wins, as Prometheus).
                    continue;
                }

                var sampleTs = _config.HonorTimestamps ? sample.TimestampMs : ts;
                samples.Add(new SeriesSample(labels, sampleTs, sample.Value));
                if (sampleTs != ts)
                {
                    // Prometheus does not track staleness for series with explicit timestamps.
                    current.Remove(labels);
                }
            }

            postRelabel = samples.Count;
            if (_config.SampleLimit > 0 && postRelabel > _config.SampleLimit)
            {
                error = $"sample_limit exceeded: {postRelabel} samples after metric relabeling, limit {_config.SampleLimit}";
                samples.Clear();
                current.Clear();
            }
        }

        if (error is null)
        {
            foreach (var series in current)
            {
                if (!_previous.Contains(series))
                {
                    added++;
                }
            }

            foreach (var metadata in parsed!.Metadata)
            {
                _catalog.Observe(metadata);
            }
        }
        else
        {
            current.Clear();
        }

        foreach (var gone in _previous)
        {
            if (!current.Contains(gone))
            {
                samples.Add(new SeriesSample(gone, ts, StaleMarker));
            }
        }

        _previous = current;
        var duration = watch.Elapsed;
        Report(samples, "up", ts, error is null ? 1 : 0);
        Report(samples, "scrape_duration_seconds", ts, duration.TotalSeconds);
        Report(samples, "scrape_samples_scraped", ts, scraped);
        Report(samples, "scrape_samples_post_metric_relabeling", ts, error is null ? postRelabel : 0);
        Report(samples, "scrape_series_added", ts, added);
        await AppendAsync(samples, stop).ConfigureAwait(false);

        var health = error is null ? TargetHealth.Up : TargetHealth.Down;
        if (health != _health)
        {
            // Only transitions reach the log at the default level, so a target that stays down does not flood it.
            if (health == TargetHealth.Down)
            {
                LogTargetDown(_log, _config.JobName, Target.ScrapeUrl, error!);
            }
            else if (_health == TargetHealth.Down)
            {
                LogTargetUp(_log, _config.JobName, Target.ScrapeUrl);
            }
        }

        lock (_stateLock)
        {
            _health = health;
            _lastError = error ?? string.Empty;
            _lastScrape = start;
            _lastDuration = duration;
        }

        _metrics.ScrapeCompleted(_config.JobName, error is null);
        if (error is not null)
        {
            LogScrapeFailed(_log, Target.ScrapeUrl, error);
        }
    }

    private async Task<ExpositionResult> FetchAsync(long ts, CancellationToken stop)
    {
        using var deadline = new CancellationTokenSource(Target.Timeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, Target.ScrapeUrl);
        request.Headers.TryAddWithoutValidation("Accept", AcceptHeader);
        request.Headers.TryAddWithoutValidation("X-Prometheus-Scrape-Timeout-Seconds", Target.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        request.Headers.Authorization = Authorization();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ScrapeException($"server returned HTTP status {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var format = ExpositionParser.FromContentType(response.Content.Headers.ContentType?.ToString());
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        return await ExpositionParser.ParseAsync(body, format, ts, _parserOptions, timeout.Token).ConfigureAwait(false);
    }

    private AuthenticationHeaderValue? Authorization()
    {
        if (_config.BasicAuth is { } basic)
        {
            var password = basic.PasswordFile is { } file ? ReadSecret(file, "password_file") : basic.Password ?? string.Empty;
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic.Username + ":" + password)));
        }

        if (_config.Authorization is { } auth)
        {
            var credentials = auth.CredentialsFile is { } file ? ReadSecret(file, "credentials_file") : auth.Credentials ?? string.Empty;
            return new AuthenticationHeaderValue(auth.Type, credentials);
        }

        return null;
    }

    /// <summary>Reads a secret file at each scrape (so rotation needs no restart); never echoes its content.</summary>
    private static string ReadSecret(string file, string field)
    {
        try
        {
            var info = new FileInfo(file);
            if (info.Exists && info.Length > 64 * 1024)
            {
                throw new ScrapeException($"{field} {file}: larger than 64 KiB");
            }

            return File.ReadAllText(file).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScrapeException($"unable to read {field} {file}: {ex.Message}");
        }
    }

    private void Report(List<SeriesSample> samples, string name, long ts, double value) =>
        samples.Add(new SeriesSample(Target.Labels.With(LabelSet.MetricNameLabel, name), ts, value));

    private async Task AppendAsync(List<SeriesSample> samples, CancellationToken cancellationToken)
    {
        if (samples.Count == 0)
        {
            return;
        }

        try
        {
            var result = await _writer.WriteAsync(samples, cancellationToken).ConfigureAwait(false);
            _metrics.IntakeAccepted("metrics", "scrape", samples.Count - result.RejectedSamples);
            if (result.RejectedSamples > 0)
            {
                _metrics.IntakeRejected("metrics", "store_refused", result.RejectedSamples);
                LogStoreRefused(_log, Target.ScrapeUrl, result.RejectedSamples, result.FirstRejectReason ?? "no reason given");
            }
        }
        catch (StoreOverloadedException ex)
        {
            _metrics.IntakeRejected("metrics", "overloaded", samples.Count);
            LogStoreRefused(_log, Target.ScrapeUrl, samples.Count, ex.Message);
        }
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Debug, Message = "Scrape of {Url} failed: {Error}")]
    private static partial void LogScrapeFailed(ILogger logger, Uri url, string error);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Job {Job}: target {Url} is down: {Error}")]
    private static partial void LogTargetDown(ILogger logger, string job, Uri url, string error);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Information, Message = "Job {Job}: target {Url} is up again")]
    private static partial void LogTargetUp(ILogger logger, string job, Uri url);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Error, Message = "Scrape loop for {Url} hit an unexpected error; it keeps running")]
    private static partial void LogScrapeCrashed(ILogger logger, Exception ex, Uri url);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "The store refused {Count} samples scraped from {Url}: {Reason}")]
    private static partial void LogStoreRefused(ILogger logger, Uri url, int count, string reason);
}

/// <summary>A scrape failure with a reason for <c>lastError</c>.</summary>
internal sealed class ScrapeException(string message) : Exception(message);
