using Vigil.Core.Drift;
using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class ManifestSourceTests
{
    [Fact]
    public async Task Collect_RenderedHelmOutput_RecordsImagesRequestsLimitsAndReplicas()
    {
        using var tree = new PlantedTree().Write("helm/out.yaml", """
            ---
            # Source: orders/templates/service.yaml
            apiVersion: v1
            kind: Service
            metadata: { name: orders }
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: orders
              namespace: orders-prod
            spec:
              replicas: 3
              template:
                spec:
                  initContainers:
                    - name: migrate
                      image: registry.example.com/orders-migrate:1.4.2
                  containers:
                    - name: api
                      image: registry.example.com/orders:1.4.2
                      env:
                        - { name: DB_PASSWORD, value: never-recorded }
                      resources:
                        requests: { cpu: 500m, memory: 256Mi }
                        limits: { memory: 512Mi }
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: { name: cleanup }
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers:
                        - { name: run, image: "busybox:1.36" }
            """);

        var items = await Collect.RunAsync(new ManifestSource(), tree.Context(manifests: [Path.Combine(tree.Root, "helm/out.yaml")]));

        Assert.Equal("3", Collect.Value(items, "Deployment/orders/replicas"));
        Assert.Equal("registry.example.com/orders:1.4.2", Collect.Value(items, "Deployment/orders/container/api"));
        Assert.Equal("registry.example.com/orders-migrate:1.4.2", Collect.Value(items, "Deployment/orders/initContainer/migrate"));
        Assert.Equal("500m", Collect.Value(items, "Deployment/orders/container/api/requests.cpu"));
        Assert.Equal("256Mi", Collect.Value(items, "Deployment/orders/container/api/requests.memory"));
        Assert.Equal("512Mi", Collect.Value(items, "Deployment/orders/container/api/limits.memory"));
        Assert.Equal("busybox:1.36", Collect.Value(items, "CronJob/cleanup/container/run"));
        Assert.Equal(DriftItemKinds.Image, Collect.Single(items, "Deployment/orders/container/api").Kind);
        Assert.Equal(DriftItemKinds.Request, Collect.Single(items, "Deployment/orders/container/api/requests.cpu").Kind);
        Assert.Equal(DriftItemKinds.Limit, Collect.Single(items, "Deployment/orders/container/api/limits.memory").Kind);
        Assert.Equal(DriftItemKinds.Replicas, Collect.Single(items, "Deployment/orders/replicas").Kind);
        Assert.All(items, i => Assert.Equal("manifest:out.yaml", i.Source));
        Assert.DoesNotContain(items, i => (i.Value ?? "").Contains("never-recorded", StringComparison.Ordinal));
        Assert.Equal(7, items.Count);
    }

    [Fact]
    public async Task Collect_MalformedYaml_IsUnreadable()
    {
        using var tree = new PlantedTree().Write("bad.yaml", "kind: Deployment\nmetadata: [\n");

        var items = await Collect.RunAsync(new ManifestSource(), tree.Context(manifests: [Path.Combine(tree.Root, "bad.yaml")]));

        var item = Assert.Single(items);
        Assert.Equal((DriftCategories.Resource, DriftItemKinds.Unreadable, "manifest:bad.yaml"), (item.Category, item.Kind, item.Key));
        Assert.StartsWith("could not read: invalid YAML at line", item.Value, StringComparison.Ordinal);
    }
}
