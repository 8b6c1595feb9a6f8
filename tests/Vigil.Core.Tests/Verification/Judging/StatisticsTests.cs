using Vigil.Core.Telemetry.Intake;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Tests.Verification.Judging;

/// <summary>The judge's statistics against values known from R and from hand computation.</summary>
public sealed class StatisticsTests
{
    // R's ?wilcox.test example: x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46); y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
    private static readonly double[] RX = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    private static readonly double[] RY = [1.15, 0.88, 0.90, 0.74, 1.21];

    [Fact]
    public void MannWhitney_RHelpExample_MatchesWilcoxTestExactly()
    {
        // wilcox.test(x, y, alternative = "g"): W = 35, p-value = 0.1272 (382 of the 3,003 arrangements have W >= 35).
        var result = MannWhitney.Test(RX, RY, 0, greater: true);

        Assert.Equal(35, result.W);
        Assert.True(result.Exact);
        Assert.Equal(0.1272061, result.PValue, 6);
    }

    [Fact]
    public void MannWhitney_TinySamples_ExactTailIsOneArrangementInSeventy()
    {
        // x all above y: W = 16 and only 1 of C(8,4) = 70 arrangements is as extreme.
        var greater = MannWhitney.Test([10, 20, 30, 40], [1, 2, 3, 4], 0, greater: true);
        var less = MannWhitney.Test([10, 20, 30, 40], [1, 2, 3, 4], 0, greater: false);

        Assert.Equal(16, greater.W);
        Assert.Equal(1.0 / 70, greater.PValue, 12);
        Assert.Equal(1.0, less.PValue, 12);
    }

    [Fact]
    public void MannWhitney_ShiftBeyondTheData_IsNotSignificant()
    {
        // Testing x - 100 > y: every shifted x is below every y, so W = 0 and P(W >= 0) = 1.
        var result = MannWhitney.Test([10, 20, 30, 40], [1, 2, 3, 4], 100, greater: true);

        Assert.Equal(0, result.W);
        Assert.Equal(1, result.PValue, 12);
    }

    [Fact]
    public void MannWhitney_TiesUseNormalApproximationWithTieAndContinuityCorrection()
    {
        // x = (1, 2, 2, 3), y = (2, 3, 4, 5) by hand: W = 0 + 0.5 + 0.5 + 1.5 = 2.5; ties: three 2s and two 3s, so
        // sigma^2 = 16/12 * (9 - (24 + 6)/(8 * 7)); R's wilcox.test(x, y, alternative = "less", exact = FALSE) is
        // pnorm((2.5 - 8 + 0.5) / sigma) = 0.0683.
        var result = MannWhitney.Test([1, 2, 2, 3], [2, 3, 4, 5], 0, greater: false);
        var sigma = Math.Sqrt(16.0 / 12 * (9 - 30.0 / 56));
        var expected = SpecialFunctions.NormalCdf((2.5 - 8 + 0.5) / sigma);

        Assert.False(result.Exact);
        Assert.Equal(2.5, result.W);
        Assert.Equal(expected, result.PValue, 10);
        Assert.Equal(0.0683, result.PValue, 4);
    }

    [Fact]
    public void HodgesLehmann_KayentaVector_EstimateAndExactInterval()
    {
        // Kayenta's published vector: experiment [10,20,30,40] vs control [1,2,3,4] at 95%: estimate 22.5, interval [6, 39].
        var shift = MannWhitney.HodgesLehmann([10, 20, 30, 40], [1, 2, 3, 4], 0.95);

        Assert.True(shift.Exact);
        Assert.Equal(22.5, shift.Estimate, 12);
        Assert.Equal(6, shift.Lower, 12);
        Assert.Equal(39, shift.Upper, 12);
    }

    [Fact]
    public void HodgesLehmann_RHelpExample_MatchesWilcoxTestConfInt()
    {
        // wilcox.test(x, y, conf.int = TRUE): difference in location 0.305, 95% CI -0.15 .. 0.76 (qwilcox(0.025, 10, 5) = 9).
        var shift = MannWhitney.HodgesLehmann(RX, RY, 0.95);

        Assert.Equal(9, MannWhitney.Quantile(0.025, 10, 5));
        Assert.Equal(0.305, shift.Estimate, 10);
        Assert.Equal(-0.15, shift.Lower, 10);
        Assert.Equal(0.76, shift.Upper, 10);
    }

    [Fact]
    public void Distribution_CountsEveryArrangement()
    {
        var distribution = MannWhitney.Distribution(10, 5);

        Assert.Equal(3003, distribution[^1]); // C(15, 5)
        Assert.Equal(1, distribution[0]);
        Assert.Equal(51, distribution.Length);
    }

    [Fact]
    public void Holm_StepsDown()
    {
        // Sorted p = 0.01, 0.03, 0.04 of m = 3: 3 x 0.01 = 0.03, 2 x 0.03 = 0.06, max(0.06, 1 x 0.04) = 0.06.
        var adjusted = Holm.Adjust([0.04, 0.01, 0.03]);

        Assert.Equal([0.06, 0.03, 0.06], adjusted.Select(p => Math.Round(p, 10)));
    }

    [Fact]
    public void AlphaSpending_SharesSumToTheBudgetAndGrowTowardTheEnd()
    {
        var shares = Enumerable.Range(1, 15).Select(k => AlphaSpending.Share(k, 15)).ToArray();
        var extension = Enumerable.Range(16, 40).Sum(k => AlphaSpending.Share(k, 15));

        Assert.Equal(AlphaSpending.PlannedShare, shares.Sum(), 12);
        Assert.True(shares.Zip(shares.Skip(1)).All(pair => pair.First < pair.Second));
        Assert.True(shares.Sum() + extension <= 1);
        Assert.Equal(0.95 / 225, shares[0], 12);
        Assert.Equal(1, AlphaSpending.Adjust(0.5, 1, 15));
    }

    [Fact]
    public void SpecialFunctions_KnownValues()
    {
        Assert.Equal(0.157299207050285, SpecialFunctions.Erfc(1), 13);
        Assert.Equal(1.959963984540054, SpecialFunctions.NormalQuantile(0.975), 9);
        Assert.Equal(-2.326347874040841, SpecialFunctions.NormalQuantile(0.01), 9);
        Assert.Equal(Math.Log(24), SpecialFunctions.LogGamma(5), 12);
        Assert.Equal(0.5, SpecialFunctions.RegularizedBeta(0.5, 3, 3), 12);
        Assert.Equal(1 - Math.Pow(0.7, 5), SpecialFunctions.RegularizedBeta(0.3, 1, 5), 12);
    }

    [Theory]
    [InlineData(1000, 0.5)]
    [InlineData(1000, 0.95)]
    [InlineData(3000, 0.99)]
    [InlineData(45000, 0.95)]
    [InlineData(2600, 0.99)]
    public void Binomial_PeizerPrattTailsAgreeWithTheExactFunction(double n, double p)
    {
        var sd = Math.Sqrt(n * p * (1 - p));
        for (var z = -4.0; z <= 4; z += 0.5)
        {
            var k = Math.Floor(n * p + z * sd);
            var exact = SpecialFunctions.RegularizedBeta(1 - p, n - k, k + 1);
            var approximate = Binomial.Cdf(k, n, p);
            var tail = Math.Min(exact, 1 - exact);
            Assert.True(Math.Abs(approximate - exact) <= 5e-3 * tail + 1e-12, $"n={n} p={p} k={k}: exact {exact}, approximation {approximate}");
        }
    }

    [Fact]
    public void ClopperPearson_KnownInterval()
    {
        // binom.test(3, 10)$conf.int = 0.06673951 0.65245285
        var (lower, upper) = Binomial.ClopperPearson(3, 10, 0.95);

        Assert.Equal(0.06673951, lower, 6);
        Assert.Equal(0.65245285, upper, 6);
    }

    [Fact]
    public void RateRatioEValue_AllEventsOnTheCanary_GrowsWithEveryEvent()
    {
        var three = RateRatioEValue.Compute([new CountInterval(3, 400, 0, 4000)], 1.2, increase: true);
        var six = RateRatioEValue.Compute([new CountInterval(3, 400, 0, 4000), new CountInterval(3, 400, 0, 4000)], 1.2, increase: true);
        var none = RateRatioEValue.Compute([new CountInterval(1, 4000, 10, 4000)], 1.2, increase: true);

        Assert.InRange(three.RunningMax, 10, 400);
        Assert.True(six.RunningMax > 1000, $"six events: {six.RunningMax}");
        Assert.True(none.RunningMax == 1 && none.Final < 1, $"fewer canary events: {none.Final}");
    }

    [Fact]
    public void QuantileRatio_PValueEqualsTheBruteForceMinimumOverBucketPairs()
    {
        const int Seed = 4301;
        var random = new Random(Seed);
        double[] bounds = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, double.PositiveInfinity];
        for (var trial = 0; trial < 200; trial++)
        {
            var a = new HistogramCounts(bounds, [.. bounds.Select(_ => (double)random.Next(0, 40))]);
            var b = new HistogramCounts(bounds, [.. bounds.Select(_ => (double)random.Next(0, 40))]);
            var (canary, baseline) = BucketCounts.Merge([a], [b])!.Value;
            var q = new[] { 0.5, 0.9, 0.95 }[trial % 3];
            var c = new[] { 1.0, 1.1, 1.5 }[trial % 3];

            // Every baseline upper edge B and every canary lower edge above c times it.
            var best = 1.0;
            for (var bucketB = 0; bucketB < bounds.Length - 1; bucketB++)
            {
                for (var bucketA = 1; bucketA < bounds.Length; bucketA++)
                {
                    if (canary.LowerEdge(bucketA) > c * bounds[bucketB])
                    {
                        best = Math.Min(best, Math.Max(baseline.UpperTailLevel(bucketB, q), canary.LowerTailLevel(bucketA, q)));
                    }
                }
            }

            var expected = Math.Min(1, 2 * best);
            Assert.True(Math.Abs(expected - QuantileRatio.PValueGreater(canary, baseline, q, c)) < 1e-12, $"seed {Seed} trial {trial}: brute force {expected}, search {QuantileRatio.PValueGreater(canary, baseline, q, c)}");
        }
    }

    [Fact]
    public void QuantileRatio_BoundsAreBucketEdgesAroundTheTruth()
    {
        // 10,000 requests spread evenly over the span-metric buckets from 100 ms to 200 ms, on both sides.
        double[] bounds = [.. SpanMetricsAggregator.DurationBounds, double.PositiveInfinity];
        var counts = bounds.Select((b, i) => b > 0.1 && b <= 0.2 ? 10_000.0 / 16 : 0).ToArray();
        var histogram = new HistogramCounts(bounds, counts);
        var merged = BucketCounts.Merge([histogram], [histogram])!.Value;

        var (lower, upper) = QuantileRatio.Interval(merged.Canary, merged.Baseline, 0.5, 0.95);
        var p = QuantileRatio.PValueGreater(merged.Canary, merged.Baseline, 0.5, 1.0);

        Assert.Equal(merged.Canary.Quantile(0.5), merged.Baseline.Quantile(0.5));
        Assert.InRange(merged.Canary.Quantile(0.5), 0.138, 0.145);
        Assert.True(lower < 1 && upper > 1, $"{lower}..{upper}");
        Assert.True(lower > 0.9 && upper < 1.1, $"{lower}..{upper}");
        Assert.Equal(1, p);
    }
}
