using System.Collections.Concurrent;
using System.Threading.Channels;
using Vigil.Core.Telemetry;

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
