using Vigil.Core.Time;

namespace Vigil.Core.Tests.Time;

/// <summary>The duration forms PromQL uses (ranges, offsets, subquery steps), parsed without bare seconds.</summary>
public sealed class DurationParserPromQlTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("1y", 31_536_000_000)]
    [InlineData("1y2w3d4h5m6s7ms", 31_536_000_000 + 1_209_600_000 + 259_200_000 + 14_400_000 + 300_000 + 6_000 + 7)]
    [InlineData("0s", 0)]
    public void TryParse_ValidDuration_ReturnsMilliseconds(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration, out _, allowBareSeconds: false));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("1.5h")]
    [InlineData("5x")]
    [InlineData("99999999999999999999s")]
    [InlineData("1000000y")]
    public void TryParse_InvalidDuration_ReturnsNull(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _, out _, allowBareSeconds: false));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(90 * 60_000, "1h30m")]
    [InlineData(-5 * 60_000, "-5m")]
    [InlineData(8 * 86_400_000L, "1w1d")]
    [InlineData(1_500, "1s500ms")]
    public void Format_Duration_IsCanonical(long milliseconds, string expected)
    {
        Assert.Equal(expected, DurationParser.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }
}
