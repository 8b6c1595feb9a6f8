using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Secrets;
using Vigil.Core.Drift.Sources;
using Xunit.Abstractions;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class SnapshotCollectorTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Collect_AFailingSource_BecomesOneUnreadableItemAndTheOthersRun()
    {
        using var tree = new PlantedTree().Write("app/appsettings.json", """{ "A": "1" }""");
        var collector = new SnapshotCollector([new ThrowingSource(), new ConfigFileSource()], new FakeTimeProvider(Now));

        var snapshot = await collector.CollectAsync(tree.Context(), "orders", "host-1", CancellationToken.None);

        var failure = Collect.Single(snapshot.Items, "source:schema");
        Assert.Equal(DriftItemKinds.Unreadable, failure.Kind);
        Assert.Equal(DriftCategories.Schema, failure.Category);
        Assert.Equal("could not read: connection to postgres://app:***@db:5432 refused", failure.Value);
        Assert.Equal("1", Collect.Value(snapshot.Items, "app/appsettings.json:A"));
        Assert.Equal(("prod", "orders", Now, "host-1"), (snapshot.Environment, snapshot.Service, snapshot.TakenAt, snapshot.Host));
    }

    [Fact]
    public async Task Collect_SortsByCategoryThenKey_RemovesExactDuplicates_ForcesSecretsValueless_RedactsSources()
    {
        var source = new FixedSource(
            new SnapshotItem("runtime", "os", "os", "debian 12", "etc/os-release"),
            new SnapshotItem("env", "variable", "B", "2", "env"),
            new SnapshotItem("env", "variable", "A", "1", "env"),
            new SnapshotItem("env", "variable", "A", "1", "env"),
            new SnapshotItem("config", "key", "x:Secret", "leaked", "postgres://u:hunter2@h/db", new SecretFingerprint(null)));
        using var tree = new PlantedTree();

        var snapshot = await new SnapshotCollector([source], new FakeTimeProvider(Now)).CollectAsync(tree.Context(), null, "h", CancellationToken.None);

        Assert.Equal([("config", "x:Secret"), ("env", "A"), ("env", "B"), ("runtime", "os")], snapshot.Items.Select(i => (i.Category, i.Key)));
        var secret = snapshot.Items[0];
        Assert.Null(secret.Value);
        Assert.Equal("postgres://u:***@h/db", secret.Source);
    }

    [Fact]
    public async Task Collect_KeepsOneItemPerCategoryAndKey_AndKeysAndValuesWithinTheServersLimits()
    {
        var longValue = new string('v', SnapshotCollector.MaxValueLength + 1);
        var longKey = new string('k', SnapshotCollector.MaxKeyLength + 10);
        var source = new FixedSource(
            new SnapshotItem("resource", "replicas", "Deployment/orders/replicas", "3", "manifest:b.yaml"),
            new SnapshotItem("resource", "replicas", "Deployment/orders/replicas", "2", "manifest:a.yaml"),
            new SnapshotItem("config", "key", "app/x.json:Big", longValue, "app/x.json"),
            new SnapshotItem("config", "key", longKey, "1", "app/x.json"),
            new SnapshotItem("config", "key", longKey + "-other", "2", "app/x.json"),
            new SnapshotItem("config", "key", "line\nbreak", "3", "app/x.json"));
        using var tree = new PlantedTree();

        var snapshot = await new SnapshotCollector([source], new FakeTimeProvider(Now)).CollectAsync(tree.Context(), null, "h", CancellationToken.None);

        Assert.Equal("2", Collect.Value(snapshot.Items, "Deployment/orders/replicas"));
        var big = Collect.Value(snapshot.Items, "app/x.json:Big")!;
        Assert.StartsWith("sha256:", big, StringComparison.Ordinal);
        Assert.EndsWith($"({longValue.Length} characters, too long to record)", big, StringComparison.Ordinal);
        var cut = snapshot.Items.Where(i => i.Key.StartsWith("kkkk", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, cut.Count);
        Assert.All(cut, i => Assert.Equal(SnapshotCollector.MaxKeyLength, i.Key.Length));
        Assert.NotEqual(cut[0].Key, cut[1].Key);
        Assert.Equal("3", Collect.Value(snapshot.Items, "line?break"));
        Assert.Equal(snapshot.Items.Count, snapshot.Items.Select(i => (i.Category, i.Key)).Distinct().Count());
    }

    [Fact]
    public async Task Collect_OverTheItemLimit_KeepsTheLimitAndSaysSo()
    {
        var items = Enumerable.Range(0, 50).Select(i => new SnapshotItem("env", "variable", "V" + i.ToString("D2", CultureInfo.InvariantCulture), "x", "env")).ToArray();
        using var tree = new PlantedTree();

        var snapshot = await new SnapshotCollector([new FixedSource(items)], new FakeTimeProvider(Now), maxItems: 10).CollectAsync(tree.Context(), null, "h", CancellationToken.None);

        Assert.Equal(11, snapshot.Items.Count);
        var truncated = Collect.Single(snapshot.Items, SnapshotCollector.TruncatedKey);
        Assert.Equal("could not read: the snapshot stops at 10 items; 40 more were not recorded", truncated.Value);
    }

    [Fact]
    public async Task Collect_PlantedSecrets_AppearNowhereInTheSnapshotJson_AndFingerprintsMatchAcrossEnvironments()
    {
        const string password = "pl4nted-Pa55word-7731";
        const string token = "xK9fQ2mLp7Zr4TbW8vN3cY6hJ1sD5gA0";
        using var uat = Tree(password, token);
        using var prod = Tree(password, "OTHER-xK9fQ2mLp7Zr4TbW8vN3cY6hJ1s");
        var key = Convert.FromHexString("00112233445566778899aabbccddeeff");
        var variables = new Dictionary<string, string> { ["DB_PASSWORD"] = password, ["PAYMENTS_URL"] = $"https://svc:{password}@pay.example.com" };

        var left = await Collector().CollectAsync(uat.Context("uat", variables, new SecretRedactor(key)), "orders", "h", CancellationToken.None);
        var right = await Collector().CollectAsync(prod.Context("prod", variables, new SecretRedactor(key)), "orders", "h", CancellationToken.None);

        foreach (var snapshot in new[] { left, right })
        {
            var json = JsonSerializer.Serialize(snapshot);
            Assert.DoesNotContain(password, json, StringComparison.Ordinal);
            Assert.DoesNotContain("pl4nted", json, StringComparison.Ordinal);
            Assert.DoesNotContain("xK9fQ2mLp7Zr4TbW8vN3cY6hJ1s", json, StringComparison.Ordinal);
        }

        Assert.Equal(Secret(left, "app/appsettings.json:ConnectionStrings:Orders"), Secret(right, "app/appsettings.json:ConnectionStrings:Orders"));
        Assert.NotEqual(Secret(left, "app/appsettings.json:Stripe:ApiKey"), Secret(right, "app/appsettings.json:Stripe:ApiKey"));
        Assert.Equal(Secret(left, "DB_PASSWORD"), Secret(right, "DB_PASSWORD"));

        static string? Secret(DriftSnapshot snapshot, string key) => Collect.Single(snapshot.Items, key).Secret!.Hmac;

        static PlantedTree Tree(string password, string token) => new PlantedTree()
            .Write("app/appsettings.json", $$"""
                { "ConnectionStrings": { "Orders": "Host=db;Password={{password}}" }, "Stripe": { "ApiKey": "{{token}}" } }
                """)
            .Write("app/broken.ini", "[unclosed\n");
    }

    [Fact]
    public async Task Collect_LargeTree_CollectsEveryKeyAndPackage()
    {
        // Performance sanity: 10,000 configuration keys in 20 files and 2,000 packages; the time is printed, not asserted.
        using var tree = new PlantedTree();
        for (var file = 0; file < 20; file++)
        {
            var json = new StringBuilder("{");
            for (var key = 0; key < 500; key++)
            {
                json.Append(CultureInfo.InvariantCulture, $"{(key == 0 ? "" : ",")}\"Section{key / 10}\":{{\"Key{key}\":\"value-{file}-{key}\"}}");
            }

            // Sections repeat in the text; distinct keys come from distinct key names.
            tree.Write($"srv/svc{file:D2}/appsettings.json", json.Append('}').ToString());
        }

        var packages = new StringBuilder("""{ "lockfileVersion": 3, "packages": { "": { "name": "web" }""");
        for (var i = 0; i < 2_000; i++)
        {
            packages.Append(CultureInfo.InvariantCulture, $",\"node_modules/pkg-{i}\":{{\"version\":\"1.{i}.0\"}}");
        }

        tree.Write("web/package-lock.json", packages.Append("}}").ToString());
        var stopwatch = Stopwatch.StartNew();

        var snapshot = await Collector().CollectAsync(tree.Context(), null, "h", CancellationToken.None);

        stopwatch.Stop();
        output.WriteLine($"{snapshot.Items.Count} items in {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(10_000, snapshot.Items.Count(i => i.Category == DriftCategories.Config));
        Assert.Equal(2_000, snapshot.Items.Count(i => i.Category == DriftCategories.Dependency));
    }

    private static SnapshotCollector Collector() =>
        new(SnapshotCollector.DefaultSources("orders", time: new FakeTimeProvider(Now)), new FakeTimeProvider(Now));

    private sealed class ThrowingSource : ISnapshotSource
    {
        public string Name => "schema";

        public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("connection to postgres://app:hunter2@db:5432 refused");
    }

    private sealed class FixedSource(params SnapshotItem[] fixedItems) : ISnapshotSource
    {
        public string Name => "fixed";

        public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
        {
            foreach (var item in fixedItems)
            {
                items.Add(item);
            }

            return Task.CompletedTask;
        }
    }
}
