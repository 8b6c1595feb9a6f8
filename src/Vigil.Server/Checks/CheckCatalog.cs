using Vigil.Core.Checks;
using Vigil.Core.Declarative;

namespace Vigil.Server.Checks;

/// <summary>A loaded check: its definition and its document as stored (what agents are sent).</summary>
internal sealed record CatalogCheck(CheckDefinition Definition, string Yaml, DateTimeOffset UpdatedAt);

/// <summary>The checks as of one load: by name, plus the names of every stored Check object (loaded or not).</summary>
internal sealed record CatalogSnapshot(IReadOnlyDictionary<string, CatalogCheck> Checks, IReadOnlySet<string> StoredNames, long Version)
{
    public static CatalogSnapshot Empty { get; } = new(new Dictionary<string, CatalogCheck>(), new HashSet<string>(), 0);

    /// <summary>Stored documents that could not be read, by name, with the text that failed (not parsed or logged again until it changes).</summary>
    public IReadOnlyDictionary<string, string> Unreadable { get; init; } = new Dictionary<string, string>();

    /// <summary>The checks assigned to <paramref name="location"/>, by name.</summary>
    public IEnumerable<CatalogCheck> AssignedTo(string location) =>
        Checks.Values.Where(c => c.Definition.Locations.Contains(location, StringComparer.Ordinal)).OrderBy(c => c.Definition.Name, StringComparer.Ordinal);
}

/// <summary>
/// The <c>kind: Check</c> objects of the declarative store, parsed. <see cref="ReloadAsync"/> re-reads the store and
/// re-parses only documents whose text changed; at most <see cref="ChecksOptions.MaxChecks"/> (by name) are loaded.
/// </summary>
internal sealed partial class CheckCatalog(IDeclarativeStore store, ChecksOptions options, ILogger<CheckCatalog> logger)
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile CatalogSnapshot _current = CatalogSnapshot.Empty;
    private int _lastOverLimit;

    /// <summary>The checks as of the last load.</summary>
    public CatalogSnapshot Current => _current;

    /// <summary>Raised after a load that changed anything (on the reloading thread).</summary>
    public event Action<CatalogSnapshot>? Changed;

    /// <summary>Re-reads the store; true when the set of checks changed.</summary>
    public async Task<bool> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var objects = await store.ListAsync(CheckYaml.Kind, cancellationToken).ConfigureAwait(false);
            var old = _current;
            var checks = new Dictionary<string, CatalogCheck>(StringComparer.Ordinal);
            var unreadable = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = objects.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            var changed = !names.SetEquals(old.StoredNames);
            foreach (var o in objects.OrderBy(o => o.Name, StringComparer.Ordinal))
            {
                if (checks.Count >= options.MaxChecks)
                {
                    if (Interlocked.Exchange(ref _lastOverLimit, objects.Count) != objects.Count)
                    {
                        Log.TooManyChecks(logger, objects.Count, options.MaxChecks, o.Name);
                    }

                    break;
                }

                if (old.Checks.TryGetValue(o.Name, out var known) && known.Yaml == o.Yaml)
                {
                    checks.Add(o.Name, known);
                    continue;
                }

                if (old.Unreadable.TryGetValue(o.Name, out var failed) && failed == o.Yaml)
                {
                    unreadable.Add(o.Name, o.Yaml);
                    continue;
                }

                changed = true;
                var errors = new List<DocumentError>();
                CheckDefinition? definition;
                try
                {
                    definition = CheckYaml.Parse($"{CheckYaml.Kind}/{o.Name}", o.Yaml, errors);
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
                {
                    errors.Add(new DocumentError($"{CheckYaml.Kind}/{o.Name}", 0, 0, ex.Message));
                    definition = null;
                }

                if (definition is null || errors.Count > 0)
                {
                    unreadable.Add(o.Name, o.Yaml);
                    Log.Unreadable(logger, o.Name, string.Join("; ", errors.Take(5)));
                    continue;
                }

                checks.Add(o.Name, new CatalogCheck(definition with { Name = o.Name }, o.Yaml, o.UpdatedAt));
            }

            if (!changed && checks.Count == old.Checks.Count)
            {
                return false;
            }

            var snapshot = new CatalogSnapshot(checks, names, old.Version + 1) { Unreadable = unreadable };
            _current = snapshot;
            var local = snapshot.AssignedTo(CheckDefinition.LocalLocation).Count();
            Log.Loaded(logger, checks.Count, local);
            Changed?.Invoke(snapshot);
            return true;
        }
        finally
        {
            _reload.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Checks loaded: {Count} ({Local} at location local)")]
        public static partial void Loaded(ILogger logger, int count, int local);

        [LoggerMessage(EventId = 8002, Level = LogLevel.Error, Message = "Check {Name} is stored but cannot be read, so it does not run: {Errors}")]
        public static partial void Unreadable(ILogger logger, string name, string errors);

        [LoggerMessage(EventId = 8003, Level = LogLevel.Error, Message = "{Stored} checks are stored but checks.maxChecks is {Max}: the checks from '{First}' on (by name) do not run; raise checks.maxChecks or delete checks")]
        public static partial void TooManyChecks(ILogger logger, int stored, int max, string first);
    }
}
