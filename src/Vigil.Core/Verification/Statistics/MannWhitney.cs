using System.Collections.Concurrent;

namespace Vigil.Core.Verification.Statistics;

/// <summary>The result of a one-sided Mann-Whitney test: the statistic W (R's <c>wilcox.test</c>), its p-value, and whether it is exact.</summary>
internal readonly record struct RankTestResult(double W, double PValue, bool Exact);

/// <summary>The Hodges-Lehmann shift (median of all pairwise differences) with its confidence interval.</summary>
internal readonly record struct ShiftEstimate(double Estimate, double Lower, double Upper, bool Exact);

/// <summary>
/// Mann-Whitney (Wilcoxon rank-sum) test and the Hodges-Lehmann shift, as R's <c>wilcox.test(x, y, conf.int = TRUE)</c>
/// computes them: the exact null distribution of W when both samples are small and untied, otherwise the normal
/// approximation with tie correction and continuity correction.
/// </summary>
internal static class MannWhitney
{
    /// <summary>Largest sample size (per side) for which the exact distribution of W is used (R uses 49).</summary>
    public const int ExactLimit = 25;

    private static readonly ConcurrentDictionary<(int M, int N), double[]> Distributions = new();

    /// <summary>
    /// One-sided test of <c>x - shift</c> against <c>y</c>: <paramref name="greater"/> true tests that x - shift tends to
    /// be larger than y (small p = evidence x exceeds y by more than shift), false that it tends to be smaller.
    /// </summary>
    public static RankTestResult Test(IReadOnlyList<double> x, IReadOnlyList<double> y, double shift, bool greater)
    {
        int m = x.Count, n = y.Count;
        if (m == 0 || n == 0)
        {
            return new RankTestResult(0, 1, true);
        }

        // Ranks of the combined sample, ties given their mean rank.
        var combined = new (double Value, bool IsX)[m + n];
        for (var i = 0; i < m; i++)
        {
            combined[i] = (x[i] - shift, true);
        }

        for (var j = 0; j < n; j++)
        {
            combined[m + j] = (y[j], false);
        }

        Array.Sort(combined, (a, b) => a.Value.CompareTo(b.Value));
        double rankSumX = 0, tieTerm = 0;
        var ties = false;
        for (var start = 0; start < combined.Length;)
        {
            var end = start;
            while (end + 1 < combined.Length && combined[end + 1].Value == combined[start].Value)
            {
                end++;
            }

            var size = end - start + 1;
            var meanRank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++)
            {
                if (combined[k].IsX)
                {
                    rankSumX += meanRank;
                }
            }

            if (size > 1)
            {
                ties = true;
                tieTerm += (double)size * size * size - size;
            }

            start = end + 1;
        }

        var w = rankSumX - m * (m + 1) / 2.0;
        if (!ties && m <= ExactLimit && n <= ExactLimit)
        {
            var distribution = Distribution(m, n);
            var total = distribution[^1];
            var statistic = (int)Math.Round(w);
            double tail = 0;
            if (greater)
            {
                // P(W >= w) = 1 - P(W <= w - 1)
                tail = statistic <= 0 ? total : total - distribution[statistic - 1];
            }
            else
            {
                tail = distribution[statistic];
            }

            return new RankTestResult(w, Math.Clamp(tail / total, 0, 1), true);
        }

        double nn = m + n;
        var variance = m * (double)n / 12 * (nn + 1 - tieTerm / (nn * (nn - 1)));
        if (variance <= 0)
        {
            return new RankTestResult(w, 1, false);
        }

        var z = (w - m * (double)n / 2 - (greater ? 0.5 : -0.5)) / Math.Sqrt(variance);
        var p = greater ? SpecialFunctions.NormalUpperTail(z) : SpecialFunctions.NormalCdf(z);
        return new RankTestResult(w, p, false);
    }

    /// <summary>
    /// The Hodges-Lehmann estimate of the shift x - y (median of the m·n differences) and its confidence interval from
    /// order statistics of the differences: exact ranks from the distribution of W for small untied samples (as R),
    /// otherwise ranks from the normal approximation.
    /// </summary>
    public static ShiftEstimate HodgesLehmann(IReadOnlyList<double> x, IReadOnlyList<double> y, double confidence)
    {
        int m = x.Count, n = y.Count;
        if (m == 0 || n == 0)
        {
            return new ShiftEstimate(double.NaN, double.NegativeInfinity, double.PositiveInfinity, true);
        }

        var diffs = new double[m * n];
        var k = 0;
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                diffs[k++] = x[i] - y[j];
            }
        }

        Array.Sort(diffs);
        var mn = diffs.Length;
        var median = mn % 2 == 1 ? diffs[mn / 2] : 0.5 * (diffs[mn / 2 - 1] + diffs[mn / 2]);
        var alpha = 1 - confidence;
        var exact = m <= ExactLimit && n <= ExactLimit && !HasTies(x, y);
        int qu;
        if (exact)
        {
            qu = Quantile(alpha / 2, m, n);
        }
        else
        {
            var sigma = Math.Sqrt(m * (double)n * (m + n + 1) / 12);
            qu = (int)Math.Floor(mn / 2.0 - SpecialFunctions.NormalQuantile(1 - alpha / 2) * sigma);
        }

        qu = Math.Clamp(qu, 1, mn);
        var ql = mn - qu;
        return new ShiftEstimate(median, diffs[qu - 1], diffs[Math.Clamp(ql, 0, mn - 1)], exact);
    }

    /// <summary>R's <c>qwilcox(p, m, n)</c>: the smallest q with P(W ≤ q) ≥ p.</summary>
    public static int Quantile(double p, int m, int n)
    {
        var distribution = Distribution(m, n);
        var total = distribution[^1];
        for (var q = 0; q < distribution.Length; q++)
        {
            if (distribution[q] / total >= p * (1 - 1e-12))
            {
                return q;
            }
        }

        return distribution.Length - 1;
    }

    /// <summary>Cumulative counts of W = 0..m·n over all C(m+n, m) arrangements (the last entry is the total).</summary>
    public static double[] Distribution(int m, int n)
    {
        return Distributions.GetOrAdd((m, n), static key => Build(key.M, key.N));

        static double[] Build(int m, int n)
        {
            // f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u): the largest value is an x (beating all j y's) or a y.
            var table = new double[m + 1][][];
            for (var i = 0; i <= m; i++)
            {
                table[i] = new double[n + 1][];
                for (var j = 0; j <= n; j++)
                {
                    var counts = new double[i * j + 1];
                    if (i == 0 || j == 0)
                    {
                        counts[0] = 1;
                    }
                    else
                    {
                        var withX = table[i - 1][j];
                        var withY = table[i][j - 1];
                        for (var u = 0; u < counts.Length; u++)
                        {
                            var a = u - j >= 0 && u - j < withX.Length ? withX[u - j] : 0;
                            var b = u < withY.Length ? withY[u] : 0;
                            counts[u] = a + b;
                        }
                    }

                    table[i][j] = counts;
                }
            }

            var result = table[m][n];
            for (var u = 1; u < result.Length; u++)
            {
                result[u] += result[u - 1];
            }

            return result;
        }
    }

    private static bool HasTies(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var all = x.Concat(y).ToArray();
        Array.Sort(all);
        for (var i = 1; i < all.Length; i++)
        {
            if (all[i] == all[i - 1])
            {
                return true;
            }
        }

        return false;
    }
}
