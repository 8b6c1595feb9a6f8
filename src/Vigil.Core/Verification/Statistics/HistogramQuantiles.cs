namespace Vigil.Core.Verification.Statistics;

/// <summary>
/// Request counts per bucket summed over intervals, for one side, on a layout shared with the other side.
/// <see cref="Cumulative"/>[i] is the number of requests at or below <see cref="UpperBounds"/>[i]; the last bound is +Inf.
/// </summary>
internal sealed class BucketCounts(double[] upperBounds, double[] cumulative)
{
    /// <summary>Ascending upper bounds, the last one +Inf.</summary>
    public double[] UpperBounds { get; } = upperBounds;

    /// <summary>Cumulative counts per bucket.</summary>
    public double[] Cumulative { get; } = cumulative;

    /// <summary>The number of requests.</summary>
    public double Total => Cumulative.Length == 0 ? 0 : Cumulative[^1];

    /// <summary>The lower edge of bucket <paramref name="i"/> (0 for the first bucket of a latency histogram).</summary>
    public double LowerEdge(int i) => i == 0 ? Math.Min(0, UpperBounds[0]) : UpperBounds[i - 1];

    /// <summary>
    /// Adds every interval's histogram of both sides onto one layout: the first histogram's bounds (plus +Inf). A
    /// histogram with other bounds is mapped bucket by bucket onto the first layout bound at or above its own.
    /// </summary>
    public static (BucketCounts Canary, BucketCounts Baseline)? Merge(IEnumerable<HistogramCounts?> canary, IEnumerable<HistogramCounts?> baseline)
    {
        double[]? layout = null;
        double[]? canaryCounts = null, baselineCounts = null;
        foreach (var (histograms, isCanary) in new[] { (canary, true), (baseline, false) })
        {
            foreach (var histogram in histograms)
            {
                if (histogram is null || histogram.UpperBounds.Count == 0 || histogram.UpperBounds.Count != histogram.Counts.Count)
                {
                    continue;
                }

                if (layout is null)
                {
                    layout = double.IsPositiveInfinity(histogram.UpperBounds[^1])
                        ? [.. histogram.UpperBounds]
                        : [.. histogram.UpperBounds, double.PositiveInfinity];
                    canaryCounts = new double[layout.Length];
                    baselineCounts = new double[layout.Length];
                }

                var target = isCanary ? canaryCounts! : baselineCounts!;
                var bounds = histogram.UpperBounds as double[] ?? [.. histogram.UpperBounds];
                var counts = histogram.Counts as double[] ?? [.. histogram.Counts];
                var sameLayout = bounds.Length <= layout.Length && bounds.AsSpan().SequenceEqual(layout.AsSpan(0, bounds.Length));
                for (var i = 0; i < counts.Length; i++)
                {
                    var count = counts[i];
                    if (!(count > 0) || double.IsInfinity(count))
                    {
                        continue;
                    }

                    var index = sameLayout ? i : FirstAtOrAbove(layout, bounds[i]);
                    target[index] += count;
                }
            }
        }

        if (layout is null)
        {
            return null;
        }

        return (new BucketCounts(layout, Accumulate(canaryCounts!)), new BucketCounts(layout, Accumulate(baselineCounts!)));
    }

    /// <summary>The q-quantile interpolated within its bucket (geometrically where the bucket's lower edge is positive).</summary>
    public double Quantile(double q)
    {
        var total = Total;
        if (total <= 0)
        {
            return double.NaN;
        }

        var rank = q * total;
        var i = Array.FindIndex(Cumulative, c => c >= rank);
        if (i < 0 || double.IsPositiveInfinity(UpperBounds[i]))
        {
            // In the overflow bucket: like histogram_quantile, the largest finite bound.
            return UpperBounds.Length >= 2 ? UpperBounds[^2] : double.NaN;
        }

        var below = i == 0 ? 0 : Cumulative[i - 1];
        var inBucket = Cumulative[i] - below;
        var fraction = inBucket <= 0 ? 1 : Math.Clamp((rank - below) / inBucket, 0, 1);
        var low = LowerEdge(i);
        var high = UpperBounds[i];
        return low > 0 ? low * Math.Pow(high / low, fraction) : low + fraction * (high - low);
    }

    /// <summary>
    /// The chance that the q-quantile is below bucket <paramref name="a"/>'s lower edge yet the lower confidence bound
    /// reaches it: P(Binomial(n, q) ≤ requests below that edge). The lower bound at one-sided level γ is the lower edge
    /// of the highest bucket whose value here is at most γ.
    /// </summary>
    public double LowerTailLevel(int a, double q) => a <= 0 ? 0 : Binomial.Cdf(Cumulative[a - 1], Total, q);

    /// <summary>
    /// The counterpart for the upper bound: P(Binomial(n, q) ≥ requests at or below bucket <paramref name="b"/>'s upper
    /// edge); the upper bound at level γ is the upper edge of the lowest bucket whose value here is at most γ.
    /// </summary>
    public double UpperTailLevel(int b, double q) => double.IsPositiveInfinity(UpperBounds[b]) ? 0 : Binomial.UpperTail(Cumulative[b], Total, q);

    /// <summary>The lower confidence bound of the q-quantile at one-sided level γ: a bucket's lower edge.</summary>
    public double LowerBound(double q, double gamma)
    {
        // LowerTailLevel rises with the bucket; find the highest bucket at or below gamma.
        int low = 0, high = UpperBounds.Length - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (LowerTailLevel(mid, q) <= gamma)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return LowerEdge(low);
    }

    /// <summary>The upper confidence bound of the q-quantile at one-sided level γ: a bucket's upper edge (may be +Inf).</summary>
    public double UpperBound(double q, double gamma)
    {
        int low = 0, high = UpperBounds.Length - 1;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (UpperTailLevel(mid, q) <= gamma)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return UpperBounds[low];
    }

    private static int FirstAtOrAbove(double[] layout, double bound)
    {
        var index = Array.BinarySearch(layout, bound);
        index = index < 0 ? ~index : index;
        return Math.Min(index, layout.Length - 1);
    }

    private static double[] Accumulate(double[] counts)
    {
        var cumulative = new double[counts.Length];
        var sum = 0.0;
        for (var i = 0; i < counts.Length; i++)
        {
            sum += counts[i];
            cumulative[i] = sum;
        }

        return cumulative;
    }
}

/// <summary>
/// Compares a quantile of two bucketed samples on the requests themselves. The q-quantile of a side lies at or above the
/// l-th smallest request with probability P(Binomial(n, q) ≤ l - 1) (order statistics), and the l-th smallest request lies
/// above its bucket's lower edge; so bucket edges give distribution-free confidence bounds for each side's quantile, and
/// one bound from each side (Bonferroni) bounds their ratio.
/// </summary>
internal static class QuantileRatio
{
    /// <summary>
    /// One-sided p-value of H0: Q_q(a) ≤ c·Q_q(b) against Q_q(a) &gt; c·Q_q(b): twice the smallest γ at which a's lower
    /// bound exceeds c times b's upper bound (each at one-sided level γ).
    /// </summary>
    public static double PValueGreater(BucketCounts a, BucketCounts b, double q, double c)
    {
        if (a.Total <= 0 || b.Total <= 0 || !(c > 0))
        {
            return 1;
        }

        var finite = b.UpperBounds.Length - 1; // buckets of b with a finite upper edge: 0..finite-1
        if (finite <= 0)
        {
            return 1;
        }

        // For b's bucket B, the a bucket that must hold a's lower bound; level needed = max of both sides' levels.
        // b's level falls with B and a's rises with B, so the best B is where they cross (binary search).
        double Level(int bucket, out double aLevel, out double bLevel)
        {
            bLevel = b.UpperTailLevel(bucket, q);
            var threshold = c * b.UpperBounds[bucket];
            var index = Array.FindIndex(a.UpperBounds, u => u > threshold); // a's bucket A-1 is the first edge above threshold
            aLevel = index < 0 || index + 1 >= a.UpperBounds.Length ? 1 : a.LowerTailLevel(index + 1, q);
            return Math.Max(aLevel, bLevel);
        }

        int low = 0, high = finite - 1;
        while (low < high)
        {
            var mid = (low + high) / 2;
            Level(mid, out var aLevel, out var bLevel);
            if (bLevel <= aLevel)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        var best = Level(low, out _, out _);
        if (low > 0)
        {
            best = Math.Min(best, Level(low - 1, out _, out _));
        }

        return Math.Min(1, 2 * best);
    }

    /// <summary>The ratio interval Q_q(a)/Q_q(b) at the given two-sided confidence (each of the four bounds at a quarter of the miss).</summary>
    public static (double Lower, double Upper) Interval(BucketCounts a, BucketCounts b, double q, double confidence)
    {
        var gamma = (1 - confidence) / 4;
        var aLow = a.LowerBound(q, gamma);
        var aHigh = a.UpperBound(q, gamma);
        var bLow = b.LowerBound(q, gamma);
        var bHigh = b.UpperBound(q, gamma);
        var lower = double.IsPositiveInfinity(bHigh) ? 0 : aLow / bHigh;
        var upper = bLow <= 0 ? double.PositiveInfinity : aHigh / bLow;
        return (lower, upper);
    }
}
