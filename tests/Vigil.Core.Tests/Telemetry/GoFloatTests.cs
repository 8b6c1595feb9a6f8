using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.Telemetry;

/// <summary>The expected texts are what Go's strconv.FormatFloat(v, fmt, -1, 64) prints (and Prometheus with it).</summary>
public sealed class GoFloatTests
{
    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e-7, "0.0000001")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(123456789.0, "123456789")]
    [InlineData(-2.5e-3, "-0.0025")]
    [InlineData(0.0, "0")]
    [InlineData(-0.0, "-0")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    public void FormatF_NeverUsesAnExponent(double value, string expected) => Assert.Equal(expected, GoFloat.FormatF(value));

    [Theory]
    [InlineData(1e6, "1e+06")]
    [InlineData(123456.0, "123456")]
    [InlineData(123456789.0, "1.23456789e+08")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-1.5e-300, "-1.5e-300")]
    [InlineData(100.0, "100")]
    [InlineData(0.25, "0.25")]
    public void FormatG_SwitchesToTheExponentBelowMinus4AndFrom6(double value, string expected) => Assert.Equal(expected, GoFloat.FormatG(value));

    [Theory]
    [InlineData(1e-7, "1e-07")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(-5.5e-300, "-5.5e-300")]
    [InlineData(42.0, "42")]
    [InlineData(0.0, "0")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void FormatApiValue_FollowsPrometheusJsonRule(double value, string expected) => Assert.Equal(expected, GoFloat.FormatApiValue(value));
}
