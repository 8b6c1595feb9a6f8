using Vigil.Core.Checks;

namespace Vigil.Core.Tests.Checks.Scheduling;

public sealed class CheckQuorumTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Decide_OneOfThreeFailingWithQuorumTwo_PassesNamingTheFailingLocation()
    {
        var check = Check(quorum: 2, "local", "eu-west", "us-east");

        var decision = CheckQuorum.Decide(check, [Pass("local"), Fail("eu-west", "connection refused"), Pass("us-east")], Now);

        Assert.Equal(CheckOutcome.Pass, decision.Outcome);
        Assert.Equal("failing in eu-west (connection refused); passing in local, us-east (1 of 3 locations failing, quorum 2)", decision.Summary);
        Assert.Equal(["eu-west", "local", "us-east"], decision.Locations.Select(r => r.Location));
    }

    [Fact]
    public void Decide_TwoOfThreeFailingWithQuorumTwo_Fails()
    {
        var check = Check(quorum: 2, "local", "eu-west", "us-east");

        var decision = CheckQuorum.Decide(check, [Pass("local"), Fail("eu-west", "status 503"), Fail("us-east", "timeout after 5s")], Now);

        Assert.Equal(CheckOutcome.Fail, decision.Outcome);
        Assert.Equal("failing in eu-west (status 503), us-east (timeout after 5s); passing in local (2 of 3 locations failing, quorum 2)", decision.Summary);
    }

    [Fact]
    public void Decide_AllPassing_Passes()
    {
        var decision = CheckQuorum.Decide(Check(1, "local"), [Pass("local")], Now);

        Assert.Equal(CheckOutcome.Pass, decision.Outcome);
        Assert.Equal("passing in local", decision.Summary);
    }

    [Fact]
    public void Decide_FailureInMaintenance_NotCountedTowardsQuorum()
    {
        var check = Check(quorum: 1, "local");

        var decision = CheckQuorum.Decide(check, [Fail("local", "status 500") with { InMaintenance = true }], Now);

        Assert.Equal(CheckOutcome.Pass, decision.Outcome);
        Assert.Equal("failing during maintenance (not counted) in local (status 500)", decision.Summary);
    }

    [Fact]
    public void Decide_FailureOlderThanThreeIntervals_StaleNotCounted()
    {
        var check = Check(quorum: 1, "local", "eu-west");
        var old = Fail("eu-west", "status 500") with { StartedAt = Now - TimeSpan.FromSeconds(31) };

        var decision = CheckQuorum.Decide(check, [Pass("local"), old], Now);

        Assert.Equal(CheckOutcome.Degraded, decision.Outcome);
        Assert.Contains("stale (not counted) in eu-west (last result 31s ago, fail)", decision.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_OnlyNewestResultPerLocationCounts_AndMissingLocationsAreNamed()
    {
        var check = Check(quorum: 1, "local", "eu-west");
        var older = Fail("local", "status 500") with { StartedAt = Now - TimeSpan.FromSeconds(10) };

        var decision = CheckQuorum.Decide(check, [older, Pass("local"), Fail("elsewhere", "not assigned")], Now);

        Assert.Equal(CheckOutcome.Degraded, decision.Outcome);
        Assert.Equal("passing in local; no result yet from eu-west (0 of 2 locations failing, quorum 1)", decision.Summary);
        Assert.Single(decision.Locations);
    }

    [Fact]
    public void Decide_OneOfThreeFailingAndOneDegraded_Degraded()
    {
        var check = Check(quorum: 2, "local", "eu-west", "us-east");

        var decision = CheckQuorum.Decide(check, [Pass("local"), Fail("eu-west", "status 503"), Pass("us-east") with { Outcome = CheckOutcome.Degraded, Reason = "slow" }], Now);

        Assert.Equal(CheckOutcome.Degraded, decision.Outcome);
        Assert.Equal("failing in eu-west (status 503); degraded in us-east (slow); passing in local (1 of 3 locations failing, quorum 2)", decision.Summary);
    }

    [Fact]
    public void Decide_DegradedLocation_DegradedWithReason()
    {
        var decision = CheckQuorum.Decide(Check(1, "local"), [Pass("local") with { Outcome = CheckOutcome.Degraded, Reason = "slow: 2.1s over 1s" }], Now);

        Assert.Equal(CheckOutcome.Degraded, decision.Outcome);
        Assert.Equal("degraded in local (slow: 2.1s over 1s)", decision.Summary);
    }

    private static CheckDefinition Check(int quorum, params string[] locations) =>
        new("api", CheckType.Http, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), RetryPolicy.None, locations, quorum, null, [],
            new Dictionary<string, string>(), new TestSpec());

    private static CheckResult Pass(string location) =>
        new("api", location, Now - TimeSpan.FromSeconds(2), Now - TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(40), CheckOutcome.Pass, null, null, 1, false, [], [], []);

    private static CheckResult Fail(string location, string reason) => Pass(location) with { Outcome = CheckOutcome.Fail, Reason = reason };

    private sealed record TestSpec : CheckSpec;
}
