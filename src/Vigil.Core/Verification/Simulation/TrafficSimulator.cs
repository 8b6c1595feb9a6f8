using Vigil.Core.Telemetry.Intake;
using Vigil.Core.Verification.Kayenta;
using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Verification.Simulation;

/// <summary>
/// How the simulator draws production-like traffic. Shared factors move both sides together (a traffic wave,
/// downstream slowdowns, error bursts), as they do for a canary and a baseline serving at the same time; they never
/// change the ratio between the sides, so A/A stays A/A.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>BaselineTrafficRatio</c>: Baseline requests per canary request; default 1 (equal traffic, Kayenta's recommended canary/baseline pair).</item>
/// <item><c>CanaryInstances</c>, <c>BaselineInstances</c>: Instances per side, for throughput per instance; default 1 each.</item>
/// <item><c>MinMedianLatency</c>, <c>MaxMedianLatency</c>: A run's median latency is drawn log-uniformly between them; default 20 ms..200 ms.</item>
/// <item><c>MinLatencySpread</c>, <c>MaxLatencySpread</c>: A run's lognormal sigma is drawn uniformly between them; default 0.35..0.75 (p99 is 2.3x..5.7x the median).</item>
/// <item><c>TrafficWave</c>: Relative amplitude of a slow shared traffic wave (period 60 intervals, random phase); default 0.2.</item>
/// <item><c>TrafficNoise</c>: Shared per-interval lognormal noise of traffic; default 0.05.</item>
/// <item><c>LatencyNoise</c>: Shared per-interval lognormal noise of the latency level; default 0.05.</item>
/// <item><c>ErrorNoise</c>: Shared per-interval lognormal noise (mean 1) of the error rate, i.e. bursts; default 0.2.</item>
/// </list>
/// </remarks>
public sealed record TrafficModel(
    double BaselineTrafficRatio = 1.0,
    int CanaryInstances = 1,
    int BaselineInstances = 1,
    double MinMedianLatency = 0.020,
    double MaxMedianLatency = 0.200,
    double MinLatencySpread = 0.35,
    double MaxLatencySpread = 0.75,
    double TrafficWave = 0.2,
    double TrafficNoise = 0.05,
    double LatencyNoise = 0.05,
    double ErrorNoise = 0.2)
{
    /// <summary>The model <c>vigil bench judge</c> uses.</summary>
    public static TrafficModel Default { get; } = new();
}

/// <summary>
/// What the runner would give the judge for one side in one interval, with the truth it was drawn from.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Requests</c>, <c>Errors</c>: The interval's calls and failed calls (the count-ratio metric's data).</item>
/// <item><c>Histogram</c>: Per-bucket request counts on the span-metric bucket layout (the latency metrics' data).</item>
/// <item><c>ThroughputPerInstance</c>: Requests per second per instance (the continuous metric's value).</item>
/// <item><c>TrueErrorRate</c>, <c>TrueMedianLatency</c>, <c>TrueLatencySpread</c>, <c>ExpectedRequests</c>: The parameters the interval was drawn with (latency is lognormal with that median and log-space sigma).</item>
/// </list>
/// </remarks>
public sealed record SimulatedSide(
    long Requests,
    long Errors,
    HistogramCounts Histogram,
    double ThroughputPerInstance,
    double TrueErrorRate,
    double TrueMedianLatency,
    double TrueLatencySpread,
    double ExpectedRequests);

/// <summary>One simulated interval: its end (Unix ms, simulated time) and both sides.</summary>
public sealed record SimulatedInterval(long EndMs, SimulatedSide Canary, SimulatedSide Baseline);

/// <summary>
/// A seeded generator of production-like canary and baseline data with known truth, in simulated time. Requests per
/// latency bucket are Poisson with the lognormal's mass in that bucket (so the interval's request count is Poisson
/// around the traffic), errors are binomial among those requests, and throughput per instance follows from them.
/// Same seed, same numbers.
/// </summary>
public sealed class TrafficSimulator(TrafficModel model)
{
    /// <summary>Where simulated time starts: 2026-01-01T00:00:00Z.</summary>
    public const long StartMs = 1_767_225_600_000;

    private const double WavePeriodIntervals = 60;

    /// <summary>The bucket bounds of every simulated histogram: the span-metric layout and +Inf.</summary>
    public static IReadOnlyList<double> UpperBounds { get; } = [.. SpanMetricsAggregator.DurationBounds, double.PositiveInfinity];

    private static readonly double[] LogBounds = [.. SpanMetricsAggregator.DurationBounds.Select(b => Math.Log(b))];

    /// <summary>Draws <paramref name="count"/> intervals of <paramref name="interval"/> for <paramref name="scenario"/> from <paramref name="seed"/>.</summary>
    public IReadOnlyList<SimulatedInterval> Generate(JudgeScenario scenario, TimeSpan interval, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var random = new RandomVariates(new Random(SeedOf(seed)));
        var seconds = interval.TotalSeconds;
        var median = Math.Exp(Math.Log(model.MinMedianLatency) + random.Uniform() * (Math.Log(model.MaxMedianLatency) - Math.Log(model.MinMedianLatency)));
        var spread = model.MinLatencySpread + random.Uniform() * (model.MaxLatencySpread - model.MinLatencySpread);
        var phase = 2 * Math.PI * random.Uniform();
        var canaryFactor = scenario.Kind == ScenarioKind.ErrorRate ? scenario.ErrorFactor : 1.0;
        var canaryShift = scenario.Kind == ScenarioKind.Latency ? 1 + scenario.LatencyShift : 1.0;

        var intervals = new SimulatedInterval[count];
        for (var k = 0; k < count; k++)
        {
            var traffic = (1 + model.TrafficWave * Math.Sin(phase + 2 * Math.PI * k / WavePeriodIntervals))
                * LogNormalMeanOne(random, model.TrafficNoise);
            var latencyLevel = Math.Exp(model.LatencyNoise * random.Normal());
            var errorLevel = LogNormalMeanOne(random, model.ErrorNoise);
            var canaryRequests = scenario.CanaryRps * seconds * traffic;
            var canary = Side(
                random,
                canaryRequests,
                Math.Min(1, scenario.BaselineErrorRate * errorLevel * canaryFactor),
                median * latencyLevel * canaryShift,
                spread,
                seconds,
                model.CanaryInstances);
            var baseline = Side(
                random,
                canaryRequests * model.BaselineTrafficRatio,
                Math.Min(1, scenario.BaselineErrorRate * errorLevel),
                median * latencyLevel,
                spread,
                seconds,
                model.BaselineInstances);
            intervals[k] = new SimulatedInterval(StartMs + (long)(interval.TotalMilliseconds * (k + 1)), canary, baseline);
        }

        return intervals;
    }

    /// <summary>
    /// Each plan metric's observations over <paramref name="intervals"/>, as the runner would give them to the judge:
    /// count ratios get errors over requests, latency histograms the bucket counts, continuous metrics the
    /// throughput per instance. Index <c>[m][k]</c> is metric m's interval k.
    /// </summary>
    public static IntervalObservation[][] Observations(VerificationPlan plan, IReadOnlyList<SimulatedInterval> intervals)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(intervals);
        return [.. plan.Metrics.Select(metric => intervals
            .Select(i => new IntervalObservation(i.EndMs, Observe(metric, i.Canary), Observe(metric, i.Baseline)))
            .ToArray())];
    }

    private static SideObservation Observe(PlanMetric metric, SimulatedSide side) => metric.Kind switch
    {
        MetricKind.CountRatio => new SideObservation(Events: side.Errors, Requests: side.Requests),
        MetricKind.LatencyHistogram => new SideObservation(Histogram: side.Histogram),
        _ => new SideObservation(Value: side.ThroughputPerInstance),
    };

    private static SimulatedSide Side(RandomVariates random, double expectedRequests, double errorRate, double median, double spread, double seconds, int instances)
    {
        var logMedian = Math.Log(median);
        var counts = new double[LogBounds.Length + 1];
        var below = 0.0;
        long requests = 0;
        for (var i = 0; i < LogBounds.Length; i++)
        {
            var cdf = SpecialFunctions.NormalCdf((LogBounds[i] - logMedian) / spread);
            var n = random.Poisson(expectedRequests * Math.Max(0, cdf - below));
            counts[i] = n;
            requests += n;
            below = cdf;
        }

        var slowest = random.Poisson(expectedRequests * Math.Max(0, 1 - below));
        counts[^1] = slowest;
        requests += slowest;
        var errors = random.Binomial(requests, errorRate);
        return new SimulatedSide(
            requests,
            errors,
            new HistogramCounts(UpperBounds, counts),
            requests / seconds / Math.Max(1, instances),
            errorRate,
            median,
            spread,
            expectedRequests);
    }

    private static double LogNormalMeanOne(RandomVariates random, double sigma) =>
        sigma <= 0 ? 1 : Math.Exp(sigma * random.Normal() - sigma * sigma / 2);

    /// <summary>A 32-bit seed for <see cref="Random"/> from a 64-bit one (SplitMix64 finaliser).</summary>
    internal static int SeedOf(ulong seed)
    {
        var z = seed + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
