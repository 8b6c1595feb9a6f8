namespace Vigil.Core.Verification.Simulation;

/// <summary>
/// Exact samplers on a seeded <see cref="Random"/>: normal (Box-Muller), gamma (Marsaglia-Tsang), binomial and
/// Poisson (Knuth's gamma/beta reductions, so large means stay exact and cost O(log n) draws).
/// </summary>
internal sealed class RandomVariates(Random random)
{
    private double? _spareNormal;

    public double Uniform() => random.NextDouble();

    /// <summary>A uniform in (0, 1], safe for logarithms.</summary>
    public double OpenUniform() => 1.0 - random.NextDouble();

    public double Normal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }

        var radius = Math.Sqrt(-2 * Math.Log(OpenUniform()));
        var angle = 2 * Math.PI * Uniform();
        _spareNormal = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Gamma(shape, 1).</summary>
    public double Gamma(double shape)
    {
        if (shape < 1)
        {
            // Boost the shape and scale back: Gamma(a) = Gamma(a + 1) x U^(1/a).
            return Gamma(shape + 1) * Math.Pow(OpenUniform(), 1 / shape);
        }

        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x;
            double v;
            do
            {
                x = Normal();
                v = 1 + c * x;
            }
            while (v <= 0);

            v = v * v * v;
            var u = OpenUniform();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    /// <summary>Binomial(n, p).</summary>
    public long Binomial(long n, double p)
    {
        if (n <= 0 || p <= 0)
        {
            return 0;
        }

        if (p >= 1)
        {
            return n;
        }

        long result = 0;

        // Knuth's reduction: split at the median order statistic of n uniforms (a beta variate) until n is small.
        while (n > 64)
        {
            var a = 1 + n / 2;
            var b = n + 1 - a;
            var ga = Gamma(a);
            var x = ga / (ga + Gamma(b));
            if (x >= p)
            {
                n = a - 1;
                p /= x;
            }
            else
            {
                result += a;
                n = b - 1;
                p = (p - x) / (1 - x);
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (Uniform() < p)
            {
                result++;
            }
        }

        return result;
    }

    /// <summary>Poisson(mean).</summary>
    public long Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        long result = 0;

        // Knuth's reduction: the m-th arrival time of a unit-rate process is Gamma(m).
        while (mean > 16)
        {
            var m = (long)(mean * 7 / 8);
            var x = Gamma(m);
            if (x < mean)
            {
                result += m;
                mean -= x;
            }
            else
            {
                return result + Binomial(m - 1, mean / x);
            }
        }

        var limit = Math.Exp(-mean);
        var product = Uniform();
        while (product > limit)
        {
            result++;
            product *= Uniform();
        }

        return result;
    }
}
