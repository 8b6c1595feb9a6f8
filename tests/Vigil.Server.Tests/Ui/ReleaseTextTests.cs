using Vigil.Client.Contracts;
using Vigil.Server.Ui.Data;

namespace Vigil.Server.Tests.Ui;

public sealed class ReleaseTextTests
{
    private static MetricJudgementDto Metric(string name, string classification, bool critical) =>
        new(name, "default", "count_ratio", critical, 1, classification, null, null, null, 100, 100, "requests", name + " sentence", "test", null);

    private static VerdictDto Verdict(string runState, string? verdict, bool overridden = false, string? current = null) =>
        new("rel_0123456789abcdef", "checkout", "2.0.0", "prod", "run_1", "quick", "canary", "1.0.0", runState, verdict, verdict is not null,
            current, overridden, null, null, 80, 2, 8, null, [], null, null);

    [Fact]
    public void Ordered_PutsCriticalFailuresFirstThenOtherFailuresThenNodataThenPasses_KeepingPlanOrderWithin()
    {
        var metrics = new[]
        {
            Metric("p50", "Pass", false),
            Metric("throughput", "Nodata", false),
            Metric("p99", "High", false),
            Metric("error-ratio", "High", true),
            Metric("p95", "Pass", true),
            Metric("success", "Low", true),
        };

        var ordered = ReleaseText.Ordered(metrics).Select(m => m.Name);

        Assert.Equal(["error-ratio", "success", "p99", "throughput", "p50", "p95"], ordered);
    }

    [Fact]
    public void Effect_Relative_IsASignedPercentageWithItsInterval()
    {
        var effect = new EffectDto(0.38, 0.221, 0.55, Relative: true, Confidence: 0.95);

        Assert.Equal("+38% (95% CI +22.1% … +55%)", ReleaseText.Effect(effect));
        Assert.Equal("+38%", ReleaseText.EffectEstimate(effect));
    }

    [Fact]
    public void Effect_WithUnboundedInterval_ShowsInfinity()
    {
        var effect = new EffectDto(-0.05, -0.7, double.PositiveInfinity, Relative: true, Confidence: 0.95);

        Assert.Equal("95% CI -70% … +∞", ReleaseText.EffectInterval(effect));
    }

    [Fact]
    public void Effect_None_IsAnEmDash()
    {
        Assert.Equal("—", ReleaseText.Effect(null));
        Assert.Equal(string.Empty, ReleaseText.EffectInterval(null));
    }

    [Theory]
    [InlineData("completed", "Fail", false, null, "Fail", "fail")]
    [InlineData("completed", "Pass", true, null, "Pass (overridden)", "pass")]
    [InlineData("running", null, false, "Inconclusive", "Running… currently Inconclusive", "running")]
    [InlineData("running", null, false, null, "Running…", "running")]
    [InlineData("aborted", null, false, null, "Aborted", "aborted")]
    [InlineData("none", null, false, null, "No verification", "none")]
    public void VerdictBadge_SaysTheVerdictInWords(string runState, string? verdict, bool overridden, string? current, string text, string css)
    {
        Assert.Equal((text, css), ReleaseText.VerdictBadge(Verdict(runState, verdict, overridden, current)));
    }

    [Fact]
    public void Samples_AreWholeNumbersWithThousandsSeparators()
    {
        Assert.Equal("48,305 requests", ReleaseText.Samples(48_305.4, "requests"));
    }
}
