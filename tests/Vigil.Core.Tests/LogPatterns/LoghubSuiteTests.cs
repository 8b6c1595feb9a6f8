using Vigil.Core.LogPatterns.Evaluation;

namespace Vigil.Core.Tests.LogPatterns;

/// <summary>
/// The template miner on the 8 Loghub 2k datasets (Loghub-2.0 corrected ground truth), one configuration for all.
/// The data is not in the repository (licence): it is found through VIGIL_SHARED_DATA or ../shared/data next to the
/// repository root, and its absence fails the test.
/// </summary>
public sealed class LoghubSuiteTests
{
    private static readonly string[] Expected = ["BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux", "OpenSSH", "Spark"];

    [Fact]
    public void DefaultMiner_EightLoghubDatasets_MeetsTheIssueBarAndTheReachedFloor()
    {
        var datasets = LoghubDataset.LoadAll(SharedData.Loghub);
        Assert.Equal(Expected, datasets.Select(d => d.Name).Order(StringComparer.Ordinal));

        var results = datasets.Select(d => LoghubEvaluator.Run(d)).ToList();
        var ga = results.Average(r => r.Scores.GroupingAccuracy);
        var fga = results.Average(r => r.Scores.GroupingF1);
        var pa = results.Average(r => r.Scores.ParsingAccuracy);
        var fta = results.Average(r => r.Scores.TemplateF1);
        var summary = string.Join("; ", results.Select(r => $"{r.Dataset.Name} GA {r.Scores.GroupingAccuracy:F3} PA {r.Scores.ParsingAccuracy:F3}")) +
            $"; average GA {ga:F3} FGA {fga:F3} PA {pa:F3} FTA {fta:F3}";

        // Issue 7's bar.
        Assert.True(ga >= 0.90, $"average GA below 0.90: {summary}");
        Assert.True(pa >= 0.50, $"average PA below 0.50: {summary}");
        // The floor reached when this test was written (rounded down to 2 decimals): guards against regressions.
        Assert.True(ga >= 0.92 && fga >= 0.90 && pa >= 0.87 && fta >= 0.79, $"below the reached floor (GA 0.92, FGA 0.90, PA 0.87, FTA 0.79): {summary}");
    }
}
