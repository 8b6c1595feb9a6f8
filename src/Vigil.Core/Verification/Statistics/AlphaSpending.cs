namespace Vigil.Core.Verification.Statistics;

/// <summary>
/// How much of a test's error budget each look may spend, for tests that are not anytime-valid by themselves
/// (rank tests, quantile intervals). Look k of K spends 0.95·((k/K)² - ((k-1)/K)²) of the budget (a Kim-DeMets power
/// family with exponent 2, between Pocock's even spending and O'Brien-Fleming's late spending); looks beyond the planned
/// ones (an extended run) spend the 5% reserve, halving each time. The shares sum to at most 1, so testing look k at
/// level share(k)·α keeps the chance of any false rejection over all looks at most α (Bonferroni over looks).
/// </summary>
internal static class AlphaSpending
{
    /// <summary>The share of the budget spent over the planned looks; the rest is kept for extended runs.</summary>
    public const double PlannedShare = 0.95;

    /// <summary>The spending function's exponent.</summary>
    public const double Exponent = 2;

    /// <summary>The share of the budget look <paramref name="look"/> (1-based) of <paramref name="plannedLooks"/> may spend.</summary>
    public static double Share(int look, int plannedLooks)
    {
        var k = Math.Max(1, look);
        var planned = Math.Max(1, plannedLooks);
        if (k <= planned)
        {
            return PlannedShare * (Math.Pow(k / (double)planned, Exponent) - Math.Pow((k - 1) / (double)planned, Exponent));
        }

        return (1 - PlannedShare) * Math.Pow(2, -(k - planned));
    }

    /// <summary>A look's p-value made comparable with the whole budget: p / share, capped at 1.</summary>
    public static double Adjust(double pValue, int look, int plannedLooks) => Math.Min(1, pValue / Share(look, plannedLooks));
}
