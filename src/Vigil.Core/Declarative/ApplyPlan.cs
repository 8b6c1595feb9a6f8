namespace Vigil.Core.Declarative;

/// <summary>
/// What an apply does, computed before anything is written (kubectl's semantics): each document's object is
/// created (new), configured (its text changed) or unchanged; with prune, stored objects of the kinds present in the
/// applied files that the files no longer hold are pruned. Objects of kinds not in the files are never touched.
/// </summary>
/// <param name="Created">Objects that do not exist yet, as <c>Kind/name</c>.</param>
/// <param name="Configured">Objects whose text changes.</param>
/// <param name="Unchanged">Objects stored with the same text.</param>
/// <param name="Pruned">Stored objects to delete (only with prune).</param>
/// <param name="Upserts">The objects to write (created and configured).</param>
/// <param name="Deletes">The (kind, name) pairs to delete (pruned).</param>
public sealed record ApplyPlan(
    IReadOnlyList<string> Created,
    IReadOnlyList<string> Configured,
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Pruned,
    IReadOnlyList<DeclarativeObject> Upserts,
    IReadOnlyList<(string Kind, string Name)> Deletes)
{
    /// <summary>
    /// Compares <paramref name="documents"/> (valid, no duplicate (kind, name)) with <paramref name="stored"/>. Text
    /// is compared after <see cref="YamlDocuments.Normalize"/>, so any edit, comments included, counts as configured.
    /// </summary>
    public static ApplyPlan Compute(IReadOnlyList<DeclarativeDocument> documents, IReadOnlyList<DeclarativeObject> stored, bool prune, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(stored);
        var existing = stored.ToDictionary(o => (o.Kind, o.Name), o => o);
        List<string> created = [], configured = [], unchanged = [], pruned = [];
        var upserts = new List<DeclarativeObject>();
        var applied = new HashSet<(string, string)>();
        foreach (var document in documents)
        {
            applied.Add((document.Kind, document.Name));
            var yaml = document.Yaml;
            if (!existing.TryGetValue((document.Kind, document.Name), out var old))
            {
                created.Add(document.Key);
            }
            else if (YamlDocuments.Normalize(old.Yaml) == yaml)
            {
                unchanged.Add(document.Key);
                continue;
            }
            else
            {
                configured.Add(document.Key);
            }

            upserts.Add(new DeclarativeObject(document.Kind, document.Name, yaml, now));
        }

        var deletes = new List<(string Kind, string Name)>();
        if (prune)
        {
            var kinds = documents.Select(d => d.Kind).ToHashSet(StringComparer.Ordinal);
            foreach (var old in stored.OrderBy(o => o.Kind, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal))
            {
                if (kinds.Contains(old.Kind) && !applied.Contains((old.Kind, old.Name)))
                {
                    pruned.Add($"{old.Kind}/{old.Name}");
                    deletes.Add((old.Kind, old.Name));
                }
            }
        }

        return new ApplyPlan(created, configured, unchanged, pruned, upserts, deletes);
    }
}
