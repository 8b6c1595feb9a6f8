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

    /// <summary>How many objects of <paramref name="kind"/> are stored before this apply and after it.</summary>
    public (int Before, int After) Count(string kind, IReadOnlyList<DeclarativeObject> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var before = stored.Where(o => o.Kind == kind).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var added = Upserts.Count(o => o.Kind == kind && !before.Contains(o.Name));
        var removed = Deletes.Count(d => d.Kind == kind && before.Contains(d.Name));
        return (before.Count, before.Count + added - removed);
    }

    /// <summary>
    /// Every limit this apply would break (objects of a kind beyond its <see cref="DeclarativeKindLimit.Max"/> where the
    /// apply adds to that kind), as readable reasons; empty when the apply is within all of them.
    /// </summary>
    public IReadOnlyList<string> Exceeded(IEnumerable<DeclarativeKindLimit> limits, IReadOnlyList<DeclarativeObject> stored)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var reasons = new List<string>();
        foreach (var limit in limits)
        {
            var (before, after) = Count(limit.Kind, stored);
            if (after > limit.Max && after > before)
            {
                reasons.Add(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"{limit.Kind}: this apply would store {after:N0} objects of this kind ({before:N0} now), and {limit.Setting} is {limit.Max:N0}; delete some (vigil apply --prune, or DELETE /api/v1/objects/{limit.Kind}/NAME) or raise {limit.Setting}"));
            }
        }

        return reasons;
    }
}
