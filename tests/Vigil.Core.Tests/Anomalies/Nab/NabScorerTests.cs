using Vigil.Core.Anomalies.Nab;

namespace Vigil.Core.Tests.Anomalies.Nab;

public sealed class NabScorerTests
{
    [Theory]
    [InlineData("numenta", 69.1679, 64.1152, 72.7825)]
    [InlineData("windowedGaussian", 42.8496, 28.0552, 49.1386)]
    [InlineData("null", 0.0, 0.0, 0.0)]
    public void Score_PublishedDetectorOutputs_ReproducesPublishedTable(string detector, double standard, double lowFalsePositives, double lowFalseNegatives)
    {
        var nab = SharedData.Nab;
        var windows = NabWindows.Parse(File.ReadAllText(Path.Combine(nab, "windows.json")), "windows.json");
        var corpus = NabCorpus.Load(Path.Combine(nab, "data"), windows);
        var outputs = NabCorpus.LoadOutputs(Path.Combine(nab, "results", detector), detector, corpus);
        var profiles = NabProfile.Parse(File.ReadAllText(Path.Combine(nab, "profiles.json")), "profiles.json");

        var scores = profiles.Select(p => Math.Round(NabScorer.Score(outputs, p).Normalized, 4)).ToArray();

        Assert.Equal(35, corpus.Count);
        Assert.Equal(["standard", "reward_low_FP_rate", "reward_low_FN_rate"], profiles.Select(p => p.Name));
        Assert.Equal([standard, lowFalsePositives, lowFalseNegatives], scores);
    }

    [Fact]
    public void ScaledSigmoid_MatchesNabDefinition()
    {
        Assert.Equal(0.0, NabLabelledFile.ScaledSigmoid(0.0), 12);
        Assert.Equal((2.0 / (1.0 + Math.Exp(-5.0))) - 1.0, NabLabelledFile.ScaledSigmoid(-1.0), 12);
        Assert.Equal(-1.0, NabLabelledFile.ScaledSigmoid(3.0001));
        Assert.True(NabLabelledFile.ScaledSigmoid(3.0) > -1.0);
    }
}
