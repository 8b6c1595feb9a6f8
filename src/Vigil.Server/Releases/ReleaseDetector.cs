using System.Collections.Concurrent;
using System.Threading.Channels;
using Vigil.Core.Releases;
using Vigil.Core.Telemetry;
using Vigil.Storage.State;

namespace Vigil.Server.Releases;

/// <summary>One (service, version, environment) seen in telemetry; the environment is empty when the resource had none.</summary>
internal readonly record struct ServiceVersion(string Service, string Version, string Environment);

/// <summary>
/// Notices new <c>service.version</c>s in OTLP intake without slowing it down: intake calls <see cref="Observe(string, string, string)"/>
/// once per resource of an accepted request; a triple seen recently returns at once (two dictionary lookups, no
/// allocation), a new one is queued for <see cref="ReleaseDetectionService"/>, which creates the release off the hot path.
/// Both the set of remembered triples and the queue are bounded: at most <see cref="MaxRemembered"/> triples in two
/// generations (the older half is dropped when the newer fills, so the most recent ones stay), at most
/// <see cref="QueueCapacity"/> waiting; a triple that finds the queue full is forgotten and retried when next seen.
/// </summary>
internal sealed class ReleaseDetector
{
    /// <summary>Triples remembered: 10,000, far more (service, version, environment) combinations than are live at once.</summary>
    public const int MaxRemembered = 10_000;

    /// <summary>New triples waiting for the store: 1,024, a whole fleet rolling out at once.</summary>
    public const int QueueCapacity = 1024;

    private readonly Channel<ServiceVersion> _queue = Channel.CreateBounded<ServiceVersion>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Lock _swap = new();
    private ConcurrentDictionary<ServiceVersion, byte> _current = new();
    private ConcurrentDictionary<ServiceVersion, byte> _previous = new();
    private int _currentCount;
    private long _dropped;

    /// <summary>New triples, in the order they were first seen.</summary>
    public ChannelReader<ServiceVersion> Sightings => _queue.Reader;

    /// <summary>Triples that found the queue full (they are retried when seen again).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Notes telemetry of <paramref name="service"/> at <paramref name="version"/> in <paramref name="environment"/>. Cheap when already seen.</summary>
    public void Observe(string service, string version, string environment)
    {
        // No service or no version: nothing that could be a release.
        if (service.Length == 0 || version.Length == 0)
        {
            return;
        }

        var key = new ServiceVersion(service, version, environment);
        if (Volatile.Read(ref _current).ContainsKey(key))
        {
            return;
        }

        if (Volatile.Read(ref _previous).ContainsKey(key))
        {
            Remember(key); // still live: carry it into the newer generation
            return;
        }

        if (!Remember(key))
        {
            return; // another request saw it first
        }

        if (!_queue.Writer.TryWrite(key))
        {
            Forget(key);
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Notes a resource by its promoted labels (<c>service_name</c>, <c>service_version</c>, <c>deployment_environment_name</c>).</summary>
    public void Observe(ReadOnlySpan<Label> resourceLabels)
    {
        string service = string.Empty, version = string.Empty, environment = string.Empty;
        foreach (var label in resourceLabels)
        {
            switch (label.Name)
            {
                case PromotedLabels.ServiceName: service = label.Value; break;
                case PromotedLabels.ServiceVersion: version = label.Value; break;
                case PromotedLabels.DeploymentEnvironmentName: environment = label.Value; break;
            }
        }

        Observe(service, version, environment);
    }

    /// <summary>Forgets a triple, so its next sighting is queued again (after a failed store write).</summary>
    public void Forget(ServiceVersion key)
    {
        Volatile.Read(ref _current).TryRemove(key, out _);
        Volatile.Read(ref _previous).TryRemove(key, out _);
    }

    private bool Remember(ServiceVersion key)
    {
        if (!Volatile.Read(ref _current).TryAdd(key, 0))
        {
            return false;
        }

        if (Interlocked.Increment(ref _currentCount) >= MaxRemembered / 2)
        {
            lock (_swap)
            {
                if (Volatile.Read(ref _currentCount) >= MaxRemembered / 2)
                {
                    Volatile.Write(ref _previous, _current);
                    Volatile.Write(ref _current, new ConcurrentDictionary<ServiceVersion, byte>());
                    Volatile.Write(ref _currentCount, 0);
                }
            }
        }

        return true;
    }
}

/// <summary>
/// Creates releases for the triples <see cref="ReleaseDetector"/> queues, with source <c>telemetry</c>:
/// <list type="bullet">
/// <item>a triple that already has a release (created by CI before its telemetry arrived, or before a restart) is left as it is;</item>
/// <item>the first version of a service in an environment becomes <see cref="ReleaseState.Baseline"/>: there is nothing to compare it with, so it is not verified;</item>
/// <item>a later new version becomes <see cref="ReleaseState.Pending"/>, which the verification loop picks up;</item>
/// <item>telemetry without <c>deployment.environment.name</c> (or <c>deployment.environment</c>) creates no release, because
/// verification selects series by that label and could never find this release's data; this is logged once per triple.</item>
/// </list>
/// </summary>
internal sealed partial class ReleaseDetectionService(
    ReleaseDetector detector, SqliteReleaseStore store, TimeProvider time, ILogger<ReleaseDetectionService> log) : BackgroundService
{
    /// <summary>The actor of the creation event of releases made from telemetry.</summary>
    public const string Actor = "telemetry";

    /// <summary>Handles one sighting; returns the release created, or null when none was.</summary>
    public async Task<Release?> ProcessAsync(ServiceVersion seen, CancellationToken cancellationToken)
    {
        if (seen.Environment.Length == 0)
        {
            if (log.IsEnabled(LogLevel.Information))
            {
                var (service, version) = (Printable(seen.Service), Printable(seen.Version));
                LogNoEnvironment(log, service, version);
            }

            return null;
        }

        var now = time.GetUtcNow();
        var release = new NewRelease(seen.Service, seen.Version, seen.Environment, Source: ReleaseSource.Telemetry);
        if (SqliteReleaseStore.Check(release, now) is { } error)
        {
            if (log.IsEnabled(LogLevel.Warning))
            {
                var (service, version) = (Printable(seen.Service), Printable(seen.Version));
                LogUnusable(log, service, version, error.Field, error.Reason);
            }

            return null;
        }

        if (await store.FindAsync(seen.Service, seen.Version, seen.Environment, cancellationToken) is not null)
        {
            return null;
        }

        var first = (await store.ListAsync(new ReleaseQuery(seen.Service, seen.Environment, Limit: 1), cancellationToken)).Count == 0;
        var (stored, created) = await store.CreateOrGetAsync(
            release, first ? ReleaseState.Baseline : ReleaseState.Pending, Actor, now, cancellationToken);
        if (!created)
        {
            return null;
        }

        var stateText = SqliteReleaseStore.StateText(stored.State);
        LogCreated(log, stored.Service, stored.Version, stored.Environment, stored.Id, stateText);
        return stored;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var seen in detector.Sightings.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ProcessAsync(seen, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The state database is busy or failing: forget the triple so that its next sighting retries.
                    detector.Forget(seen);
                    if (log.IsEnabled(LogLevel.Warning))
                    {
                        var (service, version, environment) = (Printable(seen.Service), Printable(seen.Version), Printable(seen.Environment));
                        LogFailed(log, service, version, environment, e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: sightings still queued are seen again after the restart.
        }
    }

    // Telemetry text in a log line: control characters (forged line breaks, escapes) replaced, length bounded.
    private static string Printable(string text)
    {
        const int MaxLength = 120;
        var clipped = text.Length <= MaxLength ? text : text[..MaxLength] + "...";
        return clipped.Any(char.IsControl) ? string.Concat(clipped.Select(c => char.IsControl(c) ? '?' : c)) : clipped;
    }

    [LoggerMessage(EventId = 4400, Level = LogLevel.Information, Message = "New release from telemetry: {Service} {Version} in {Environment} ({ReleaseId}, {State})")]
    private static partial void LogCreated(ILogger logger, string service, string version, string environment, string releaseId, string state);

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Telemetry of {Service} {Version} has no deployment.environment.name; no release is created for it (verification selects series by that label)")]
    private static partial void LogNoEnvironment(ILogger logger, string service, string version);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Telemetry of {Service} {Version} cannot become a release: {Field} {Reason}")]
    private static partial void LogUnusable(ILogger logger, string service, string version, string field, string reason);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "Could not record the release {Service} {Version} in {Environment} seen in telemetry; retried when seen again")]
    private static partial void LogFailed(ILogger logger, string service, string version, string environment, Exception exception);
}
