namespace Vigil.Core.Verification.Statistics;

/// <summary>
/// Binomial tail probabilities for real-valued counts (PromQL's <c>increase</c> gives fractional counts), through the
/// regularized incomplete beta function, and the Clopper-Pearson interval of a proportion.
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

        return SpecialFunctions.RegularizedBeta(p, k, n - k + 1);
    }

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
