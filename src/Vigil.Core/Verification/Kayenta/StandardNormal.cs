namespace Vigil.Core.Verification.Kayenta;

/// <summary>The standard normal distribution: CDF to about 1e-15 (Hart's algorithm 5666 as given by West) and its inverse.</summary>
internal static class StandardNormal
{
    /// <summary>P(Z &lt;= x).</summary>
    public static double Cdf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        var z = Math.Abs(x);
        double tail;
        if (z > 37)
        {
            tail = 0;
        }
        else
        {
            var exponential = Math.Exp(-z * z / 2);
            if (z < 7.07106781186547)
            {
                var numerator = (((((0.0352624965998911 * z + 0.700383064443688) * z + 6.37396220353165) * z
                    + 33.912866078383) * z + 112.079291497871) * z + 221.213596169931) * z + 220.206867912376;
                var denominator = ((((((0.0883883476483184 * z + 1.75566716318264) * z + 16.064177579207) * z
                    + 86.7807322029461) * z + 296.564248779674) * z + 637.333633378831) * z + 793.826512519948) * z
                    + 440.413735824752;
                tail = exponential * numerator / denominator;
            }
            else
            {
                var fraction = z + 1 / (z + 2 / (z + 3 / (z + 4 / (z + 0.65))));
                tail = exponential / fraction / 2.506628274631;
            }
        }

        return x > 0 ? 1 - tail : tail;
    }

    /// <summary>The x with P(Z &lt;= x) = <paramref name="p"/> (Acklam's rational approximation, one Halley step).</summary>
    public static double Quantile(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1)
        {
            return double.NaN;
        }

        if (p == 0)
        {
            return double.NegativeInfinity;
        }

        if (p == 1)
        {
            return double.PositiveInfinity;
        }

        const double Low = 0.02425;
        double x;
        if (p < Low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = TailNumerator(q) / TailDenominator(q);
        }
        else if (p <= 1 - Low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = (((((-39.69683028665376 * r + 220.9460984245205) * r - 275.9285104469687) * r + 138.3577518672690) * r
                - 30.66479806614716) * r + 2.506628277459239) * q
                / (((((-54.47609879822406 * r + 161.5858368580409) * r - 155.6989798598866) * r + 66.80131188771972) * r
                - 13.28068155288572) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -TailNumerator(q) / TailDenominator(q);
        }

        // One Halley step on the accurate CDF takes the approximation (1e-9) to full precision.
        var error = Cdf(x) - p;
        var u = error * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }

    private static double TailNumerator(double q) =>
        ((((-0.007784894002430293 * q - 0.3223964580411365) * q - 2.400758277161838) * q - 2.549732539343734) * q
            + 4.374664141464968) * q + 2.938163982698783;

    private static double TailDenominator(double q) =>
        (((0.007784695709041462 * q + 0.3224671290700398) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1;
}
