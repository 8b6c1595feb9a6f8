using Vigil.Cli.Output;

namespace Vigil.Cli.Tests.Output;

public sealed class DisplayTests
{
    [Theory]
    [InlineData(0.00085, "850µs")]
    [InlineData(0.0000004, "0.4µs")]
    [InlineData(0.00123, "1.23ms")]
    [InlineData(0.0123, "12.3ms")]
    [InlineData(0.250, "250ms")]
    [InlineData(1.25, "1.25s")]
    [InlineData(12.34, "12.3s")]
    [InlineData(123, "2m03s")]
    [InlineData(3725, "1h02m")]
    [InlineData(-0.5, "-500ms")]
    [InlineData(double.NaN, "?")]
    [InlineData(0, "0s")]
    public void Duration_Seconds_PrintsInAReadableUnit(double seconds, string expected)
    {
        Assert.Equal(expected, Display.Duration(seconds));
    }

    [Fact]
    public void Time_AnyOffset_PrintsUtcWithMilliseconds()
    {
        Assert.Equal("2025-03-01T12:00:00.123Z", Display.Time(new DateTimeOffset(2025, 3, 1, 13, 0, 0, 123, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void TimeFromUnixNano_PrintsUtc()
    {
        Assert.Equal("2025-03-01T12:00:00.250Z", Display.TimeFromUnixNano(1_740_830_400_250_000_000));
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("tab\there", "tab\\there")]
    [InlineData("\u001b]0;pwned\u0007", "\\u001b]0;pwned\\u0007")]
    [InlineData("abc\u202Edef", "abc\\u202edef")]
    [InlineData("café ✓", "café ✓")]
    public void Safe_Text_EscapesControlAndFormatCharacters(string text, string expected)
    {
        Assert.Equal(expected, Display.Safe(text));
    }

    [Fact]
    public void Series_Labels_PrintsPrometheusNotationSortedAndEscaped()
    {
        var labels = new Dictionary<string, string> { ["path"] = "/a\"b\\c", ["__name__"] = "http_requests_total", ["code"] = "200" };

        Assert.Equal("http_requests_total{code=\"200\", path=\"/a\\\"b\\\\c\"}", Display.Series(labels));
    }

    [Fact]
    public void Series_NoNameNoLabels_PrintsEmptySelector()
    {
        Assert.Equal("{}", Display.Series(new Dictionary<string, string>()));
        Assert.Equal("up", Display.Series(new Dictionary<string, string> { ["__name__"] = "up" }));
        Assert.Equal("{job=\"x\"}", Display.Series(new Dictionary<string, string> { ["job"] = "x" }));
    }
}
