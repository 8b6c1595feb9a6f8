using Vigil.Core.Time;

namespace Vigil.Core.Tests.Time;

public sealed class DurationParserStrictTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("0s", 0)]
    [InlineData("90s", 90_000)]
    [InlineData("15m", 900_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1s250ms", 1_250)]
    [InlineData("7d", 604_800_000)]
    [InlineData("2w", 1_209_600_000)]
    [InlineData("1y", 31_536_000_000)]
    public void TryParse_PrometheusDuration_ReturnsIt(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration, out _, allowBareSeconds: false));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("250")]
    [InlineData("ms")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("1m1h")]
    [InlineData("1s1s")]
    [InlineData("1 h")]
    [InlineData("1H")]
    [InlineData("5x")]
    [InlineData("99999999999999999999y")]
    [InlineData("9999999y")]
    public void TryParse_NotADuration_ReturnsFalse(string? text)
    {
        Assert.False(DurationParser.TryParse(text, out _, out _, allowBareSeconds: false));
    }
}
