using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Verification.Judging;

/// <summary>
/// One metric's data at one look, reduced to what the judge needs: the effect with its 95% interval, and one-sided
/// p-values against any margin, already made valid over the looks (anytime-valid, or look-adjusted by alpha spending).
/// Effects are relative (0.1 = 10% higher) or additive in the metric's unit, as <see cref="Relative"/> says.
/// </summary>
internal abstract class MetricComparison
{
    /// <summary>The effect and its 95% confidence interval.</summary>
    public required EffectEstimate Effect { get; init; }

    /// <summary>Whether effects and margins are relative.</summary>
    public bool Relative => Effect.Relative;

    /// <summary>Sample size of the canary side, in <see cref="Unit"/>.</summary>
    public required double CanarySamples { get; init; }

    /// <summary>Sample size of the baseline side.</summary>
    public required double BaselineSamples { get; init; }

    /// <summary><c>requests</c> or <c>intervals</c>.</summary>
    public required string Unit { get; init; }

    /// <summary>The method's name, shown with the judgement.</summary>
    public required string Method { get; init; }

    /// <summary>The two sides' values, such as "212 ms vs 154 ms".</summary>
    public required string Values { get; init; }

    /// <summary>p-value (valid over all looks) of H0: effect ≤ margin, against a larger effect.</summary>
    public abstract double PGreater(double margin);

    /// <summary>p-value (valid over all looks) of H0: effect ≥ margin, against a smaller effect.</summary>
    public abstract double PLess(double margin);

    /// <summary>The e-value behind <see cref="PGreater"/>/<see cref="PLess"/> when the method is anytime-valid.</summary>
    public virtual double? EValue(double margin, bool greater) => null;

    /// <summary>What more data would decide the metric at <paramref name="level"/> if the observed effect held.</summary>
    public abstract string? Needed(double margin, bool greater, double level);
}

/// <summary>Event counts over request counts, judged on the cumulative counts (anytime-valid mixture SPRT).</summary>
internal sealed class CountRatioComparison : MetricComparison
{
    private readonly List<CountInterval> _intervals;
    private readonly Dictionary<(double, bool), double> _eValues = [];

    private CountRatioComparison(List<CountInterval> intervals) => _intervals = intervals;

    public double CanaryEvents { get; private init; }

    public double BaselineEvents { get; private init; }

    public static CountRatioComparison Create(IEnumerable<IntervalObservation> intervals)
    {
        var list = new List<CountInterval>();
        double x1 = 0, n1 = 0, x0 = 0, n0 = 0;
        foreach (var interval in intervals)
        {
            var (ce, cr) = Clean(interval.Canary);
            var (be, br) = Clean(interval.Baseline);
            list.Add(new CountInterval(ce, cr, be, br));
            x1 += ce;
            n1 += cr;
            x0 += be;
            n0 += br;
        }

        return new CountRatioComparison(list)
        {
            CanaryEvents = x1,
            BaselineEvents = x0,
            CanarySamples = n1,
            BaselineSamples = n0,
            Unit = "requests",
            Method = "mixture SPRT on the conditional binomial of the event counts (anytime-valid e-value); Clopper-Pearson interval of the rate ratio",
            Values = $"{Text.Rate(x1, n1)} vs {Text.Rate(x0, n0)} ({Text.Count(x1)} vs {Text.Count(x0)} events)",
            Effect = RatioEffect(x1, n1, x0, n0),
        };
    }

    public override double PGreater(double margin) => Math.Min(1, 1 / EValue(margin, greater: true)!.Value);

    public override double PLess(double margin) => Math.Min(1, 1 / EValue(margin, greater: false)!.Value);

    public override double? EValue(double margin, bool greater)
    {
        var rho0 = Math.Max(1e-6, 1 + margin);
        if (!_eValues.TryGetValue((rho0, greater), out var e))
        {
            e = RateRatioEValue.Compute(_intervals, rho0, greater).RunningMax;
            _eValues[(rho0, greater)] = e;
        }

        return e;
    }

    public override string? Needed(double margin, bool greater, double level)
    {
        var events = CanaryEvents + BaselineEvents;
        var total = RateRatioEValue.EventsNeeded(CanaryEvents, CanarySamples, BaselineEvents, BaselineSamples, Math.Max(1e-6, 1 + margin), greater, level);
        if (total is null)
        {
            return null;
        }

        var more = Math.Max(1, Math.Ceiling(total.Value - events));
        var rate = events / (CanarySamples + BaselineSamples);
        var requests = rate > 0 ? $" (about {Text.Count(Math.Ceiling(more / rate))} more requests at the current rates)" : string.Empty;
        return $"about {Text.Count(more)} more events{requests}";
    }

    /// <summary>The e-value if every event so far were on the bad side: below the level, the counts cannot decide anything yet.</summary>
    public double ExtremeEValue(double margin, bool greater)
    {
        var events = CanaryEvents + BaselineEvents;
        var extreme = greater
            ? new CountInterval(events, CanarySamples, 0, BaselineSamples)
            : new CountInterval(0, CanarySamples, events, BaselineSamples);
        return RateRatioEValue.Compute([extreme], Math.Max(1e-6, 1 + margin), greater).RunningMax;
    }

    /// <summary>The fewest events (in all) with which the test could reach 1/<paramref name="level"/> at the current traffic split.</summary>
    public double MinimumEvents(double margin, bool greater, double level)
    {
        var rho0 = Math.Max(1e-6, 1 + margin);
        var p0 = RateRatioEValue.Share(CanarySamples, BaselineSamples, rho0);
        var best = double.PositiveInfinity;
        foreach (var (factor, weight) in RateRatioEValue.Grid)
        {
            var p = RateRatioEValue.Share(CanarySamples, BaselineSamples, greater ? rho0 * factor : rho0 / factor);
            var perEvent = greater ? Math.Log(p / p0) : Math.Log((1 - p) / (1 - p0));
            if (perEvent > 0)
            {
                best = Math.Min(best, Math.Ceiling((Math.Log(1 / level) - Math.Log(weight)) / perEvent));
            }
        }

        return best;
    }

    private static (double Events, double Requests) Clean(SideObservation side)
    {
        var requests = double.IsFinite(side.Requests) && side.Requests > 0 ? side.Requests : 0;
        var events = double.IsFinite(side.Events) && side.Events > 0 ? Math.Min(side.Events, requests) : 0;
        return (events, requests);
    }

    private static EffectEstimate RatioEffect(double x1, double n1, double x0, double n0)
    {
        var events = x1 + x0;
        if (events <= 0 || n1 <= 0 || n0 <= 0)
        {
            return new EffectEstimate(0, -1, double.PositiveInfinity, Relative: true);
        }

        // Given the events, the canary's share p is binomial; the rate ratio is p/(1-p) · n0/n1.
        var (low, high) = Binomial.ClopperPearson(x1, events, 0.95);
        double Ratio(double p) => p >= 1 ? double.PositiveInfinity : p / (1 - p) * n0 / n1;

        // With no events on one side the ratio's estimate is 0 or infinite; add half an event to each (Haldane).
        var estimate = x1 > 0 && x0 > 0 ? x1 / n1 / (x0 / n0) : (x1 + 0.5) / n1 / ((x0 + 0.5) / n0);
        return new EffectEstimate(estimate - 1, Ratio(low) - 1, Ratio(high) - 1, Relative: true);
    }
}

/// <summary>A latency quantile on the summed bucket counts of each side (sample size = requests), alpha spent over looks.</summary>
internal sealed class HistogramComparison : MetricComparison
{
    private readonly BucketCounts _canary;
    private readonly BucketCounts _baseline;
    private readonly double _quantile;
    private readonly int _look;
    private readonly int _plannedLooks;
    private readonly Dictionary<(double, bool), double> _raw = [];

    private HistogramComparison(BucketCounts canary, BucketCounts baseline, double quantile, int look, int plannedLooks)
    {
        _canary = canary;
        _baseline = baseline;
        _quantile = quantile;
        _look = look;
        _plannedLooks = plannedLooks;
    }

    public static HistogramComparison? Create(IReadOnlyList<IntervalObservation> intervals, double quantile, int look, int plannedLooks, MergedHistograms? cache = null)
    {
        var merged = cache is null
            ? BucketCounts.Merge(intervals.Select(i => i.Canary.Histogram), intervals.Select(i => i.Baseline.Histogram))
            : cache.Get(intervals);
        if (merged is null)
        {
            return null;
        }

        var (canary, baseline) = merged.Value;
        var qc = canary.Quantile(quantile);
        var qb = baseline.Quantile(quantile);
        EffectEstimate effect;
        if (canary.Total > 0 && baseline.Total > 0 && qb > 0)
        {
            var (low, high) = QuantileRatio.Interval(canary, baseline, quantile, 0.95);
            effect = new EffectEstimate(qc / qb - 1, low - 1, high - 1, Relative: true);
        }
        else
        {
            effect = new EffectEstimate(0, -1, double.PositiveInfinity, Relative: true);
        }

        return new HistogramComparison(canary, baseline, quantile, look, plannedLooks)
        {
            CanarySamples = canary.Total,
            BaselineSamples = baseline.Total,
            Unit = "requests",
            Method = "quantile ratio from order statistics over the histogram buckets (binomial ranks mapped to bucket edges); alpha spent over looks",
            Values = $"{Text.Seconds(qc)} vs {Text.Seconds(qb)}",
            Effect = effect,
        };
    }

    public override double PGreater(double margin) => AlphaSpending.Adjust(Raw(margin, greater: true), _look, _plannedLooks);

    public override double PLess(double margin) => AlphaSpending.Adjust(Raw(margin, greater: false), _look, _plannedLooks);

    public override string? Needed(double margin, bool greater, double level) =>
        Text.ScaledNeed(Raw(margin, greater), level * AlphaSpending.Share(_plannedLooks, _plannedLooks), Math.Min(CanarySamples, BaselineSamples), "requests per side");

    private double Raw(double margin, bool greater)
    {
        if (!_raw.TryGetValue((margin, greater), out var p))
        {
            var factor = Math.Max(1e-6, 1 + margin);
            p = greater
                ? QuantileRatio.PValueGreater(_canary, _baseline, _quantile, factor)
                : QuantileRatio.PValueGreater(_baseline, _canary, _quantile, 1 / factor);
            _raw[(margin, greater)] = p;
        }

        return p;
    }
}

/// <summary>One value per interval per side: Mann-Whitney and the Hodges-Lehmann shift, alpha spent over looks.</summary>
internal sealed class ContinuousComparison : MetricComparison
{
    private readonly double[] _canary;
    private readonly double[] _baseline;
    private readonly bool _logScale;
    private readonly int _look;
    private readonly int _plannedLooks;

    private ContinuousComparison(double[] canary, double[] baseline, bool logScale, int look, int plannedLooks)
    {
        _canary = canary;
        _baseline = baseline;
        _logScale = logScale;
        _look = look;
        _plannedLooks = plannedLooks;
    }

    public static ContinuousComparison Create(IEnumerable<IntervalObservation> intervals, int look, int plannedLooks)
    {
        var canary = new List<double>();
        var baseline = new List<double>();
        foreach (var interval in intervals)
        {
            if (interval.Canary.Value is { } c && double.IsFinite(c))
            {
                canary.Add(c);
            }

            if (interval.Baseline.Value is { } b && double.IsFinite(b))
            {
                baseline.Add(b);
            }
        }

        // Relative effects on the log scale where every value is positive; additive otherwise.
        var logScale = canary.Count > 0 && baseline.Count > 0 && canary.All(v => v > 0) && baseline.All(v => v > 0);
        var x = logScale ? canary.Select(v => Math.Log(v)).ToArray() : [.. canary];
        var y = logScale ? baseline.Select(v => Math.Log(v)).ToArray() : [.. baseline];
        EffectEstimate effect;
        var exact = true;
        if (x.Length > 0 && y.Length > 0)
        {
            var shift = MannWhitney.HodgesLehmann(x, y, 0.95);
            exact = shift.Exact;
            effect = logScale
                ? new EffectEstimate(Math.Exp(shift.Estimate) - 1, Math.Exp(shift.Lower) - 1, Math.Exp(shift.Upper) - 1, Relative: true)
                : new EffectEstimate(shift.Estimate, shift.Lower, shift.Upper, Relative: false);
        }
        else
        {
            effect = new EffectEstimate(0, double.NegativeInfinity, double.PositiveInfinity, Relative: logScale);
        }

        return new ContinuousComparison(x, y, logScale, look, plannedLooks)
        {
            CanarySamples = x.Length,
            BaselineSamples = y.Length,
            Unit = "intervals",
            Method = $"Mann-Whitney U and Hodges-Lehmann shift{(logScale ? " of log values" : string.Empty)} ({(exact ? "exact" : "normal approximation with tie correction")}); alpha spent over looks",
            Values = $"median {Text.Number(Median(canary))} vs {Text.Number(Median(baseline))}",
            Effect = effect,
        };
    }

    public override double PGreater(double margin) => AlphaSpending.Adjust(Raw(margin, greater: true), _look, _plannedLooks);

    public override double PLess(double margin) => AlphaSpending.Adjust(Raw(margin, greater: false), _look, _plannedLooks);

    public override string? Needed(double margin, bool greater, double level) =>
        Text.ScaledNeed(Raw(margin, greater), level * AlphaSpending.Share(_plannedLooks, _plannedLooks), Math.Min(CanarySamples, BaselineSamples), "intervals per side");

    private double Raw(double margin, bool greater)
    {
        var shift = _logScale ? Math.Log(Math.Max(1e-6, 1 + margin)) : margin;
        return MannWhitney.Test(_canary, _baseline, shift, greater).PValue;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}

/// <summary>
/// Summed histograms of one judge call, reused by the metrics that read the same observations (p50, p95 and p99 of the
/// default plan share one query). Matched by reference, so it never confuses different data.
/// </summary>
internal sealed class MergedHistograms
{
    private readonly List<(IReadOnlyList<IntervalObservation> Intervals, (BucketCounts Canary, BucketCounts Baseline)? Merged)> _entries = [];

    public (BucketCounts Canary, BucketCounts Baseline)? Get(IReadOnlyList<IntervalObservation> intervals)
    {
        foreach (var (known, merged) in _entries)
        {
            if (Same(known, intervals))
            {
                return merged;
            }
        }

        var result = BucketCounts.Merge(intervals.Select(i => i.Canary.Histogram), intervals.Select(i => i.Baseline.Histogram));
        _entries.Add((intervals, result));
        return result;
    }

    private static bool Same(IReadOnlyList<IntervalObservation> a, IReadOnlyList<IntervalObservation> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!ReferenceEquals(a[i].Canary.Histogram, b[i].Canary.Histogram) || !ReferenceEquals(a[i].Baseline.Histogram, b[i].Baseline.Histogram))
            {
                return false;
            }
        }

        return true;
    }
}
