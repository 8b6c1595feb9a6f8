using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Drift;

/// <summary>
/// Runs every <see cref="ISnapshotSource"/> in turn and assembles a <see cref="DriftSnapshot"/>: a source that throws
/// becomes one <c>unreadable</c> item (key <c>source:&lt;name&gt;</c>, value <c>could not read: reason</c>) and never
/// aborts the snapshot; items are bounded (<see cref="DefaultMaxItems"/>, with one item saying so when cut), sources
/// redacted, secrets forced to have no value, keys, sources and values kept within the server's limits, exact duplicates
/// removed, one item per (category, key), ordered by category, then key.
/// </summary>
public sealed class SnapshotCollector
{
    /// <summary>
    /// The most items one snapshot holds by default: far above a large service (10,000 configuration keys, 2,000 packages,
    /// a 500-table schema make about 20,000), and what the server accepts in one upload.
    /// </summary>
    public const int DefaultMaxItems = 100_000;

    /// <summary>The longest key and source kept (the server's limit); a longer key is cut and ends with a hash so it stays unique.</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>The longest value kept (the server's limit); a longer one is replaced by its SHA-256, so equal values still compare equal.</summary>
    public const int MaxValueLength = 16_384;

    /// <summary>The key of the item that says the snapshot was cut at the limit.</summary>
    public const string TruncatedKey = "snapshot:truncated";

    private readonly IReadOnlyList<ISnapshotSource> _sources;
    private readonly TimeProvider _time;
    private readonly int _maxItems;

    /// <summary>Creates a collector.</summary>
    /// <param name="sources">The sources, run in this order (an <see cref="EndpointSource"/> reads what earlier ones found, so it comes last).</param>
    /// <param name="time">The clock for <see cref="DriftSnapshot.TakenAt"/>.</param>
    /// <param name="maxItems">The most items kept; default <see cref="DefaultMaxItems"/>.</param>
    public SnapshotCollector(IReadOnlyList<ISnapshotSource> sources, TimeProvider time, int maxItems = DefaultMaxItems)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        _sources = sources;
        _time = time;
        _maxItems = maxItems;
    }

    /// <summary>
    /// The standard sources in their order: environment, configuration files, runtime, dependencies, Kubernetes manifests,
    /// then <paramref name="extra"/> (database schema sources), then endpoints.
    /// </summary>
    public static IReadOnlyList<ISnapshotSource> DefaultSources(string? service, IEnumerable<ISnapshotSource>? extra = null, TimeProvider? time = null) =>
    [
        new EnvironmentSource(),
        new ConfigFileSource(service),
        new RuntimeSource(),
        new DependencySource(service),
        new ManifestSource(),
        .. extra ?? [],
        new EndpointSource(time ?? TimeProvider.System),
    ];

    /// <summary>Collects one snapshot.</summary>
    /// <param name="context">What to read and how to treat secrets.</param>
    /// <param name="service">The service the snapshot is of, or null for the whole host.</param>
    /// <param name="host">The host name to record.</param>
    /// <param name="cancellationToken">Stops the collection.</param>
    public async Task<DriftSnapshot> CollectAsync(SnapshotContext context, string? service, string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var takenAt = _time.GetUtcNow();
        var items = new BoundedItems(_maxItems);
        foreach (var source in _sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await source.CollectAsync(context, items, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                items.AddAlways(SourceFiles.Unreadable(CategoryOf(source.Name), "source:" + source.Name, context.Secrets.Redact(SourceFiles.Reason(e)), source.Name));
            }
        }

        if (items.Dropped > 0)
        {
            items.AddAlways(new SnapshotItem(
                DriftCategories.Runtime, DriftItemKinds.Unreadable, TruncatedKey,
                string.Create(CultureInfo.InvariantCulture, $"could not read: the snapshot stops at {_maxItems} items; {items.Dropped} more were not recorded"),
                "vigil"));
        }

        var redacted = new Dictionary<string, string>(StringComparer.Ordinal);
        var sorted = items.List
            .Select(item => Clean(item, context.Secrets, redacted))
            .Distinct()
            .OrderBy(i => i.Category, StringComparer.Ordinal)
            .ThenBy(i => i.Key, StringComparer.Ordinal)
            .ThenBy(i => i.Kind, StringComparer.Ordinal)
            .ThenBy(i => i.Value, StringComparer.Ordinal)
            .ThenBy(i => i.Source, StringComparer.Ordinal);

        // Items are matched across snapshots by (category, key): when two sources name the same fact differently (one
        // Deployment in two manifests), the first in this order is kept so the snapshot stays comparable and uploadable.
        var clean = new List<SnapshotItem>();
        foreach (var item in sorted)
        {
            if (clean.Count == 0 || clean[^1].Category != item.Category || clean[^1].Key != item.Key)
            {
                clean.Add(item);
            }
        }

        return new DriftSnapshot(context.EnvironmentName, service, takenAt, host, clean);
    }

    /// <summary>The category of a source's own failure item: its name when that is a category, else schema for database sources.</summary>
    internal static string CategoryOf(string sourceName) => sourceName switch
    {
        DriftCategories.Environment or DriftCategories.Config or DriftCategories.Runtime or DriftCategories.Dependency or
            DriftCategories.Schema or DriftCategories.Migration or DriftCategories.Resource or DriftCategories.Endpoint => sourceName,
        _ when sourceName.Contains("postgres", StringComparison.OrdinalIgnoreCase) || sourceName.Contains("sqlite", StringComparison.OrdinalIgnoreCase) ||
               sourceName.Contains("schema", StringComparison.OrdinalIgnoreCase) || sourceName.Contains("database", StringComparison.OrdinalIgnoreCase) => DriftCategories.Schema,
        _ => DriftCategories.Runtime,
    };

    // A secret never carries a value; every source and every unreadable reason is redacted once more, whatever the source did.
    private static SnapshotItem Clean(SnapshotItem item, ISecretRedactor secrets, Dictionary<string, string> redacted)
    {
        string? source = null;
        if (item.Source is not null && !redacted.TryGetValue(item.Source, out source))
        {
            // Items share few sources; the cache is bounded by the item limit.
            source = secrets.Redact(item.Source);
            redacted[item.Source] = source;
        }

        if (source is { Length: > MaxKeyLength })
        {
            source = source[..(MaxKeyLength - 1)] + "…";
        }

        var key = BoundKey(item.Key);
        if (item.Secret is not null)
        {
            return item with { Key = key, Value = null, Source = source };
        }

        var value = item.Kind == DriftItemKinds.Unreadable && item.Value is not null ? secrets.Redact(item.Value) : item.Value;
        if (value is { Length: > MaxValueLength })
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
            value = string.Create(CultureInfo.InvariantCulture, $"sha256:{hash} ({value.Length} characters, too long to record)");
        }

        return item with { Key = key, Value = value, Source = source };
    }

    // Control characters become '?'; a key over the limit keeps its start and ends with a hash of the whole, so it stays unique.
    private static string BoundKey(string key)
    {
        if (key.Any(char.IsControl))
        {
            key = string.Concat(key.Select(c => char.IsControl(c) ? '?' : c));
        }

        if (key.Length <= MaxKeyLength)
        {
            return key;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return key[..(MaxKeyLength - 18)] + "…#" + hash;
    }

    /// <summary>A list that keeps the first <c>max</c> items and counts the rest.</summary>
    private sealed class BoundedItems(int max) : ICollection<SnapshotItem>
    {
        public List<SnapshotItem> List { get; } = [];

        public long Dropped { get; private set; }

        public int Count => List.Count;

        public bool IsReadOnly => false;

        public void Add(SnapshotItem item)
        {
            ArgumentNullException.ThrowIfNull(item);
            if (List.Count >= max)
            {
                Dropped++;
                return;
            }

            List.Add(item);
        }

        public void AddAlways(SnapshotItem item) => List.Add(item);

        public void Clear() => List.Clear();

        public bool Contains(SnapshotItem item) => List.Contains(item);

        public void CopyTo(SnapshotItem[] array, int arrayIndex) => List.CopyTo(array, arrayIndex);

        public bool Remove(SnapshotItem item) => List.Remove(item);

        public IEnumerator<SnapshotItem> GetEnumerator() => List.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
