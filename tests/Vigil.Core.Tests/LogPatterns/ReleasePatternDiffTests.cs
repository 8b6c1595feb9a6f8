using Vigil.Core.LogPatterns;
using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Tests.LogPatterns;

public sealed class ReleasePatternDiffTests
{
    private static readonly IReadOnlySet<string> NothingElsewhere = new HashSet<string>();

    [Fact]
    public void Compare_TemplateOnlyOnTheRelease_IsNew_WithItsCount()
    {
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(
            [new("1", "info", 1000), new("9", "error", 3)],
            [new("1", "info", 1000)],
            NothingElsewhere));

        var change = Assert.Single(changes);
        Assert.Equal(TemplateChangeKind.New, change.Change);
        Assert.Equal("9", change.TemplateId);
        Assert.Equal("error", change.Severity);
        Assert.Equal(3, change.ReleaseCount);
    }

    [Fact]
    public void Compare_TemplateAnotherVersionLoggedInTheLookBack_IsNotNew()
    {
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(
            [new("1", "info", 1000), new("9", "error", 3)],
            [new("1", "info", 1000)],
            new HashSet<string> { "9" }));

        Assert.Empty(changes);
    }

    [Fact]
    public void Compare_AbsentWhereManyWereExpected_IsGone_ButNotWhereFewWere()
    {
        // Equal volume: template 5 was logged 20 times on the baseline, so about 20 were due on the release
        // (P(0) = e^-20); template 6 was logged twice (P(0) = e^-2 = 0.14): its absence proves nothing.
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(
            [new("1", "info", 1000)],
            [new("1", "info", 1000), new("5", "warn", 20), new("6", "warn", 2)],
            NothingElsewhere));

        var gone = Assert.Single(changes);
        Assert.Equal(TemplateChangeKind.Gone, gone.Change);
        Assert.Equal("5", gone.TemplateId);
        Assert.Equal(20, gone.ExpectedCount, 6);
        Assert.Equal(Math.Exp(-20), gone.PValue!.Value, 12);
    }

    [Fact]
    public void Compare_RateUpBySignificantCounts_IsMore_AndSmallCountsAreNot()
    {
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(
            [new("1", "info", 10_000), new("2", "error", 300), new("3", "error", 4)],
            [new("1", "info", 10_000), new("2", "error", 100), new("3", "error", 2)],
            NothingElsewhere));

        var more = Assert.Single(changes);
        Assert.Equal(TemplateChangeKind.More, more.Change);
        Assert.Equal("2", more.TemplateId);
        Assert.Equal(300.0 / (100 * (10_304.0 / 10_102)), more.RateRatio!.Value, 6);
        Assert.True(more.PValue < 1e-10);
    }

    [Fact]
    public void Compare_FloodOfANewTemplate_DoesNotMakeSharedTemplatesLookRarer()
    {
        // The release logs a flood of template 9; the shared templates keep their rates and are not reported as Fewer.
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(
            [new("1", "info", 1000), new("2", "info", 500), new("9", "error", 50_000)],
            [new("1", "info", 1000), new("2", "info", 500)],
            NothingElsewhere));

        var change = Assert.Single(changes);
        Assert.Equal(TemplateChangeKind.New, change.Change);
    }

    [Fact]
    public void Compare_RanksErrorsAndWarningsFirst()
    {
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(
            [new("1", "info", 1000), new("7", "debug", 500), new("8", "warn", 2), new("9", "error", 1)],
            [new("1", "info", 1000)],
            NothingElsewhere));

        Assert.Equal(["9", "8", "7"], changes.Select(c => c.TemplateId));
    }

    [Fact]
    public void Compare_SeveritiesOfOneTemplate_TakeTheMostSevere()
    {
        var changes = ReleasePatternDiff.Compare(new PatternDiffInput(
            [new("1", "info", 1000), new("9", "info", 5), new("9", "error", 1)],
            [new("1", "info", 1000)],
            NothingElsewhere));

        var change = Assert.Single(changes);
        Assert.Equal("error", change.Severity);
        Assert.Equal(6, change.ReleaseCount);
    }

    [Theory]
    [InlineData(3, 10, 0.5, 0.9453125)]
    [InlineData(8, 10, 0.5, 0.0546875)]
    [InlineData(10, 10, 0.5, 0.0009765625)]
    [InlineData(0, 10, 0.5, 1)]
    [InlineData(11, 10, 0.5, 0)]
    public void BinomialUpperTail_MatchesExactValues(long k, long n, double p, double expected) =>
        Assert.Equal(expected, Binomial.UpperTail(k, n, p), 12);

    [Fact]
    public void BinomialUpperTail_LargeN_MatchesTheNormalApproximation()
    {
        // n = 1e6, p = 0.5: P(X >= 501,000) is about P(Z >= 2) = 0.02275 (with continuity 1.999).
        Assert.Equal(0.0228, Binomial.UpperTail(501_000, 1_000_000, 0.5), 3);
    }
}
