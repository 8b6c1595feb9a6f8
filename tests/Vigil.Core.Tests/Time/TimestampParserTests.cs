using Vigil.Core.Time;

namespace Vigil.Core.Tests.Time;

public sealed class TimestampParserTests
{
    [Theory]
    [InlineData("2025-03-01T12:00:00Z", "2025-03-01T12:00:00.0000000+00:00")]
    [InlineData("2025-03-01t12:00:00z", "2025-03-01T12:00:00.0000000+00:00")]
    [InlineData("2025-03-01T13:30:00.5+01:30", "2025-03-01T12:00:00.5000000+00:00")]
    [InlineData("2025-03-01 12:00:00.123456789Z", "2025-03-01T12:00:00.1234568+00:00")]
    [InlineData("1740830400", "2025-03-01T12:00:00.0000000+00:00")]
    [InlineData("1740830400.25", "2025-03-01T12:00:00.2500000+00:00")]
    [InlineData("1795961655.123", "2026-11-29T14:14:15.1230000+00:00")] // .123 is .12299990654 as a double: rounded to ms as Prometheus does
    [InlineData("0", "1970-01-01T00:00:00.0000000+00:00")]
    public void TryParse_Rfc3339OrUnixSeconds_ReturnsInstant(string text, string expected)
    {
        Assert.True(TimestampParser.TryParse(text, out var instant, out _));
        Assert.Equal(DateTimeOffset.ParseExact(expected, "O", System.Globalization.CultureInfo.InvariantCulture), instant);
    }

    [Theory]
    [InlineData("")]
    [InlineData("now")]
    [InlineData("2025-03-01")]
    [InlineData("2025-03-01T12:00:00")]
    [InlineData("03/01/2025 12:00")]
    [InlineData("-5")]
    [InlineData("1e9")]
    [InlineData("99999999999999")]
    public void TryParse_Other_ReturnsFalse(string text)
    {
        Assert.False(TimestampParser.TryParse(text, out _, out _));
    }

    [Theory]
    [InlineData("1740830400000", "9999-12-31T23:59:59.0000000+00:00")] // Grafana's millisecond probe
    [InlineData("-5", "1969-12-31T23:59:55.0000000+00:00")]
    [InlineData("-99999999999999", "0001-01-01T00:00:00.0000000+00:00")]
    [InlineData("1740830400.25", "2025-03-01T12:00:00.2500000+00:00")]
    [InlineData("1795960920.123", "2026-11-29T14:02:00.1230000+00:00")]
    public void TryParse_ClampToRange_TakesAnyFiniteNumberAsPrometheusDoes(string text, string expected)
    {
        Assert.True(TimestampParser.TryParse(text, out var time, out var error, clampToRange: true), error);
        Assert.Equal(expected, time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("yesterday")]
    public void TryParse_ClampToRange_StillRefusesWhatIsNoTime(string text)
    {
        Assert.False(TimestampParser.TryParse(text, out _, out _, clampToRange: true));
    }
}
