using Vigil.Core.Time;

namespace Vigil.Core.Tests.Time;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("15d", 1_296_000_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("1.5", 1_500)]
    public void TryParse_ValidDuration_ReturnsMilliseconds(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration, out _));
        Assert.Equal(milliseconds, (long)duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("5x", "unknown unit")]
    [InlineData("h", "not a duration")]
    [InlineData("-3", "not a duration")]
    [InlineData("1m1h", "not ordered")]
    [InlineData("99999999999999999y", "too long")]
    public void TryParse_Invalid_ExplainsWhy(string text, string reason)
    {
        Assert.False(DurationParser.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_RoundTrips()
    {
        Assert.Equal("1h30m", DurationParser.Format(TimeSpan.FromMinutes(90)));
        Assert.Equal("250ms", DurationParser.Format(TimeSpan.FromMilliseconds(250)));
    }
}
