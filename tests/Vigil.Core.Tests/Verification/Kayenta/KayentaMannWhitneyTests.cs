using Vigil.Core.Verification.Kayenta;
using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Tests.Verification.Kayenta;

/// <summary>Kayenta's Mann-Whitney (R's asymptotic wilcox.test interval and estimate) against Kayenta's published vectors.</summary>
public sealed class KayentaMannWhitneyTests
{
    [Fact]
    public void Evaluate_KayentaPublishedVector_GivesInterval6To39AndEstimate22_5()
    {
        double[] experiment = [10, 20, 30, 40];
        double[] control = [1, 2, 3, 4];

        var result = KayentaMannWhitney.Evaluate(experiment, control, 0.95);

        Assert.Equal(6.0, result.Lower, 6);
        Assert.Equal(39.0, result.Upper, 6);
        Assert.Equal(22.5, result.Estimate, 6);
    }

    [Fact]
    public void Evaluate_ExperimentShiftedByAConstant_ShiftsIntervalAndEstimateByIt()
    {
        double[] control = [3.1, 4.7, 2.2, 5.9, 4.1, 3.3, 6.0, 2.8];
        var shifted = control.Select(v => v + 10).ToArray();

        var result = KayentaMannWhitney.Evaluate(shifted, control, 0.98);

        Assert.InRange(result.Estimate, 10 - KayentaMannWhitney.Tolerance, 10 + KayentaMannWhitney.Tolerance);
        Assert.True(result.Lower < 10 && result.Upper > 10, $"{result}");
        Assert.True(result.Lower > 0, $"a shift of 10 on values 2..6 is significant: {result}");
        Assert.True(result.PValue < 0.01, $"{result}");
    }

    [Fact]
    public void Evaluate_IdenticalSamples_IntervalCoversZeroWithEstimateZero()
    {
        double[] values = [1, 2, 3, 4, 5, 6];

        var result = KayentaMannWhitney.Evaluate(values, values, 0.98);

        Assert.True(result.Lower < 0 && result.Upper > 0, $"{result}");
        Assert.Equal(0, result.Estimate, 3);
        Assert.Equal(1, result.PValue, 6);
    }

    [Fact]
    public void Evaluate_AllObservationsTied_ThrowsAsKayentaDoes()
    {
        Assert.Throws<MannWhitneyTiedException>(() => KayentaMannWhitney.Evaluate([2.0, 2.0], [2.0, 2.0, 2.0], 0.98));
    }

    [Theory]
    [InlineData(1.96, 0.9750021048517795)]
    [InlineData(-3.0, 0.0013498980316301)]
    [InlineData(1.0, 0.8413447460685429)]
    [InlineData(0.0, 0.5)]
    [InlineData(-8.0, 6.22096057427178e-16)]
    public void StandardNormalCdf_MatchesReferenceValues(double x, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.NormalCdf(x), 1e-14 + expected * 1e-9);
    }

    [Theory]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.99, 2.326347874040841)]
    [InlineData(0.01, -2.326347874040841)]
    [InlineData(0.5, 0.0)]
    public void StandardNormalQuantile_MatchesReferenceValues(double p, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.NormalQuantile(p), 1e-9);
    }
}
