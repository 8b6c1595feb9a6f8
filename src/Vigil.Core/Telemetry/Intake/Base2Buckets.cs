namespace Vigil.Core.Telemetry.Intake;

/// <summary>
/// Turns an OpenTelemetry exponential histogram into classic buckets whose bounds are powers of two, so that
/// <c>histogram_quantile</c> over <c>_bucket{le}</c> works on it. Finer scales are merged up to scale 0 (bucket
/// <c>j</c> holds values in <c>(2^j, 2^(j+1)]</c>, bound <c>le = 2^(j+1)</c>); coarser scales (negative) keep their
/// own bounds, which are also powers of two. Negative buckets mirror the positive ones (bound <c>-2^j</c>, the upper
/// end of <c>[-2^(j+1), -2^j)</c>); the zero bucket's bound is the zero threshold (usually 0).
/// </summary>
public static class Base2Buckets
{
    /// <summary>The smallest scale OTLP allows.</summary>
    public const int MinScale = -10;

    /// <summary>The largest scale OTLP allows.</summary>
    public const int MaxScale = 20;

    /// <summary>
    /// Appends to <paramref name="bounds"/> and <paramref name="counts"/> the classic buckets of an exponential
    /// histogram, in ascending bound order, with per-bucket (not cumulative) counts; the <c>+Inf</c> bucket is not
    /// included (its cumulative count is the histogram's count). Buckets whose bound overflows a double are left to
    /// <c>+Inf</c>. Returns false (appending nothing) when the scale is outside OTLP's range.
    /// </summary>
    public static bool Convert(
        int scale,
        double zeroThreshold,
        ulong zeroCount,
        int positiveOffset,
        ReadOnlySpan<ulong> positive,
        int negativeOffset,
        ReadOnlySpan<ulong> negative,
        List<double> bounds,
        List<double> counts)
    {
        if (scale is < MinScale or > MaxScale)
        {
            return false;
        }

        // Negative buckets, most negative first: bucket i covers magnitudes (lower(i), upper(i)]; its values are
        // [-upper, -lower), so its le is -lower(i). Walking i downwards gives ascending bounds.
        for (var i = negativeOffset + (long)negative.Length - 1; i >= negativeOffset; i--)
        {
            var count = negative[(int)(i - negativeOffset)];
            Add(bounds, counts, -PowerOfTwo(LowerExponent(i, scale)), count);
        }

        Add(bounds, counts, Math.Max(0, zeroThreshold), zeroCount);

        for (var i = (long)positiveOffset; i < positiveOffset + (long)positive.Length; i++)
        {
            var count = positive[(int)(i - positiveOffset)];
            var bound = PowerOfTwo(UpperExponent(i, scale));
            if (double.IsPositiveInfinity(bound))
            {
                break;
            }

            Add(bounds, counts, bound, count);
        }

        return true;
    }

    // Exponents beyond a double's range saturate to 0 or +Inf; the clamp only keeps the int conversion exact.
    private static double PowerOfTwo(long exponent) => Math.ScaleB(1.0, (int)Math.Clamp(exponent, -2000, 2000));

    /// <summary>The exponent of the lower magnitude end of bucket <paramref name="index"/>, rounded out to scale 0.</summary>
    private static long LowerExponent(long index, int scale) =>
        scale >= 0 ? index >> scale : index << -scale;

    /// <summary>The exponent of the upper magnitude end of bucket <paramref name="index"/>, rounded out to scale 0.</summary>
    private static long UpperExponent(long index, int scale) =>
        scale >= 0 ? (index >> scale) + 1 : (index + 1) << -scale;

    // Merges equal bounds (finer buckets folded into one power-of-two bucket) and keeps the order ascending; a bound not
    // above the last one (underflow to 0, or a zero threshold above the first positive bucket) is folded into the last.
    private static void Add(List<double> bounds, List<double> counts, double bound, ulong count)
    {
        if (bounds.Count > 0 && bound <= bounds[^1])
        {
            counts[^1] += count;
            return;
        }

        bounds.Add(bound);
        counts.Add(count);
    }
}
