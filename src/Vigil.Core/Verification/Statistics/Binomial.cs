namespace Vigil.Core.Verification.Statistics;

/// <summary>
/// Binomial tail probabilities for real-valued counts (PromQL's <c>increase</c> gives fractional counts), through the
/// regularized incomplete beta function, and the Clopper-Pearson interval of a proportion. Where n·p·(1-p) is large the
/// tails use the Peizer-Pratt normal approximation (relative error below 1e-3 in the tails that matter here, checked
/// against the exact function by the tests), which costs a few operations instead of a continued fraction whose length
/// grows with √n.
/// </summary>
internal static class Binomial
{
    /// <summary>P(X ≤ k) for X ~ Binomial(n, p); k and n may be fractional.</summary>
    public static double Cdf(double k, double n, double p)
    {
        if (k < 0)
        {
            return 0;
        }

        if (k >= n || p <= 0)
        {
            return 1;
        }

        if (p >= 1)
        {
            return 0;
        }

        if (UseApproximation(k, n, p))
        {
            return SpecialFunctions.NormalCdf(PeizerPratt(k, n, p));
        }

        return SpecialFunctions.RegularizedBeta(1 - p, n - k, k + 1);
    }

    /// <summary>P(X ≥ k) for X ~ Binomial(n, p); k and n may be fractional.</summary>
    public static double UpperTail(double k, double n, double p)
    {
        if (k <= 0)
        {
            return 1;
        }

        if (k > n || p <= 0)
        {
            return 0;
        }

        if (p >= 1)
        {
            return 1;
        }

        if (UseApproximation(k - 1, n, p))
        {
            return SpecialFunctions.NormalUpperTail(PeizerPratt(k - 1, n, p));
        }

        return SpecialFunctions.RegularizedBeta(p, k, n - k + 1);
    }

    /// <summary>The variance above which (and away from the ends) the Peizer-Pratt approximation replaces the exact tail.</summary>
    public const double ApproximationVariance = 25;

    /// <summary>The Peizer-Pratt normal deviate z with P(X ≤ k) ≈ Φ(z).</summary>
    public static double PeizerPratt(double k, double n, double p)
    {
        var q = 1 - p;
        var s = k + 0.5;
        var t = n - k - 0.5;
        var d = s + 1.0 / 6 - (n + 1.0 / 3) * p + 0.02 * (q / (s + 0.5) - p / (t + 0.5) + (q - 0.5) / (n + 1));
        var factor = (1 + q * G(s / (n * p)) + p * G(t / (n * q))) / ((n + 1.0 / 6) * p * q);
        return d * Math.Sqrt(factor);

        static double G(double x)
        {
            if (x <= 0)
            {
                return 1;
            }

            if (Math.Abs(x - 1) < 1e-8)
            {
                return 0;
            }

            return (1 - x * x + 2 * x * Math.Log(x)) / ((1 - x) * (1 - x));
        }
    }

    private static bool UseApproximation(double k, double n, double p) =>
        n * p * (1 - p) >= ApproximationVariance && k >= 0 && n - k - 0.5 > 0;

    /// <summary>The exact (Clopper-Pearson) two-sided interval of a proportion from k successes in n trials.</summary>
    public static (double Lower, double Upper) ClopperPearson(double k, double n, double confidence)
    {
        if (n <= 0)
        {
            return (0, 1);
        }

        var alpha = 1 - confidence;
        var lower = k <= 0 ? 0 : SpecialFunctions.InverseRegularizedBeta(alpha / 2, k, n - k + 1);
        var upper = k >= n ? 1 : SpecialFunctions.InverseRegularizedBeta(1 - alpha / 2, k + 1, n - k);
        return (lower, upper);
    }
}
