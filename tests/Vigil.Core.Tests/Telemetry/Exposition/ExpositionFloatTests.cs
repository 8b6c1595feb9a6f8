using System.Globalization;
using System.Text;
using Vigil.Core.Telemetry.Exposition;

namespace Vigil.Core.Tests.Telemetry.Exposition;

public sealed class ExpositionFloatTests
{
    [Fact]
    public void TryParse_RandomDecimals_MatchTheGeneralParserBitForBit()
    {
        const int seed = 4242;
        var random = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            var digits = random.Next(1, 19);
            var sb = new StringBuilder();
            if (random.Next(3) == 0)
            {
                sb.Append(random.Next(2) == 0 ? '-' : '+');
            }

            var point = random.Next(-1, digits + 1);
            for (var d = 0; d < digits; d++)
            {
                if (d == point)
                {
                    sb.Append('.');
                }

                sb.Append((char)('0' + random.Next(10)));
            }

            if (random.Next(3) == 0)
            {
                sb.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(-40, 40).ToString(CultureInfo.InvariantCulture));
            }

            var text = sb.ToString();
            var expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

            Assert.True(ExpositionFloat.TryParse(Encoding.ASCII.GetBytes(text), out var actual, out var reason), $"seed {seed}: {text}: {reason}");
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"seed {seed}: {text}: {expected:R} != {actual:R}");
        }
    }

    [Theory]
    [InlineData(0.001, "0.001")]
    [InlineData(1234567, "1.234567e+06")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(999999, "999999.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(-0.0, "0.0")]
    public void FormatOpenMetrics_Value_MatchesGoShortestG(double value, string expected)
    {
        Assert.Equal(expected, ExpositionFloat.FormatOpenMetrics(value));
    }
}
