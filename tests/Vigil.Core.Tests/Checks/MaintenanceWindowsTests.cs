using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Checks;

namespace Vigil.Core.Tests.Checks;

public sealed class MaintenanceWindowsTests
{
    private static readonly DateTimeOffset Saturday2330 = new(2026, 5, 2, 23, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Covers_Absolute_IncludesFromAndExcludesUntil()
    {
        var window = new MaintenanceWindow(Saturday2330, Saturday2330.AddHours(1), [], null, null);

        Assert.True(window.Covers(Saturday2330));
        Assert.True(window.Covers(Saturday2330.AddMinutes(59)));
        Assert.False(window.Covers(Saturday2330.AddHours(1)));
        Assert.False(window.Covers(Saturday2330.AddTicks(-1)));
    }

    [Fact]
    public void Covers_WeeklyWithinADay_OnlyOnItsDays()
    {
        var window = new MaintenanceWindow(null, null, [DayOfWeek.Saturday], new TimeOnly(23, 0), new TimeOnly(23, 45));

        Assert.True(window.Covers(Saturday2330));
        Assert.False(window.Covers(Saturday2330.AddDays(1)));
        Assert.False(window.Covers(Saturday2330.AddMinutes(15)));
    }

    [Fact]
    public void Covers_WeeklyPastMidnight_RunsIntoTheNextDay()
    {
        var window = new MaintenanceWindow(null, null, [DayOfWeek.Saturday], new TimeOnly(23, 0), new TimeOnly(1, 0));

        Assert.True(window.Covers(Saturday2330));
        Assert.True(window.Covers(Saturday2330.AddHours(1)));
        Assert.False(window.Covers(Saturday2330.AddHours(1.5)));
        Assert.False(window.Covers(Saturday2330.AddDays(-1).AddHours(1)));
    }

    [Fact]
    public void Covers_OtherOffset_IsJudgedInUtc()
    {
        var window = new MaintenanceWindow(null, null, [DayOfWeek.Saturday], new TimeOnly(23, 0), new TimeOnly(23, 45));

        Assert.True(window.Covers(new DateTimeOffset(2026, 5, 3, 1, 30, 0, TimeSpan.FromHours(2))));
    }

    [Fact]
    public async Task RunAsync_InAWindow_MarksTheResult()
    {
        var time = new FakeTimeProvider(Saturday2330);
        var check = CheckExecutorTests.Tcp(0) with { Maintenance = [new MaintenanceWindow(null, null, [DayOfWeek.Saturday], new TimeOnly(23, 0), new TimeOnly(1, 0))] };

        var inside = await new CheckExecutor(time).RunAsync(check, new CheckRunContext("local", time.GetUtcNow(), _ => null), CancellationToken.None);
        time.Advance(TimeSpan.FromHours(2));
        var outside = await new CheckExecutor(time).RunAsync(check, new CheckRunContext("local", time.GetUtcNow(), _ => null), CancellationToken.None);

        Assert.True(inside.InMaintenance);
        Assert.Equal(CheckOutcome.Fail, inside.Outcome);
        Assert.False(outside.InMaintenance);
    }
}
