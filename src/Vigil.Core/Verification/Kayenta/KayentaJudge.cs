using System.Globalization;

namespace Vigil.Core.Verification.Kayenta;

/// <summary>
/// A judge that reproduces Netflix Kayenta's <c>NetflixACAJudge</c>, so that Vigil's judge can be measured against it
/// on the same data (<c>vigil bench judge</c>). Per metric and side, each interval is reduced to one value (the error
/// ratio for count ratios, the histogram's interpolated quantile for latency histograms, the value for continuous
/// metrics); NaNs are removed, then outliers (IQR fences with factor 3, widened to the 1st and 99th percentiles as
/// Kayenta's <c>reduceSensitivity</c> does); the sides are compared with <see cref="KayentaMannWhitney"/> at 98%
/// confidence. A metric is High when the interval's lower bound exceeds 0.25 x |estimate| and the mean ratio
/// (canary / baseline, 1 when the baseline mean is 0) is at least 1 + the plan's allowed effect; Low mirrors it.
/// Scoring is Kayenta's weighted sum: per group 100 x passed / (passed + high + low), groups weighted by the share
/// of the plan's metric weights they hold, a group without data counting 100; a critical metric that is not Pass,
/// or half the metrics or more without data, makes the score 0. The score is classified with the plan's pass and
/// marginal thresholds.
/// </summary>
/// <remarks>
/// It judges the intervals so far at every look with the same fixed level, as a Kayenta canary evaluated every
/// interval does, so repeated looks inflate its false alarms; that is the behaviour measured. A look is decisive
/// when it fails (Spinnaker ends a canary on a failing interval) or at the last planned look. Pure: no clock, and
/// the Gaussian jitter Kayenta adds to two constant samples comes from a fixed seed.
/// </remarks>
public sealed class KayentaJudge : IVerificationJudge
{
    /// <summary>Kayenta's Mann-Whitney confidence level.</summary>
    public const double ConfidenceLevel = 0.98;

    /// <summary>Kayenta's tolerance: the interval must clear this fraction of |estimate|.</summary>
    public const double EstimateTolerance = 0.25;

    /// <summary>Kayenta's IQR outlier factor.</summary>
    public const double OutlierFactor = 3.0;

    /// <summary>Kayenta's share of metrics without data at or above which the canary fails (percent).</summary>
    public const double NodataThreshold = 50;

    private const string MethodName = "Kayenta NetflixACAJudge: Mann-Whitney 98% over intervals, tolerance 0.25 x |estimate|, IQR outliers x3";

    /// <inheritdoc/>
    public LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(metrics);
        var results = metrics.Select(history => Classify(history, canaryVersion)).ToList();
        var (score, failure) = Score(plan, results);
        var verdict = score >= plan.PassThreshold ? Verdict.Pass : score >= plan.MarginalThreshold ? Verdict.Marginal : Verdict.Fail;
        var decisive = verdict == Verdict.Fail || look >= plan.PlannedLooks;
        return new LookVerdict(verdict, score, decisive, look, plan.PlannedLooks, [.. results.Select(r => r.Judgement)], Summarize(verdict, score, failure, results));
    }

    /// <summary>One interval side reduced to Kayenta's one value (NaN when the side has no data).</summary>
    internal static double Reduce(PlanMetric metric, SideObservation side) => metric.Kind switch
    {
        MetricKind.CountRatio => side.Requests > 0 ? side.Events / side.Requests : double.NaN,
        MetricKind.LatencyHistogram => side.Histogram is { } histogram ? HistogramQuantile(metric.Quantile ?? 0.95, histogram) : double.NaN,
        _ => side.Value ?? double.NaN,
    };

    /// <summary>
    /// The <paramref name="quantile"/> of one interval's histogram as PromQL's <c>histogram_quantile</c> computes it:
    /// linear interpolation within the bucket holding the rank; the highest finite bound when the rank falls in +Inf.
    /// </summary>
    internal static double HistogramQuantile(double quantile, HistogramCounts histogram)
    {
        var bounds = histogram.UpperBounds;
        var counts = histogram.Counts;
        var total = 0.0;
        for (var i = 0; i < counts.Count; i++)
        {
            total += counts[i];
        }

        if (total <= 0 || bounds.Count == 0)
        {
            return double.NaN;
        }

        var rank = quantile * total;
        var cumulative = 0.0;
        for (var i = 0; i < counts.Count; i++)
        {
            var before = cumulative;
            cumulative += counts[i];
            if (cumulative < rank || counts[i] <= 0)
            {
                continue;
            }

            if (double.IsPositiveInfinity(bounds[i]))
            {
                return i > 0 ? bounds[i - 1] : double.NaN;
            }

            if (i == 0 && bounds[0] <= 0)
            {
                return bounds[0];
            }

            var start = i == 0 ? 0 : bounds[i - 1];
            return start + (bounds[i] - start) * ((rank - before) / counts[i]);
        }

        // Only rounding can leave the rank past the last bucket: answer its highest finite bound.
        return bounds.LastOrDefault(b => !double.IsPositiveInfinity(b), double.NaN);
    }

    /// <summary>Kayenta's outlier removal: values outside min(p1, Q1 - 3 IQR)..max(p99, Q3 + 3 IQR) are dropped.</summary>
    internal static double[] RemoveOutliers(double[] values)
    {
        if (values.Length == 0)
        {
            return values;
        }

        var sorted = values.Order().ToArray();
        var q1 = Percentile(sorted, 25);
        var q3 = Percentile(sorted, 75);
        var iqr = q3 - q1;
        var lower = Math.Min(Percentile(sorted, 1), q1 - OutlierFactor * iqr);
        var upper = Math.Max(Percentile(sorted, 99), q3 + OutlierFactor * iqr);
        return [.. values.Where(v => v >= lower && v <= upper)];
    }

    /// <summary>Apache Commons Math's default percentile estimate (position p(n + 1)/100), which Kayenta uses.</summary>
    internal static double Percentile(double[] sorted, double percent)
    {
        var n = sorted.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        if (n == 1)
        {
            return sorted[0];
        }

        var position = percent * (n + 1) / 100;
        if (position < 1)
        {
            return sorted[0];
        }

        if (position >= n)
        {
            return sorted[n - 1];
        }

        var index = (int)Math.Floor(position);
        var fraction = position - index;
        return sorted[index - 1] + fraction * (sorted[index] - sorted[index - 1]);
    }

    private static MetricResult Classify(MetricHistory history, string canaryVersion)
    {
        var metric = history.Metric;
        var canary = new List<double>(history.Intervals.Count);
        var baseline = new List<double>(history.Intervals.Count);
        foreach (var interval in history.Intervals)
        {
            // A failed query is no data for that interval on both sides (NaN, then removed).
            canary.Add(interval.Error is null ? Reduce(metric, interval.Canary) : double.NaN);
            baseline.Add(interval.Error is null ? Reduce(metric, interval.Baseline) : double.NaN);
        }

        var experiment = RemoveOutliers([.. canary.Where(v => !double.IsNaN(v))]);
        var control = RemoveOutliers([.. baseline.Where(v => !double.IsNaN(v))]);
        if (experiment.Length == 0 || control.Length == 0)
        {
            var error = history.Intervals.LastOrDefault(i => i.Error is not null)?.Error;
            var reason = $"Missing data for {metric.Name}" + (error is null ? "" : $" (last query error: {error})");
            return Result(metric, Label.Nodata, metric.Critical, null, double.NaN, experiment.Length, control.Length, reason, canaryVersion);
        }

        if (experiment.Order().SequenceEqual(control.Order()))
        {
            return Result(metric, Label.Pass, false, null, 1.0, experiment.Length, control.Length, "The canary and baseline data are identical", canaryVersion);
        }

        if (experiment.Concat(control).Distinct().Count() == 1)
        {
            return Result(metric, Label.Pass, false, null, 1.0, experiment.Length, control.Length, null, canaryVersion);
        }

        if (experiment.Distinct().Count() == 1 && control.Distinct().Count() == 1)
        {
            // Kayenta jitters two constant samples (noise of 1e-5 x the value) so the ranks are not all tied.
            var random = new Random(4);
            experiment = AddNoise(experiment, random);
            control = AddNoise(control, random);
        }

        MannWhitneyResult test;
        try
        {
            test = KayentaMannWhitney.Evaluate(experiment, control, ConfidenceLevel);
        }
        catch (MannWhitneyTiedException e)
        {
            return Result(metric, Label.Error, false, null, double.NaN, experiment.Length, control.Length, $"Metric classification failed: {e.Message}", canaryVersion);
        }

        var controlMean = control.Average();
        var experimentMean = experiment.Average();
        var deviation = controlMean == 0 ? 1.0 : experimentMean == 0 ? double.NaN : experimentMean / controlMean;
        var bound = EstimateTolerance * Math.Abs(test.Estimate);
        var allowedIncrease = 1 + metric.AllowedEffect;
        var allowedDecrease = Math.Max(0, 1 - metric.AllowedEffect);
        var high = metric.Direction is MetricDirection.Increase or MetricDirection.Either && test.Lower > bound && deviation >= allowedIncrease;
        var low = metric.Direction is MetricDirection.Decrease or MetricDirection.Either && test.Upper < -bound && deviation <= allowedDecrease;
        var label = high ? Label.High : low ? Label.Low : Label.Pass;
        var why = label == Label.Pass ? null : $"{metric.Name} was classified as {label}" + (metric.Critical ? " (Critical)" : "");
        return Result(metric, label, metric.Critical && label != Label.Pass, test, deviation, experiment.Length, control.Length, why, canaryVersion);
    }

    private static double[] AddNoise(double[] values, Random random)
    {
        var scale = values[0] * 1e-5;
        var noisy = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            // Box-Muller: one standard normal draw per value.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            noisy[i] = values[i] + scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return noisy;
    }

    private static MetricResult Result(
        PlanMetric metric, Label label, bool critical, MannWhitneyResult? test, double ratio, int canaryCount, int baselineCount, string? reason, string canaryVersion)
    {
        var classification = label switch
        {
            Label.Pass => MetricClassification.Pass,
            Label.High => MetricClassification.High,
            Label.Low => MetricClassification.Low,
            _ => MetricClassification.Nodata,
        };
        var effect = test is null ? null : new EffectEstimate(test.Estimate, test.Lower, test.Upper, Relative: false, ConfidenceLevel);
        var judgement = new MetricJudgement(
            metric.Name,
            metric.Group,
            metric.Kind,
            metric.Critical,
            metric.Weight,
            classification,
            effect,
            test?.PValue,
            EValue: null,
            canaryCount,
            baselineCount,
            "intervals",
            Sentence(metric, label, test, ratio, canaryCount, baselineCount, canaryVersion, reason),
            MethodName,
            reason);
        return new MetricResult(metric, label, critical, judgement);
    }

    private static string Sentence(
        PlanMetric metric, Label label, MannWhitneyResult? test, double ratio, int canaryCount, int baselineCount, string canaryVersion, string? reason)
    {
        if (test is null)
        {
            return $"{metric.Name} is {label} on {canaryVersion}: {reason ?? "no comparison needed"} ({canaryCount} vs {baselineCount} intervals).";
        }

        var outcome = label switch
        {
            Label.High => "higher",
            Label.Low => "lower",
            _ => "within tolerance",
        };
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{metric.Name} is {outcome} on {canaryVersion}: shift {test.Estimate:G4} (98% CI {test.Lower:G4}..{test.Upper:G4}), mean ratio {ratio:G4} over {canaryCount} vs {baselineCount} intervals.");
    }

    /// <summary>Kayenta's WeightedSumScorer; returns the score (rounded to 2 decimals) and why it was forced to 0, if it was.</summary>
    private static (double Score, string? Failure) Score(VerificationPlan plan, List<MetricResult> results)
    {
        if (results.Count == 0)
        {
            return (0, "no metrics");
        }

        var critical = results.FirstOrDefault(r => r.Critical);
        if (critical is not null)
        {
            return (0, $"Canary Failed: {critical.Judgement.Reason ?? critical.Judgement.Sentence}");
        }

        var nodata = results.Count(r => r.Label == Label.Nodata);
        if (nodata * 100.0 / results.Count >= NodataThreshold)
        {
            return (0, $"Canary Failed: {NodataThreshold}% or more metrics returned NODATA");
        }

        // Group weights from the plan's metric weights (Kayenta configures them per group, summing to 100).
        var groups = results.GroupBy(r => r.Metric.Group).ToList();
        var totalWeight = plan.Metrics.Sum(m => Math.Max(0, m.Weight));
        var score = 0.0;
        foreach (var group in groups)
        {
            var weight = totalWeight > 0 ? 100 * group.Sum(r => Math.Max(0, r.Metric.Weight)) / totalWeight : 100.0 / groups.Count;
            var passed = group.Count(r => r.Label == Label.Pass);
            var counted = group.Count(r => r.Label is Label.Pass or Label.High or Label.Low);
            var groupScore = counted == 0 ? 100.0 : 100.0 * passed / counted;
            score += groupScore * weight / 100;
        }

        return (Math.Round(score, 2, MidpointRounding.AwayFromZero), null);
    }

    private static string Summarize(Verdict verdict, double score, string? failure, List<MetricResult> results)
    {
        var flagged = results.Where(r => r.Label is Label.High or Label.Low or Label.Nodata or Label.Error).Select(r => $"{r.Metric.Name} {r.Label}").ToList();
        var text = string.Create(CultureInfo.InvariantCulture, $"Kayenta-style score {score:0.##} ({verdict})");
        if (failure is not null)
        {
            text += $"; {failure}";
        }

        return flagged.Count == 0 ? text + "; every metric passed." : text + "; " + string.Join(", ", flagged) + ".";
    }

    private enum Label
    {
        Pass,
        High,
        Low,
        Nodata,
        Error,
    }

    private sealed record MetricResult(PlanMetric Metric, Label Label, bool Critical, MetricJudgement Judgement);
}
