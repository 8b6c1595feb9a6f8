using Vigil.Core.Telemetry.Intake;

namespace Vigil.Core.Tests.Telemetry.Intake;

public class Base2BucketsTests
{
    [Fact]
    public void Convert_ScaleZero_KeepsPowerOfTwoBuckets()
    {
        List<double> bounds = [], counts = [];

        // Scale 0: bucket i holds (2^i, 2^(i+1)]; offset 0 covers (1,2], (2,4], (4,8].
        var ok = Base2Buckets.Convert(0, 0, 0, 0, [1, 2, 3], 0, [], bounds, counts);

        Assert.True(ok);
        Assert.Equal([0.0, 2.0, 4.0, 8.0], bounds);
        Assert.Equal([0.0, 1.0, 2.0, 3.0], counts);
    }

    [Fact]
    public void Convert_FinerScale_MergesUpToPowersOfTwo()
    {
        List<double> bounds = [], counts = [];

        // Scale 2: four buckets per power of two. Indices 0..7 cover (1,2] and (2,4].
        Base2Buckets.Convert(2, 0, 0, 0, [1, 1, 1, 1, 2, 2, 2, 2], 0, [], bounds, counts);

        Assert.Equal([0.0, 2.0, 4.0], bounds);
        Assert.Equal([0.0, 4.0, 8.0], counts);
    }

    [Fact]
    public void Convert_FinerScaleNegativeOffset_MergesWithFloorDivision()
    {
        List<double> bounds = [], counts = [];

        // Scale 1, indices -2..1: (2^-1, 2^-0.5], (2^-0.5, 1], (1, 2^0.5], (2^0.5, 2] -> (0.5,1] and (1,2].
        Base2Buckets.Convert(1, 0, 0, -2, [1, 2, 3, 4], 0, [], bounds, counts);

        Assert.Equal([0.0, 1.0, 2.0], bounds);
        Assert.Equal([0.0, 3.0, 7.0], counts);
    }

    [Fact]
    public void Convert_NegativeScale_KeepsItsCoarserPowerOfTwoBounds()
    {
        List<double> bounds = [], counts = [];

        // Scale -1: base 4; bucket i holds (4^i, 4^(i+1)].
        Base2Buckets.Convert(-1, 0, 0, 0, [1, 1], 0, [], bounds, counts);

        Assert.Equal([0.0, 4.0, 16.0], bounds);
        Assert.Equal([0.0, 1.0, 1.0], counts);
    }

    [Fact]
    public void Convert_ZeroAndNegativeBuckets_AreOrderedBelowPositives()
    {
        List<double> bounds = [], counts = [];

        // Negative scale-0 buckets at offset 1: magnitudes (2,4] and (4,8], i.e. values [-4,-2) and [-8,-4).
        Base2Buckets.Convert(0, 0, 5, 0, [1], 1, [2, 3], bounds, counts);

        Assert.Equal([-4.0, -2.0, 0.0, 2.0], bounds);
        Assert.Equal([3.0, 2.0, 5.0, 1.0], counts);
    }

    [Fact]
    public void Convert_ZeroThreshold_IsTheZeroBucketBound()
    {
        List<double> bounds = [], counts = [];

        Base2Buckets.Convert(0, 0.001, 7, 0, [1], 0, [], bounds, counts);

        Assert.Equal([0.001, 2.0], bounds);
        Assert.Equal([7.0, 1.0], counts);
    }

    [Theory]
    [InlineData(-11)]
    [InlineData(21)]
    public void Convert_ScaleOutOfRange_ReturnsFalse(int scale)
    {
        List<double> bounds = [], counts = [];

        Assert.False(Base2Buckets.Convert(scale, 0, 0, 0, [1], 0, [], bounds, counts));
        Assert.Empty(bounds);
    }

    [Fact]
    public void Convert_HugeIndices_StopsBeforeInfinity()
    {
        List<double> bounds = [], counts = [];

        Base2Buckets.Convert(0, 0, 0, 1022, [1, 1, 1], 0, [], bounds, counts);

        Assert.All(bounds, b => Assert.True(double.IsFinite(b)));
        Assert.Equal(Math.ScaleB(1.0, 1024 - 1), bounds[^1]);
    }
}
