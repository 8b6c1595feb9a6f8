using Vigil.Core.Drift;

namespace Vigil.Storage.Drift;

/// <summary>
/// The items one database source produces, bounded: after <see cref="MaxItems"/> it stops adding and records one
/// truncation item instead. Items are handed over sorted by category then key, so nothing depends on catalog order.
/// </summary>
internal sealed class SchemaItems
{
    /// <summary>At most this many items per database: 100,000 is twenty times a large real schema, and bounds memory.</summary>
    public const int MaxItems = 100_000;

    private readonly Dictionary<(string Category, string Key), SnapshotItem> _items = [];
    private readonly string _variable;
    private readonly string _source;
    private readonly int _maxItems;
    private bool _truncated;

    public SchemaItems(string variable, string source, int maxItems = MaxItems)
    {
        _variable = variable;
        _source = source;
        _maxItems = maxItems;
    }

    /// <summary>True once the bound was reached; callers stop reading.</summary>
    public bool IsFull => _truncated;

    /// <summary>Adds a schema item; a duplicate key keeps the first one seen.</summary>
    public void Schema(string kind, string key, string value) => Add(DriftCategories.Schema, kind, key, value);

    /// <summary>Adds an applied-migration item; a duplicate key keeps the last one seen (the latest run of a repeatable).</summary>
    public void Migration(string key, string value)
    {
        if (_items.ContainsKey((DriftCategories.Migration, key)))
        {
            _items[(DriftCategories.Migration, key)] = new SnapshotItem(DriftCategories.Migration, DriftItemKinds.AppliedMigration, key, value, _source);
            return;
        }

        Add(DriftCategories.Migration, DriftItemKinds.AppliedMigration, key, value);
    }

    /// <summary>
    /// Adds a <c>could not read: reason</c> item keyed <c>$VARIABLE</c> (or <c>$VARIABLE:what</c> for one part of the
    /// schema), so one bad part never hides the rest. When the whole database could not be read (<paramref name="what"/>
    /// null) the item is added to both the schema and the migration category, so a comparer treats the other side's
    /// tables and migrations as unknown rather than missing.
    /// </summary>
    public void Unreadable(string? what, string reason)
    {
        var key = "$" + _variable + (what is null ? "" : ":" + what);
        var value = "could not read: " + reason;
        var category = what == "migrations" ? DriftCategories.Migration : DriftCategories.Schema;
        _items[(category, key)] = new SnapshotItem(category, DriftItemKinds.Unreadable, key, value, _source);
        if (what is null)
        {
            _items[(DriftCategories.Migration, key)] = new SnapshotItem(DriftCategories.Migration, DriftItemKinds.Unreadable, key, value, _source);
        }
    }

    /// <summary>
    /// Adds the database server's version, <c>$VARIABLE:server_version</c> (kind runtime, category schema: when the
    /// other side could not read its database, the version is unknown there like the tables, not missing).
    /// </summary>
    public void ServerVersion(string value)
    {
        var key = "$" + _variable + ":server_version";
        _items[(DriftCategories.Schema, key)] = new SnapshotItem(DriftCategories.Schema, DriftItemKinds.RuntimeVersion, key, value, _source);
    }

    /// <summary>Moves the items, sorted by category then key, into <paramref name="target"/>.</summary>
    public void CopyTo(ICollection<SnapshotItem> target)
    {
        foreach (var item in _items.Values.OrderBy(i => i.Category, StringComparer.Ordinal).ThenBy(i => i.Key, StringComparer.Ordinal))
        {
            target.Add(item);
        }
    }

    private void Add(string category, string kind, string key, string value)
    {
        if (_items.ContainsKey((category, key)))
        {
            return;
        }

        if (_items.Count >= _maxItems)
        {
            if (!_truncated)
            {
                _truncated = true;
                Unreadable("truncated", $"more than {_maxItems} schema items; the rest were skipped");
            }

            return;
        }

        _items[(category, key)] = new SnapshotItem(category, kind, key, value, _source);
    }
}
