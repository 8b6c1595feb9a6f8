namespace Vigil.Core.Verification.Statistics;

/// <summary>One interval of a count ratio: events and requests on each side.</summary>
internal readonly record struct CountInterval(double CanaryEvents, double CanaryRequests, double BaselineEvents, double BaselineRequests);

/// <summary>
/// An anytime-valid test of the rate ratio ρ = r₁/r₀ of two event rates (errors per request), a mixture sequential
/// probability ratio test on the conditional binomial. Given the events in an interval, each is on the canary side with
/// probability p(ρ) = n₁ρ/(n₁ρ + n₀); the likelihood ratio of a ρ beyond the null boundary ρ₀ against ρ₀, multiplied
/// over intervals and mixed over a fixed grid of alternatives, is a nonnegative supermartingale under every ρ on the
/// null side, so by Ville's inequality P(sup E ≥ 1/α) ≤ α at any look, however often one looks.
/// </summary>
internal static class RateRatioEValue
{
    /// <summary>The alternatives (as multiples of the null boundary ρ₀, away from it) and their prior weights (sum 1).</summary>
    public static readonly (double Factor, double Weight)[] Grid =
    [
        (1.25, 0.15), (1.5, 0.25), (2, 0.2), (3, 0.15), (5, 0.1), (10, 0.1), (30, 0.05),
    ];

    /// <summary>
    /// The e-value after every interval, and its running maximum. <paramref name="increase"/> true tests H0: ρ ≤ ρ₀
    /// against larger ratios; false tests H0: ρ ≥ ρ₀ against smaller ones.
    /// </summary>
    public static (double Final, double RunningMax) Compute(IReadOnlyList<CountInterval> intervals, double rho0, bool increase)
    {
        Span<double> logRatio = stackalloc double[Grid.Length];
        var runningMax = 1.0;
        var current = 1.0;
        foreach (var interval in intervals)
        {
            if (interval.CanaryRequests <= 0 || interval.BaselineRequests <= 0 || interval.CanaryEvents + interval.BaselineEvents <= 0)
            {
                continue;
            }

            var p0 = Share(interval.CanaryRequests, interval.BaselineRequests, rho0);
            current = 0;
            for (var j = 0; j < Grid.Length; j++)
            {
                var rho = increase ? rho0 * Grid[j].Factor : rho0 / Grid[j].Factor;
                var p = Share(interval.CanaryRequests, interval.BaselineRequests, rho);
                logRatio[j] += interval.CanaryEvents * Math.Log(p / p0) + interval.BaselineEvents * Math.Log((1 - p) / (1 - p0));
                current += Grid[j].Weight * Math.Exp(logRatio[j]);
            }

            runningMax = Math.Max(runningMax, current);
        }

        // Overwhelming evidence overflows to infinity; keep it finite so that judgements serialize as plain numbers.
        return (Math.Min(current, MaxEValue), Math.Min(runningMax, MaxEValue));
    }

    /// <summary>The largest e-value reported (1e300): far past any budget, and still a finite number.</summary>
    public const double MaxEValue = 1e300;

    /// <summary>
    /// About how many events in all (both sides, counted from the start) the test needs to reach e-value
    /// 1/<paramref name="level"/> if the canary keeps its observed share; null when that share does not point beyond ρ₀.
    /// </summary>
    public static double? EventsNeeded(double canaryEvents, double canaryRequests, double baselineEvents, double baselineRequests, double rho0, bool increase, double level)
    {
        if (canaryRequests <= 0 || baselineRequests <= 0)
        {
            return null;
        }

        // Shrink the observed share toward one half so that "all events on one side" does not promise infinite evidence.
        var share = (canaryEvents + 0.5) / (canaryEvents + baselineEvents + 1);
        var p0 = Share(canaryRequests, baselineRequests, rho0);
        double? best = null;
        foreach (var (factor, weight) in Grid)
        {
            var rho = increase ? rho0 * factor : rho0 / factor;
            var p = Share(canaryRequests, baselineRequests, rho);
            var gain = share * Math.Log(p / p0) + (1 - share) * Math.Log((1 - p) / (1 - p0));
            if (gain <= 0)
            {
                continue;
            }

            var needed = (Math.Log(1 / level) - Math.Log(weight)) / gain;
            best = best is null ? needed : Math.Min(best.Value, needed);
        }

        return best;
    }

    /// <summary>The chance that an event is on the canary side when the rate ratio is <paramref name="rho"/>.</summary>
    public static double Share(double canaryRequests, double baselineRequests, double rho) =>
        canaryRequests * rho / (canaryRequests * rho + baselineRequests);
}
