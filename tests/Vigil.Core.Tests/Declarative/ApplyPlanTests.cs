using Vigil.Core.Declarative;

namespace Vigil.Core.Tests.Declarative;

public sealed class ApplyPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static DeclarativeDocument Doc(string kind, string name, string text) => new(kind, name, new YamlDocumentText("f.yaml", text, 0));

    private static DeclarativeObject Stored(string kind, string name, string text) => new(kind, name, text, Now.AddDays(-1));

    [Fact]
    public void Compute_NewChangedAndSame_AreCreatedConfiguredUnchanged()
    {
        var plan = ApplyPlan.Compute(
            [Doc("VerificationPlan", "a", "---\nx: 1\n"), Doc("VerificationPlan", "b", "x: 2\n"), Doc("VerificationPlan", "c", "x: 3\n")],
            [Stored("VerificationPlan", "b", "x: 1\n"), Stored("VerificationPlan", "c", "x: 3")],
            prune: false,
            Now);

        Assert.Equal(["VerificationPlan/a"], plan.Created);
        Assert.Equal(["VerificationPlan/b"], plan.Configured);
        Assert.Equal(["VerificationPlan/c"], plan.Unchanged);
        Assert.Empty(plan.Pruned);
        Assert.Equal([new DeclarativeObject("VerificationPlan", "a", "x: 1\n", Now), new DeclarativeObject("VerificationPlan", "b", "x: 2\n", Now)], plan.Upserts);
        Assert.Empty(plan.Deletes);
    }

    [Fact]
    public void Compute_WithoutPrune_LeavesObjectsTheFilesDoNotHold()
    {
        var plan = ApplyPlan.Compute([Doc("VerificationPlan", "a", "x: 1\n")], [Stored("VerificationPlan", "old", "x: 0\n")], prune: false, Now);

        Assert.Empty(plan.Pruned);
        Assert.Empty(plan.Deletes);
    }

    [Fact]
    public void Compute_WithPrune_DeletesOnlyObjectsOfTheAppliedKinds()
    {
        var plan = ApplyPlan.Compute(
            [Doc("VerificationPlan", "a", "x: 1\n")],
            [Stored("Check", "home-page", "x: 0\n"), Stored("VerificationPlan", "a", "x: 1\n"), Stored("VerificationPlan", "old", "x: 0\n")],
            prune: true,
            Now);

        Assert.Equal(["VerificationPlan/a"], plan.Unchanged);
        Assert.Equal(["VerificationPlan/old"], plan.Pruned);
        Assert.Equal([("VerificationPlan", "old")], plan.Deletes);
    }

    [Fact]
    public void Compute_PruneWithNoDocuments_DeletesNothing()
    {
        var plan = ApplyPlan.Compute([], [Stored("VerificationPlan", "a", "x: 1\n")], prune: true, Now);

        Assert.Empty(plan.Deletes);
    }
    [Fact]
    public void Exceeded_AddingBeyondAKindsLimit_NamesTheKindCountsAndSetting()
    {
        DeclarativeObject[] stored = [Stored("Check", "a", "x: 1\n"), Stored("Check", "b", "x: 1\n"), Stored("VerificationPlan", "p", "x: 1\n")];
        DeclarativeKindLimit[] limits = [new("Check", 2, "checks.maxChecks")];

        var adding = ApplyPlan.Compute([Doc("Check", "c", "x: 1\n"), Doc("Check", "a", "x: 2\n")], stored, prune: false, Now);
        Assert.Equal((2, 3), adding.Count("Check", stored));
        var reason = Assert.Single(adding.Exceeded(limits, stored));
        Assert.StartsWith("Check: this apply would store 3 objects of this kind (2 now), and checks.maxChecks is 2;", reason, StringComparison.Ordinal);

        // Replacing one check by another with prune keeps the count: within the limit.
        var replacing = ApplyPlan.Compute([Doc("Check", "a", "x: 1\n"), Doc("Check", "c", "x: 1\n")], stored, prune: true, Now);
        Assert.Equal((2, 2), replacing.Count("Check", stored));
        Assert.Empty(replacing.Exceeded(limits, stored));
    }

    [Fact]
    public void Exceeded_AlreadyOverALoweredLimit_StillAcceptsEditsAndDeletes()
    {
        DeclarativeObject[] stored = [Stored("Check", "a", "x: 1\n"), Stored("Check", "b", "x: 1\n"), Stored("Check", "c", "x: 1\n")];
        DeclarativeKindLimit[] limits = [new("Check", 1, "checks.maxChecks")];

        var editing = ApplyPlan.Compute([Doc("Check", "a", "x: 2\n")], stored, prune: false, Now);
        var pruning = ApplyPlan.Compute([Doc("Check", "a", "x: 1\n"), Doc("Check", "b", "x: 1\n")], stored, prune: true, Now);

        Assert.Empty(editing.Exceeded(limits, stored));
        Assert.Equal((3, 2), pruning.Count("Check", stored));
        Assert.Empty(pruning.Exceeded(limits, stored));
        Assert.NotEmpty(ApplyPlan.Compute([Doc("Check", "d", "x: 1\n")], stored, prune: false, Now).Exceeded(limits, stored));
    }
}
