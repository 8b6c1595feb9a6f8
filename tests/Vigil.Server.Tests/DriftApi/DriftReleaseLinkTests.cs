using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Releases;
using Vigil.Server.Drift;

namespace Vigil.Server.Tests.DriftApi;

/// <summary>Which releases a snapshot is linked to, and what the timeline event says.</summary>
public sealed class DriftReleaseLinkTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static Release Release(ReleaseState state, TimeSpan age) =>
        new("rel_1", "orders", "2.0.0", "prod", null, null, null, [], Now - age, state, ReleaseSource.Api, Now - age);

    [Theory]
    [InlineData(ReleaseState.Verifying, 600, true)]
    [InlineData(ReleaseState.Pending, 59, true)]
    [InlineData(ReleaseState.Passed, 30, true)]
    [InlineData(ReleaseState.Failed, 61, false)]
    [InlineData(ReleaseState.Baseline, 1, false)]
    [InlineData(ReleaseState.Aborted, 1, false)]
    public void IsUnderWay_VerifyingOrStartedWithinTheHour(ReleaseState state, int minutesAgo, bool expected) =>
        Assert.Equal(expected, DriftReleaseLink.IsUnderWay(Release(state, TimeSpan.FromMinutes(minutesAgo)), Now));

    [Fact]
    public void Describe_CountsByRiskAndListsTheTopFiveWithoutValues()
    {
        var items = Enumerable.Range(0, 7)
            .Select(i => new DriftItem(DriftChange.Changed, "config", "key", $"k{i}", "secret-left-value", "right-value", i < 2 ? DriftRisk.High : DriftRisk.Low, $"why {i}."))
            .ToList();
        var report = new DriftReport("prod@2026-11-29T11:00:00Z", "prod", Now.AddHours(-1), Now, items, 3);
        var current = new DriftSnapshotSummary("snap_b", "prod", "orders", Now, "h", 10, Now);
        var previous = new DriftSnapshotSummary("snap_a", "prod", "orders", Now.AddHours(-1), "h", 10, Now);

        var (message, data) = DriftReleaseLink.Describe(report, current, previous);

        Assert.Equal("Drift in prod since the snapshot of 2026-11-29T11:00:00Z: 2 high, 0 medium, 5 low, 3 ignored by policy. Riskiest: config k0 changed (high).", message);
        using var json = System.Text.Json.JsonDocument.Parse(data);
        Assert.Equal(5, json.RootElement.GetProperty("top").GetArrayLength());
        Assert.Equal("snap_a", json.RootElement.GetProperty("previousSnapshotId").GetString());
        Assert.DoesNotContain("value", data, StringComparison.Ordinal);
    }
}
