using Vigil.Core.Verification.Runs;

namespace Vigil.Core.Tests.Verification.Runs;

public sealed class BaselineSelectorTests
{
    private static readonly DateTimeOffset At = RunTestData.Start.AddMinutes(10);

    private static Task<BaselineChoice> ChooseAsync(RunTestData data, string? plan = null, string? requested = null) =>
        BaselineSelector.ChooseAsync(data.Source, "checkout", "prod", "1.4.2", plan, requested, TimeSpan.FromMinutes(1), At.ToUnixTimeMilliseconds(), CancellationToken.None);

    [Fact]
    public async Task ChooseAsync_NoVersionNamed_PicksTheOtherVersionWithTheMostTraffic_NeverTheCanary()
    {
        var data = new RunTestData();
        data.AddVersion("1.4.2", RunTestData.Start, At, perSecond: 500); // the canary has the most traffic: never chosen
        data.AddVersion("1.4.1", RunTestData.Start, At, perSecond: 50);
        data.AddVersion("1.3.9", RunTestData.Start, At, perSecond: 5);
        data.AddVersion("1.4.0", RunTestData.Start, At, perSecond: 80, environment: "staging"); // another environment

        var choice = await ChooseAsync(data);

        Assert.Equal("1.4.1", choice.Version);
        Assert.StartsWith("most traffic:", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChooseAsync_PlanBaseline_WinsOverTheRequestAndTraffic()
    {
        var data = new RunTestData();
        data.AddVersion("1.4.1", RunTestData.Start, At, perSecond: 50);

        Assert.Equal("1.0.0", (await ChooseAsync(data, plan: "1.0.0", requested: "1.2.0")).Version);
        Assert.Equal("1.2.0", (await ChooseAsync(data, requested: "1.2.0")).Version);
    }

    [Fact]
    public async Task ChooseAsync_OnlyTheCanaryOrOldTraffic_NoBaselineWithTheReason()
    {
        var data = new RunTestData();
        data.AddVersion("1.4.2", RunTestData.Start, At, perSecond: 50);
        data.AddVersion("1.4.1", RunTestData.Start.AddHours(-3), RunTestData.Start.AddHours(-2), perSecond: 50); // gone hours ago

        var choice = await ChooseAsync(data);

        Assert.Null(choice.Version);
        Assert.StartsWith(BaselineSelector.NoBaselineReason, choice.Reason, StringComparison.Ordinal);
    }
}
