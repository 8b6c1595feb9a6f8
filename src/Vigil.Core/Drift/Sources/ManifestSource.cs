using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Drift.Sources;

/// <summary>
/// Kubernetes manifests or rendered Helm output given with <c>--manifest</c> (multi-document YAML, <c>kind: List</c>
/// too). Per Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob (the namespace is left out of keys, since
/// it usually names the environment):
/// <c>Deployment/orders/replicas</c> [replicas], <c>Deployment/orders/container/api</c> [image] (the image),
/// <c>Deployment/orders/container/api/requests.cpu</c> [request] and <c>.../limits.memory</c> [limit]; init containers
/// as <c>initContainer/NAME</c>. Files that are lock files or <c>mvn dependency:list</c> output are the
/// <see cref="DependencySource"/>'s and skipped here.
/// </summary>
public sealed class ManifestSource : ISnapshotSource
{
    /// <summary>Manifest files larger than this are recorded as unreadable.</summary>
    public const long MaxFileBytes = 32 * 1024 * 1024;

    private static readonly HashSet<string> Workloads = new(StringComparer.Ordinal)
    {
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
    };

    /// <inheritdoc />
    public string Name => DriftCategories.Resource;

    /// <inheritdoc />
    public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var manifest in context.Manifests)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(manifest);
            var source = "manifest:" + name;
            if (DependencySource.IsLockFile(name))
            {
                continue;
            }

            try
            {
                var text = SourceFiles.Decode(SourceFiles.ReadHostFile(manifest, MaxFileBytes));
                if (DependencySource.ParseMavenList(text).Count > 0)
                {
                    continue;
                }

                var found = new List<SnapshotItem>();
                foreach (var document in ConfigFormats.ParseYaml(text))
                {
                    Visit(document.RootNode, found, context.Secrets.Redact(source), 0);
                }

                foreach (var item in found)
                {
                    items.Add(item);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                items.Add(SourceFiles.Unreadable(DriftCategories.Resource, source, context.Secrets.Redact(SourceFiles.Reason(e))));
            }
        }

        return Task.CompletedTask;
    }

    private static void Visit(YamlNode node, List<SnapshotItem> items, string source, int depth)
    {
        if (node is not YamlMappingNode resource || depth > 4)
        {
            return;
        }

        var kind = Text(resource, "kind");
        if (kind == "List" && Child(resource, "items") is YamlSequenceNode list)
        {
            foreach (var item in list.Children)
            {
                Visit(item, items, source, depth + 1);
            }

            return;
        }

        if (kind is null || !Workloads.Contains(kind) || Text(Child(resource, "metadata"), "name") is not { } name)
        {
            return;
        }

        var prefix = kind + "/" + name;
        var spec = Child(resource, "spec");
        if (Text(spec, "replicas") is { } replicas)
        {
            items.Add(new SnapshotItem(DriftCategories.Resource, DriftItemKinds.Replicas, prefix + "/replicas", replicas, source));
        }

        var podSpec = kind == "CronJob"
            ? Child(Child(Child(Child(spec, "jobTemplate"), "spec"), "template"), "spec")
            : Child(Child(spec, "template"), "spec");
        foreach (var (field, label) in new[] { ("containers", "container"), ("initContainers", "initContainer") })
        {
            if (Child(podSpec, field) is not YamlSequenceNode containers)
            {
                continue;
            }

            foreach (var container in containers.Children.OfType<YamlMappingNode>())
            {
                var containerName = Text(container, "name") ?? "?";
                var key = prefix + "/" + label + "/" + containerName;
                if (Text(container, "image") is { } image)
                {
                    items.Add(new SnapshotItem(DriftCategories.Resource, DriftItemKinds.Image, key, image, source));
                }

                foreach (var (section, itemKind) in new[] { ("requests", DriftItemKinds.Request), ("limits", DriftItemKinds.Limit) })
                {
                    if (Child(Child(container, "resources"), section) is YamlMappingNode quantities)
                    {
                        foreach (var (resourceName, quantity) in quantities.Children)
                        {
                            if (resourceName is YamlScalarNode { Value: { } resourceKey } && quantity is YamlScalarNode scalar)
                            {
                                items.Add(new SnapshotItem(DriftCategories.Resource, itemKind, key + "/" + section + "." + resourceKey, ConfigFormats.ScalarValue(scalar), source));
                            }
                        }
                    }
                }
            }
        }
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Text(YamlNode? node, string key) =>
        Child(node, key) is YamlScalarNode scalar && scalar.Value is { Length: > 0 } ? ConfigFormats.ScalarValue(scalar) : null;
}
