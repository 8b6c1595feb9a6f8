using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Nab;

namespace Vigil.Core.Tests.Anomalies.Nab;

/// <summary>The default detector on the NAB development corpus (35 files), scored with NAB's rules.</summary>
public sealed class NabBenchmarkTests
{
    [Fact]
    public void DefaultDetector_OnNabDevelopmentCorpus_KeepsItsMeasuredScoresAndThreshold()
    {
        var nab = SharedData.Nab;
        var windows = NabWindows.Parse(File.ReadAllText(Path.Combine(nab, "windows.json")), "windows.json");
        var corpus = NabCorpus.Load(Path.Combine(nab, "data"), windows);

        var outputs = corpus.Select(file =>
        {
            var detector = new AnomalyDetector();
            var scores = file.Data.Timestamps
                .Select((t, i) => detector.Observe(new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeMilliseconds(), file.Data.Values[i]))
                .ToArray();
            return new NabDetectorOutput(file.Labels, scores);
        }).ToList();
        var standard = NabScorer.Score(outputs, NabProfile.Standard);
        var lowFalsePositives = NabScorer.Score(outputs, NabProfile.RewardLowFalsePositives);
        var lowFalseNegatives = NabScorer.Score(outputs, NabProfile.RewardLowFalseNegatives);

        // The production threshold is the one the sweep chooses; the floors are the measured scores rounded down.
        // They are below the bar (72 / 65 / 76), which is not met yet: see docs/benchmarks.md.
        Assert.Equal(AnomalyDetector.DefaultThreshold, standard.Threshold);
        Assert.True(standard.Normalized >= 69.1, $"standard {standard.Normalized:F4} fell below 69.1");
        Assert.True(lowFalsePositives.Normalized >= 58.0, $"reward_low_FP_rate {lowFalsePositives.Normalized:F4} fell below 58.0");
        Assert.True(lowFalseNegatives.Normalized >= 74.9, $"reward_low_FN_rate {lowFalseNegatives.Normalized:F4} fell below 74.9");
        Assert.Equal(standard.Normalized, NabScorer.ScoreAt(outputs, NabProfile.Standard, AnomalyDetector.DefaultThreshold).Normalized, 9);
    }

    [Fact]
    public void DetectorState_WithWeeklySeasonality_IsUnderEightKilobytes()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var state = new AnomalyDetectorState();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(AnomalyDetectorState.WeekBuckets, state.WeekMean.Length);
        Assert.True(allocated < 8 * 1024, $"a detector's state allocates {allocated} bytes");
    }
}
