using Vigil.Core.LogPatterns.Evaluation;

namespace Vigil.Core.Tests.LogPatterns.Evaluation;

public sealed class LoghubMetricsTests
{
    [Fact]
    public void Compute_PerfectParse_ScoresOne()
    {
        string[] truth = ["a <*>", "a <*>", "b", "c <*> d"];

        var scores = LoghubMetrics.Compute(truth, truth);

        Assert.Equal(new LoghubScores(1, 1, 1, 1, 3, 3), scores);
    }

    [Fact]
    public void Compute_RightGroupsWrongText_GroupingPerfectParsingNot()
    {
        // The groups are exactly right but one template is written differently: GA and FGA stay 1, PA and FTA drop.
        string[] truth = ["a <*>", "a <*>", "b", "c <*> d"];
        string[] parsed = ["a x", "a x", "b", "c <*> d"];

        var scores = LoghubMetrics.Compute(truth, parsed);

        Assert.Equal(1, scores.GroupingAccuracy);
        Assert.Equal(1, scores.GroupingF1);
        Assert.Equal(0.5, scores.ParsingAccuracy);
        // 2 of 3 templates correct, 3 parsed, 3 true: precision = recall = 2/3.
        Assert.Equal(2.0 / 3, scores.TemplateF1, 12);
    }

    [Fact]
    public void Compute_TwoGroupsMerged_BothGroupsWrong()
    {
        // Truth: A = {0,1}, B = {2}, C = {3,4,5}. Parsed: {0,1,2} (A and B merged), {3,4,5} right.
        string[] truth = ["A", "A", "B", "C", "C", "C"];
        string[] parsed = ["X", "X", "X", "C", "C", "C"];

        var scores = LoghubMetrics.Compute(truth, parsed);

        Assert.Equal(3.0 / 6, scores.GroupingAccuracy, 12);
        // 1 correct group, 2 parsed, 3 true: P = 1/2, R = 1/3, F1 = 2PR/(P+R) = 0.4.
        Assert.Equal(0.4, scores.GroupingF1, 12);
        Assert.Equal(3.0 / 6, scores.ParsingAccuracy, 12);
        Assert.Equal(0.4, scores.TemplateF1, 12);
        Assert.Equal(3, scores.TrueGroups);
        Assert.Equal(2, scores.ParsedGroups);
    }

    [Fact]
    public void Compute_GroupSplit_GroupWrongButExactLinesStillCountForParsingAccuracy()
    {
        // Truth: A = {0,1,2}. Parsed splits it into "A" {0,1} and "A2" {2}: the group is wrong, two lines are exact.
        string[] truth = ["A", "A", "A", "B"];
        string[] parsed = ["A", "A", "A2", "B"];

        var scores = LoghubMetrics.Compute(truth, parsed);

        Assert.Equal(1.0 / 4, scores.GroupingAccuracy, 12);
        Assert.Equal(3.0 / 4, scores.ParsingAccuracy, 12);
        // 1 correct of 3 parsed and 2 true: P = 1/3, R = 1/2, F1 = 0.4.
        Assert.Equal(0.4, scores.GroupingF1, 12);
        Assert.Equal(0.4, scores.TemplateF1, 12);
    }

    [Fact]
    public void Compute_NothingCorrect_ScoresZeroWithoutDividingByZero()
    {
        var scores = LoghubMetrics.Compute(["A", "A"], ["X", "Y"]);

        Assert.Equal(new LoghubScores(0, 0, 0, 0, 1, 2), scores);
    }

    [Fact]
    public void Compute_DifferentLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => LoghubMetrics.Compute(["A"], ["A", "B"]));
    }
}
