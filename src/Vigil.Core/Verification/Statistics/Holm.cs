namespace Vigil.Core.Verification.Statistics;

/// <summary>Holm's step-down adjustment: controls the family-wise error rate of m tests at any dependence.</summary>
internal static class Holm
{
    /// <summary>
    /// Holm-adjusted p-values: the i-th smallest p becomes max over j ≤ i of min(1, (m - j + 1)·p(j)); reject where the
    /// adjusted p is at most the family's level.
    /// </summary>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var i = order[rank];
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[i]));
            adjusted[i] = running;
        }

        return adjusted;
    }
}
