using System.Text;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Secrets;

namespace Vigil.Core.Tests.Drift.Sources;

/// <summary>A temporary folder standing for a host's file system, deleted on dispose.</summary>
internal sealed class PlantedTree : IDisposable
{
    public PlantedTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "vigil-drift-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public PlantedTree Write(string relative, string text) => WriteBytes(relative, Encoding.UTF8.GetBytes(text));

    public PlantedTree WriteBytes(string relative, byte[] bytes)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return this;
    }

    public PlantedTree Folder(string relative)
    {
        Directory.CreateDirectory(Path.Combine(Root, relative));
        return this;
    }

    public PlantedTree Link(string relative, string target)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
        return this;
    }

    public SnapshotContext Context(
        string environment = "prod",
        IReadOnlyDictionary<string, string>? variables = null,
        ISecretRedactor? secrets = null,
        IReadOnlyList<string>? manifests = null,
        bool probe = false) =>
        new(Root, environment, variables ?? new Dictionary<string, string>(), [], manifests ?? [], probe, secrets ?? new SecretRedactor());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}

/// <summary>Runs one source into a list.</summary>
internal static class Collect
{
    public static async Task<List<SnapshotItem>> RunAsync(ISnapshotSource source, SnapshotContext context)
    {
        var items = new List<SnapshotItem>();
        await source.CollectAsync(context, items, CancellationToken.None);
        return items;
    }

    public static SnapshotItem Single(IEnumerable<SnapshotItem> items, string key) =>
        Assert.Single(items, i => i.Key == key);

    public static string? Value(IEnumerable<SnapshotItem> items, string key) => Single(items, key).Value;
}
