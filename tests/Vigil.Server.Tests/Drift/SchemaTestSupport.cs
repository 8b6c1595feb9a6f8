using Vigil.Core.Drift;

namespace Vigil.Server.Tests.Drift;

/// <summary>What the schema source tests share: a snapshot context and running one source.</summary>
internal static class SchemaTestSupport
{
    /// <summary>Runs <paramref name="source"/> with <paramref name="variables"/> as the environment.</summary>
    public static async Task<List<SnapshotItem>> CollectAsync(ISnapshotSource source, IReadOnlyDictionary<string, string> variables, string root = "/")
    {
        var items = new List<SnapshotItem>();
        var context = new SnapshotContext(root, "test", variables, [.. variables.Keys], [], false, new NoRedaction());
        await source.CollectAsync(context, items, CancellationToken.None);
        return items;
    }

    /// <summary>The items as comparable (category, kind, key, value) rows; the source names the database, so it is left out.</summary>
    public static List<string> Rows(IEnumerable<SnapshotItem> items) =>
        [.. items.Select(i => $"{i.Category}|{i.Kind}|{i.Key}|{i.Value}")];

    /// <summary>
    /// Asserts that <paramref name="items"/> is exactly the pair a database that could not be read at all gives (one
    /// unreadable item in the schema and one in the migration category, same key, value and source); returns the first.
    /// </summary>
    public static SnapshotItem WholeDatabaseUnreadable(IReadOnlyList<SnapshotItem> items)
    {
        Assert.True(items.Count == 2, $"expected 2 unreadable items; items:\n{string.Join('\n', Rows(items))}");
        Assert.All(items, i => Assert.Equal(DriftItemKinds.Unreadable, i.Kind));
        Assert.Equal([DriftCategories.Migration, DriftCategories.Schema], items.Select(i => i.Category).Order(StringComparer.Ordinal));
        Assert.Equal(items[0] with { Category = items[1].Category }, items[1]);
        return items[0];
    }

    /// <summary>The value of the item with <paramref name="key"/> and <paramref name="kind"/> (fails listing all keys when absent).</summary>
    public static string? ValueOf(IReadOnlyList<SnapshotItem> items, string kind, string key)
    {
        var item = items.SingleOrDefault(i => i.Kind == kind && i.Key == key);
        Assert.True(item is not null, $"no {kind} item {key}; items:\n{string.Join('\n', Rows(items))}");
        return item.Value;
    }
}

/// <summary>
/// A redactor that removes nothing, so a test proves that the schema sources themselves keep passwords out of values,
/// sources and reasons (the real redactor is a second line of defence on top).
/// </summary>
internal sealed class NoRedaction : ISecretRedactor
{
    public bool IsSecret(string name, string value) => false;

    public SecretFingerprint Fingerprint(string value) => new(null);

    public string Redact(string text) => text;
}
