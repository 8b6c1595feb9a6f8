using System.Collections.Concurrent;
using Vigil.Core.Telemetry.Exposition;

namespace Vigil.Core.Telemetry;

/// <summary>
/// What intake has learned about metric families (type, help, unit), for <c>/api/v1/metadata</c>. Like Prometheus,
/// it lives in memory and is learned again after a restart from the next scrape, remote-write or OTLP export.
/// Bounded: once <see cref="Capacity"/> families are known, new names are ignored (known ones still update).
/// Thread-safe.
/// </summary>
public sealed class MetricMetadataCatalog(int capacity = MetricMetadataCatalog.DefaultCapacity)
{
    /// <summary>The default bound on remembered families.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly ConcurrentDictionary<string, MetricMetadata> _families = new(StringComparer.Ordinal);

    /// <summary>The most families remembered.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>How many families are known.</summary>
    public int Count => _families.Count;

    /// <summary>Records (or replaces) what is known of one family. Families without a name are ignored.</summary>
    public void Observe(MetricMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Name.Length == 0)
        {
            return;
        }

        if (_families.TryGetValue(metadata.Name, out var known))
        {
            if (known != metadata)
            {
                _families[metadata.Name] = metadata;
            }

            return;
        }

        if (_families.Count < Capacity)
        {
            _families.TryAdd(metadata.Name, metadata);
        }
    }

    /// <summary>Known families sorted by name, only <paramref name="metric"/> when given; at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<MetricMetadata> List(string? metric, int limit)
    {
        if (metric is not null)
        {
            return _families.TryGetValue(metric, out var one) && limit > 0 ? [one] : [];
        }

        return _families.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Take(Math.Max(0, limit)).ToList();
    }
}
