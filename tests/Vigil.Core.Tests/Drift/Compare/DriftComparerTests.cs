using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;

namespace Vigil.Core.Tests.Drift.Compare;

public sealed class DriftComparerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private const string HmacA = "aaaaaaaa11111111aaaaaaaa11111111aaaaaaaa11111111aaaaaaaa11111111";
    private const string HmacB = "bbbbbbbb22222222bbbbbbbb22222222bbbbbbbb22222222bbbbbbbb22222222";

    internal static DriftSnapshot Snap(string environment, params SnapshotItem[] items) => new(environment, null, At, "host-" + environment, items);

    internal static SnapshotItem Item(string category, string kind, string key, string? value, string? source = null) => new(category, kind, key, value, source);

    private static SnapshotItem Secret(string key, string? hmac) => new(DriftCategories.Environment, DriftItemKinds.Variable, key, null, null, new SecretFingerprint(hmac));

    private static DriftReport Compare(SnapshotItem[] left, SnapshotItem[] right) => new DriftComparer().Compare(Snap("uat", left), Snap("prod", right));

    [Fact]
    public void Compare_IdenticalSnapshots_HaveNoItems()
    {
        SnapshotItem[] items =
        [
            Item("config", "key", "appsettings:Logging:Level", "Information"),
            Item("schema", "column", "public.orders.total", "numeric(10,2) not null"),
            Secret("DB_PASSWORD", HmacA),
        ];

        var report = Compare(items, items);

        Assert.Empty(report.Items);
        Assert.Equal(0, report.Ignored);
        Assert.Equal("uat", report.Left);
        Assert.Equal("prod", report.Right);
    }

    [Fact]
    public void Compare_LeftOnlyRightOnlyAndDifferent_AreMissingUnexpectedChanged()
    {
        var report = Compare(
            [Item("config", "key", "a", "1"), Item("config", "key", "b", "x")],
            [Item("config", "key", "b", "y"), Item("config", "key", "c", "3")]);

        var byKey = report.Items.ToDictionary(i => i.Key);
        Assert.Equal(DriftChange.Missing, byKey["a"].Change);
        Assert.Equal(("1", (string?)null), (byKey["a"].Left, byKey["a"].Right));
        Assert.Equal(DriftChange.Changed, byKey["b"].Change);
        Assert.Equal(("x", "y"), (byKey["b"].Left, byKey["b"].Right));
        Assert.Equal(DriftChange.Unexpected, byKey["c"].Change);
        Assert.Equal(((string?)null, "3"), (byKey["c"].Left, byKey["c"].Right));
        Assert.Equal(3, report.Items.Count);
    }

    [Fact]
    public void Compare_SameKeyInAnotherCategory_IsAnotherItem()
    {
        var report = Compare([Item("env", "variable", "PORT", "80")], [Item("config", "key", "PORT", "80")]);

        Assert.Equal([DriftChange.Unexpected, DriftChange.Missing], report.Items.Select(i => i.Change).Order().Reverse());
    }

    [Fact]
    public void Compare_ItemOrderInTheSnapshots_DoesNotChangeTheReport()
    {
        var seed = 20261129;
        var random = new Random(seed);
        var left = Enumerable.Range(0, 300).Select(i => Item(i % 3 == 0 ? "config" : "dependency", i % 3 == 0 ? "key" : "package", $"k{i}", $"1.{i % 7}.0")).ToArray();
        var right = Enumerable.Range(50, 300).Select(i => Item(i % 3 == 0 ? "config" : "dependency", i % 3 == 0 ? "key" : "package", $"k{i}", $"1.{i % 5}.0")).ToArray();
        var expected = Compare(left, right);

        var shuffledLeft = left.OrderBy(_ => random.Next()).ToArray();
        var shuffledRight = right.OrderBy(_ => random.Next()).ToArray();
        var shuffled = Compare(shuffledLeft, shuffledRight);

        Assert.True(expected.Items.SequenceEqual(shuffled.Items), $"seed {seed}");
        Assert.Equal(expected.Notes, shuffled.Notes);
    }

    [Fact]
    public void Compare_Items_AreOrderedByRiskThenCategoryThenKey()
    {
        var report = Compare(
            [
                Item("schema", "column", "public.b.x", "int"),
                Item("schema", "column", "public.a.x", "int"),
                Item("config", "key", "z", "1"),
                Item("runtime", "timezone", "tz", "UTC"),
                Item("migration", "migration", "efcore:1_Init", "applied"),
            ],
            [Item("config", "key", "z", "2"), Item("runtime", "timezone", "tz", "Europe/Berlin")]);

        Assert.Equal(
            ["migration efcore:1_Init", "schema public.a.x", "schema public.b.x", "config z", "runtime tz"],
            report.Items.Select(i => $"{i.Category} {i.Key}"));
        Assert.Equal([DriftRisk.High, DriftRisk.High, DriftRisk.High, DriftRisk.Medium, DriftRisk.Low], report.Items.Select(i => i.Risk));
    }

    [Fact]
    public void Compare_SecretsWithEqualFingerprints_HaveNoItemAndANoteSaysSameSecret()
    {
        var report = Compare([Secret("DB_PASSWORD", HmacA)], [Secret("DB_PASSWORD", HmacA)]);

        Assert.Empty(report.Items);
        var note = Assert.Single(report.Notes!);
        Assert.Contains("Same secret", note, StringComparison.Ordinal);
        Assert.Contains("env DB_PASSWORD", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_SecretsWithDifferentFingerprints_AreChangedMediumAndShowNoValue()
    {
        var report = Compare([Secret("DB_PASSWORD", HmacA)], [Secret("DB_PASSWORD", HmacB)]);

        var item = Assert.Single(report.Items);
        Assert.Equal(DriftChange.Changed, item.Change);
        Assert.Equal(DriftRisk.Medium, item.Risk);
        Assert.Equal("secret (sha aaaaaaaa…)", item.Left);
        Assert.Equal("secret (sha bbbbbbbb…)", item.Right);
        Assert.Contains("differs", item.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_SecretOnOneSideOnly_IsHighBothWays()
    {
        var missing = Assert.Single(Compare([Secret("API_TOKEN", HmacA)], []).Items);
        var unexpected = Assert.Single(Compare([], [Secret("API_TOKEN", null)]).Items);

        Assert.Equal((DriftChange.Missing, DriftRisk.High), (missing.Change, missing.Risk));
        Assert.Equal("The secret API_TOKEN is present in uat, missing in prod: whatever authenticates with it (database, API, token signing) fails in prod.", missing.Why);
        Assert.Equal((DriftChange.Unexpected, DriftRisk.High), (unexpected.Change, unexpected.Risk));
        Assert.Equal("secret", unexpected.Right);
    }

    [Fact]
    public void Compare_SecretsWithoutFingerprints_ComparePresenceOnlyAndSaySo()
    {
        var report = Compare([Secret("DB_PASSWORD", null), Secret("API_TOKEN", HmacA)], [Secret("DB_PASSWORD", null), Secret("API_TOKEN", null)]);

        Assert.Empty(report.Items);
        var note = Assert.Single(report.Notes!);
        Assert.Contains("could not be compared", note, StringComparison.Ordinal);
        Assert.Contains("VIGIL_DRIFT_KEY", note, StringComparison.Ordinal);
        Assert.Contains("env API_TOKEN, env DB_PASSWORD", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_SecretAgainstEmptyPlainValue_IsHighAndTheValueIsNotShown()
    {
        var empty = Assert.Single(Compare([Secret("DB_PASSWORD", HmacA)], [Item("env", "variable", "DB_PASSWORD", "")]).Items);
        var plain = Assert.Single(Compare([Item("env", "variable", "DB_PASSWORD", "changeme")], [Secret("DB_PASSWORD", HmacA)]).Items);

        Assert.Equal(DriftRisk.High, empty.Risk);
        Assert.Equal(DriftRisk.Medium, plain.Risk);
        Assert.DoesNotContain("changeme", plain.Left + plain.Right + plain.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_UnreadableSourceOnTheRight_HidesItsItemsAsUnknownInsteadOfMissing()
    {
        var report = Compare(
            [
                Item("schema", "table", "public.orders", "table", "$DB"),
                Item("schema", "column", "public.orders.id", "bigint", "$DB"),
                Item("config", "key", "a", "1", "appsettings.json"),
            ],
            [
                Item("schema", "unreadable", "postgres $DB", "could not read: connection refused", "$DB"),
                Item("config", "key", "a", "1", "appsettings.json"),
            ]);

        var item = Assert.Single(report.Items);
        Assert.Equal((DriftChange.Unexpected, DriftItemKinds.Unreadable, DriftRisk.Medium), (item.Change, item.Kind, item.Risk));
        Assert.Contains(report.Notes!, n => n.Contains("Prod could not read $DB (schema): 2 item(s) uat has there are unknown in prod", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_OneUnreadableCatalog_HidesOnlyItemsOfItsKind()
    {
        var report = Compare(
            [
                Item("schema", "table", "public.orders", "table", "$DB (postgresql)"),
                Item("schema", "index", "public.orders_pkey", "btree (id)", "$DB (postgresql)"),
            ],
            [Item("schema", "unreadable", "$DB:indexes", "could not read: permission denied", "$DB (postgresql)")]);

        Assert.Equal(
            [(DriftChange.Missing, "public.orders", DriftRisk.High), (DriftChange.Unexpected, "$DB:indexes", DriftRisk.Medium)],
            report.Items.Select(i => (i.Change, i.Key, i.Risk)));
        Assert.Contains(report.Notes!, n => n.Contains("1 item(s) uat has there are unknown in prod", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_FactUnreadableOnOneSide_IsMediumAndSaysItCannotBeRuledOut()
    {
        var item = Assert.Single(Compare(
            [Item("runtime", "crypto", "java:17:cacerts", "140", "cacerts")],
            [Item("runtime", "unreadable", "java:17:cacerts", "could not read: the JKS header is damaged", "java:17:cacerts")]).Items);

        Assert.Equal((DriftChange.Changed, DriftItemKinds.Unreadable, DriftRisk.Medium), (item.Change, item.Kind, item.Risk));
        Assert.Equal("Prod could not read java:17:cacerts (the JKS header is damaged) while uat has it: drift in it cannot be ruled out.", item.Why);
    }

    [Fact]
    public void Compare_Labels_NameTheSidesInSentences()
    {
        var report = new DriftComparer().Compare(
            Snap("prod", Item("migration", "migration", "flyway:7", "applied")),
            Snap("prod", []),
            "prod@2026-11-01T00:00:00Z",
            "prod");

        Assert.Equal("prod@2026-11-01T00:00:00Z", report.Left);
        Assert.Contains("applied in prod@2026-11-01T00:00:00Z, not in prod", Assert.Single(report.Items).Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_TwoSnapshotsOf15000Items_ReportsEveryDifference()
    {
        // Size, not speed, is asserted here (docs/benchmarks.md has the timing): every planted difference and nothing else.
        var left = new List<SnapshotItem>();
        var right = new List<SnapshotItem>();
        for (var i = 0; i < 15_000; i++)
        {
            var item = Item("config", "key", $"section{i / 100}:key{i}", $"value{i}");
            left.Add(item);
            right.Add(i % 1000 == 0 ? item with { Value = "other" } : item);
        }

        var report = new DriftComparer().Compare(Snap("uat", [.. left]), Snap("prod", [.. right]));

        Assert.Equal(15, report.Items.Count);
        Assert.All(report.Items, i => Assert.Equal(DriftChange.Changed, i.Change));
    }
}
