using Vigil.Core.Telemetry.Intake;
using Vigil.Core.Verification;

namespace Vigil.Core.Tests.Verification.Judging;

/// <summary>
/// Seeded traffic for judge tests: per interval, request counts, errors drawn per request, latencies drawn log-normal and
/// counted into the span-metric bucket layout, and a per-instance throughput value, as the default plan's queries give them.
/// </summary>
internal sealed class JudgeSimulation(int seed)
{
    private static readonly double[] Bounds = [.. SpanMetricsAggregator.DurationBounds, double.PositiveInfinity];
    private readonly Random _random = new(seed);

    /// <summary>One side's behaviour.</summary>
    internal sealed record Side(double RequestsPerInterval, double ErrorRate, double MedianSeconds = 0.1, double Sigma = 0.5, double LatencyFactor = 1);

    /// <summary>Histories of the default plan's metrics for <paramref name="intervals"/> intervals (one look per interval).</summary>
    public List<IntervalObservation>[] DefaultPlanIntervals(int intervals, Side canary, Side baseline)
    {
        var counts = new List<IntervalObservation>();
        var latency = new List<IntervalObservation>();
        var throughput = new List<IntervalObservation>();
        for (var i = 0; i < intervals; i++)
        {
            var end = 60_000L * (i + 1);
            var c = Draw(canary);
            var b = Draw(baseline);
            counts.Add(new IntervalObservation(end, new SideObservation(Events: c.Errors, Requests: c.Requests), new SideObservation(Events: b.Errors, Requests: b.Requests)));
            latency.Add(new IntervalObservation(end, new SideObservation(Histogram: c.Histogram), new SideObservation(Histogram: b.Histogram)));
            throughput.Add(new IntervalObservation(end, new SideObservation(Value: c.Requests / 60.0), new SideObservation(Value: b.Requests / 60.0)));
        }

        return [counts, latency, latency, latency, throughput];
    }

    /// <summary>The default plan's metric histories at look <paramref name="look"/> (the first <paramref name="look"/> intervals).</summary>
    public static List<MetricHistory> AtLook(VerificationPlan plan, List<IntervalObservation>[] series, int look) =>
        [.. plan.Metrics.Select((metric, i) => new MetricHistory(metric, series[i].Take(look).ToList()))];

    /// <summary>A Poisson-ish request count around the mean, errors per request, and the latency histogram.</summary>
    public (double Requests, double Errors, HistogramCounts Histogram) Draw(Side side)
    {
        var requests = Math.Max(0, (int)Math.Round(side.RequestsPerInterval + Math.Sqrt(side.RequestsPerInterval) * Normal()));
        var errors = 0;
        var buckets = new double[Bounds.Length];
        var mu = Math.Log(side.MedianSeconds * side.LatencyFactor);
        for (var r = 0; r < requests; r++)
        {
            if (_random.NextDouble() < side.ErrorRate)
            {
                errors++;
            }

            var latency = Math.Exp(mu + side.Sigma * Normal());
            var index = Array.BinarySearch(Bounds, latency);
            buckets[index < 0 ? ~index : index]++;
        }

        return (requests, errors, new HistogramCounts(Bounds, buckets));
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    public double Normal()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
