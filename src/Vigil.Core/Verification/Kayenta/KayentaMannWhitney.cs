using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Verification.Kayenta;

/// <summary>
/// The result of <see cref="KayentaMannWhitney.Evaluate"/>: the location shift of the experiment against the control
/// (experiment minus control) with its confidence interval, and the two-sided asymptotic p-value of no shift.
/// </summary>
internal sealed record MannWhitneyResult(double Lower, double Upper, double Estimate, double PValue);

/// <summary>Thrown when the interval cannot be computed because every observation is tied (Kayenta's MannWhitneyException).</summary>
internal sealed class MannWhitneyTiedException(string message) : Exception(message);

/// <summary>
/// Mann-Whitney (Wilcoxon rank-sum) as Kayenta's <c>MannWhitney</c> class computes it, which follows R's
/// <c>wilcox.test(x, y, conf.int = TRUE, correct = TRUE, exact = FALSE)</c>: the normal approximation with tie and
/// continuity corrections, the interval bounds and the estimate found as roots of the standardised statistic of
/// <c>x - mu</c> against <c>y</c> between <c>min(x) - max(y)</c> and <c>max(x) - min(y)</c>, by Brent's zeroin with
/// an absolute tolerance of 1e-4 (as R's <c>uniroot</c> and Kayenta's <c>BrentSolver</c>). The estimate is therefore
/// the asymptotic Hodges-Lehmann-style shift, not the exact median of pairwise differences, and bounds are only
/// as precise as that tolerance (coarse for values such as error ratios near 0.001, as in Kayenta).
/// </summary>
internal static class KayentaMannWhitney
{
    /// <summary>Kayenta's and R's root-finding tolerance (absolute).</summary>
    public const double Tolerance = 1e-4;

    private const double MachineEpsilon = 2.220446049250313E-16;
    private const int MaxIterations = 1000;

    /// <summary>Compares <paramref name="experiment"/> (x) with <paramref name="control"/> (y) at a two-sided confidence level.</summary>
    /// <exception cref="MannWhitneyTiedException">Every observation is tied at a point where the statistic is needed.</exception>
    public static MannWhitneyResult Evaluate(IReadOnlyList<double> experiment, IReadOnlyList<double> control, double confidenceLevel)
    {
        if (experiment.Count == 0 || control.Count == 0)
        {
            throw new ArgumentException("Both samples need at least one value.", nameof(experiment));
        }

        var x = experiment.ToArray();
        var y = control.ToArray();
        var muMin = x.Min() - y.Max();
        var muMax = x.Max() - y.Min();
        var z = SpecialFunctions.NormalQuantile((1 - confidenceLevel) / 2);

        var lower = FindRoot(x, y, -z, muMin, muMax);
        var upper = FindRoot(x, y, z, muMin, muMax);
        var estimate = Zeroin(mu => Difference(x, y, mu, 0), muMin, muMax, Difference(x, y, muMin, 0), Difference(x, y, muMax, 0));

        // The p-value of no shift, from the same corrected statistic at mu = 0 (R's asymptotic p-value).
        var statistic = Difference(x, y, 0, 0);
        var pValue = Math.Min(1, 2 * SpecialFunctions.NormalCdf(-Math.Abs(statistic)));
        return new MannWhitneyResult(lower, upper, estimate, pValue);
    }

    /// <summary>
    /// The standardised rank-sum statistic of <c>x - mu</c> against <c>y</c>, continuity- and tie-corrected, minus
    /// <paramref name="quantile"/>. Non-increasing in <paramref name="mu"/> (up to tie effects at the pairwise differences).
    /// </summary>
    internal static double Difference(double[] x, double[] y, double mu, double quantile)
    {
        var n = x.Length;
        var m = y.Length;
        var total = n + m;
        var values = new double[total];
        var owners = new int[total];
        for (var i = 0; i < n; i++)
        {
            values[i] = x[i] - mu;
            owners[i] = i;
        }

        for (var j = 0; j < m; j++)
        {
            values[n + j] = y[j];
            owners[n + j] = n + j;
        }

        Array.Sort(values, owners);
        double xRankSum = 0;
        double tieTerm = 0;
        for (var start = 0; start < total;)
        {
            var end = start + 1;
            while (end < total && values[end] == values[start])
            {
                end++;
            }

            // Average rank of the tied run [start, end): ranks are 1-based.
            var rank = (start + 1 + end) / 2.0;
            double ties = end - start;
            tieTerm += ties * ties * ties - ties;
            for (var k = start; k < end; k++)
            {
                if (owners[k] < n)
                {
                    xRankSum += rank;
                }
            }

            start = end;
        }

        var dz = xRankSum - n * (n + 1) / 2.0 - n * (double)m / 2.0;
        var correction = Math.Sign(dz) * 0.5;
        var sigma = Math.Sqrt(n * (double)m / 12.0 * (total + 1 - tieTerm / (total * (total - 1.0))));
        if (sigma == 0 || double.IsNaN(sigma))
        {
            throw new MannWhitneyTiedException("cannot compute confidence interval when all observations are tied");
        }

        return (dz - correction) / sigma - quantile;
    }

    private static double FindRoot(double[] x, double[] y, double quantile, double muMin, double muMax)
    {
        var fLower = Difference(x, y, muMin, quantile);
        var fUpper = Difference(x, y, muMax, quantile);
        if (fLower <= 0)
        {
            return muMin;
        }

        if (fUpper >= 0)
        {
            return muMax;
        }

        return Zeroin(mu => Difference(x, y, mu, quantile), muMin, muMax, fLower, fUpper);
    }

    /// <summary>
    /// Brent's zeroin (as in R's <c>uniroot</c> and Kayenta's <c>BrentSolver</c>): a zero of <paramref name="f"/> in
    /// [<paramref name="ax"/>, <paramref name="bx"/>] to within <see cref="Tolerance"/>, given the values at both ends.
    /// </summary>
    internal static double Zeroin(Func<double, double> f, double ax, double bx, double fa, double fb)
    {
        var a = ax;
        var b = bx;
        var c = a;
        var fc = fa;
        if (fa == 0)
        {
            return a;
        }

        if (fb == 0)
        {
            return b;
        }

        for (var iteration = 0; iteration <= MaxIterations; iteration++)
        {
            var previousStep = b - a;
            if (Math.Abs(fc) < Math.Abs(fb))
            {
                // Keep b the best approximation so far.
                a = b;
                b = c;
                c = a;
                fa = fb;
                fb = fc;
                fc = fa;
            }

            var tolerance = 2 * MachineEpsilon * Math.Abs(b) + Tolerance / 2;
            var step = (c - b) / 2;
            if (Math.Abs(step) <= tolerance || fb == 0)
            {
                return b;
            }

            if (Math.Abs(previousStep) >= tolerance && Math.Abs(fa) > Math.Abs(fb))
            {
                // Interpolate: secant when only two points are known, inverse quadratic otherwise.
                double p;
                double q;
                var cb = c - b;
                if (a == c)
                {
                    var t1 = fb / fa;
                    p = cb * t1;
                    q = 1 - t1;
                }
                else
                {
                    q = fa / fc;
                    var t1 = fb / fc;
                    var t2 = fb / fa;
                    p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1));
                    q = (q - 1) * (t1 - 1) * (t2 - 1);
                }

                if (p > 0)
                {
                    q = -q;
                }
                else
                {
                    p = -p;
                }

                if (p < 0.75 * cb * q - Math.Abs(tolerance * q) / 2 && p < Math.Abs(previousStep * q / 2))
                {
                    step = p / q;
                }
            }

            if (Math.Abs(step) < tolerance)
            {
                step = step > 0 ? tolerance : -tolerance;
            }

            a = b;
            fa = fb;
            b += step;
            fb = f(b);
            if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0))
            {
                c = a;
                fc = fa;
            }
        }

        return b;
    }
}
