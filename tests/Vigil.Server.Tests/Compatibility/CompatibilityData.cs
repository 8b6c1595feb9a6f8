using System.Globalization;
using System.Text;

namespace Vigil.Server.Tests.Compatibility;

/// <summary>One generated series: its labels (with <c>__name__</c>) and samples, oldest first, Unix milliseconds.</summary>
/// <param name="Labels">The labels, <c>__name__</c> first, the rest sorted by name.</param>
/// <param name="Samples">The samples as both servers store them.</param>
internal sealed record GeneratedSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, IReadOnlyList<(long TimestampMs, double Value)> Samples)
{
    /// <summary>The metric name.</summary>
    public string Name => Labels[0].Value;
}

/// <summary>
/// The data both servers hold for the compatibility suite, generated from a fixed seed: four hours from
/// <see cref="StartMs"/> (21:00 UTC on 31 January 2026, so date functions cross a day, a month and
/// <c>days_in_month</c> changes) of counters with resets, gauges with NaN and ±Inf, classic histograms with missing
/// buckets, a series with gaps longer than the 5-minute lookback, series that start and stop inside the window, and
/// several jobs, instances and labels. Every sample sits at an odd millisecond (101..899 ms into a second), so no
/// sample ever lands on a step, range or lookback boundary, which are all whole seconds in the scenario files, and
/// Prometheus 2.x's closed and 3.x's left-open range boundaries give the same answers.
/// </summary>
internal static class CompatibilityData
{
    /// <summary>The seed of the generator; printed by the suite.</summary>
    public const int Seed = 20260131;

    /// <summary>The first sample's second: 2026-01-31T21:00:00Z.</summary>
    public static readonly long StartMs = new DateTimeOffset(2026, 1, 31, 21, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>How long the data runs.</summary>
    public static readonly long DurationMs = (long)TimeSpan.FromHours(4).TotalMilliseconds;

    private static readonly double[] BucketBounds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, double.PositiveInfinity];

    /// <summary>Generates the series; the same seed always gives the same series in the same order.</summary>
    public static IReadOnlyList<GeneratedSeries> Generate()
    {
        var rng = new Random(Seed);
        var all = new List<GeneratedSeries>();
        AddRequestCounters(rng, all);
        AddTemperatures(rng, all);
        AddHistograms(rng, all);
        AddQueueDepths(rng, all);
        AddUpAndInfo(rng, all);
        AddSparseAndText(rng, all);
        AddLateCounter(rng, all);
        return all;
    }

    private static long Minutes(double m) => (long)(m * 60_000);

    private static void AddRequestCounters(Random rng, List<GeneratedSeries> all)
    {
        var shapes = new List<(string Job, string Instance, string Method)>();
        foreach (var instance in new[] { "a:9100", "b:9100", "c:9100" })
        {
            shapes.Add(("api", instance, "get"));
            shapes.Add(("api", instance, "post"));
        }

        shapes.Add(("worker", "a:9200", "consume"));
        shapes.Add(("worker", "b:9200", "consume"));
        foreach (var (job, instance, method) in shapes)
        {
            foreach (var code in new[] { "200", "500" })
            {
                var value = (double)rng.Next(100, 1000);
                var from = 0L;
                var to = DurationMs;
                var gaps = new List<(long From, long To)>();
                if (job == "api" && instance == "b:9100" && method == "get" && code == "200")
                {
                    gaps.Add((Minutes(100), Minutes(115)));
                }

                if (job == "worker" && instance == "b:9200" && code == "500")
                {
                    to = Minutes(135);
                }

                if (job == "api" && instance == "c:9100" && method == "post" && code == "500")
                {
                    from = Minutes(80);
                    value = 50;
                }

                var resets = new HashSet<int> { rng.Next(100, 900) };
                if (rng.Next(2) == 0)
                {
                    resets.Add(rng.Next(100, 900));
                }

                var k = 0;
                var samples = Sample(rng, 15_000, from, to, gaps, _ =>
                {
                    k++;
                    if (resets.Contains(k))
                    {
                        value = rng.Next(0, 6);
                    }
                    else
                    {
                        value += code == "200" ? rng.Next(0, 31) : rng.Next(0, 4) / 3 * rng.Next(1, 3);
                    }

                    return value;
                });
                all.Add(Series("http_requests_total", samples, ("code", code), ("instance", instance), ("job", job), ("method", method)));
            }
        }
    }

    private static void AddTemperatures(Random rng, List<GeneratedSeries> all)
    {
        foreach (var instance in new[] { "a", "b", "c" })
        {
            foreach (var zone in new[] { "x", "y" })
            {
                var value = instance == "a" && zone == "y" ? 0.5 : 40 + (rng.NextDouble() * 20);
                var to = instance == "c" && zone == "y" ? Minutes(120) : DurationMs;
                var gaps = instance == "c" && zone == "x" ? new List<(long, long)> { (Minutes(150), Minutes(158)) } : [];
                var samples = Sample(rng, 15_000, 0, to, gaps, t =>
                {
                    value = Math.Round(value + ((rng.NextDouble() - 0.5) * 4), 3);
                    if (instance == "a" && zone == "y")
                    {
                        // Around zero, for sgn, abs, sqrt and ln of negatives.
                        value = Math.Clamp(value, -3, 3);
                    }

                    if (instance == "a" && zone == "x" && t > Minutes(60) && t < Minutes(150) && rng.Next(12) == 0)
                    {
                        return double.NaN;
                    }

                    if (instance == "b" && zone == "y" && t > Minutes(90) && t < Minutes(170) && rng.Next(20) == 0)
                    {
                        return rng.Next(2) == 0 ? double.PositiveInfinity : double.NegativeInfinity;
                    }

                    return value;
                });
                all.Add(Series("cpu_temp", samples, ("instance", instance), ("job", "node"), ("zone", zone)));
            }
        }
    }

    private static void AddHistograms(Random rng, List<GeneratedSeries> all)
    {
        foreach (var instance in new[] { "a:9100", "b:9100", "c:9100" })
        {
            var times = Times(rng, 15_000, 0, DurationMs, []);
            var counts = new double[BucketBounds.Length];
            var sum = rng.Next(0, 100) / 10.0;
            var bucketSamples = BucketBounds.Select(_ => new List<(long, double)>()).ToArray();
            var countSamples = new List<(long, double)>();
            var sumSamples = new List<(long, double)>();
            var resetAt = rng.Next(200, 800);
            for (var i = 0; i < times.Count; i++)
            {
                if (instance == "a:9100" && i == resetAt)
                {
                    Array.Clear(counts);
                    sum = 0;
                }

                var observations = rng.Next(0, 12);
                for (var o = 0; o < observations; o++)
                {
                    // Mostly fast requests, a long tail.
                    var duration = Math.Round(Math.Pow(rng.NextDouble(), 3) * 3, 3);
                    sum += duration;
                    for (var b = 0; b < BucketBounds.Length; b++)
                    {
                        if (duration <= BucketBounds[b])
                        {
                            counts[b]++;
                        }
                    }
                }

                for (var b = 0; b < BucketBounds.Length; b++)
                {
                    var missing = (instance == "b:9100" && BucketBounds[b] == 0.25)
                        || (instance == "c:9100" && BucketBounds[b] == 1 && times[i] > StartMs + Minutes(90));
                    if (!missing)
                    {
                        bucketSamples[b].Add((times[i], counts[b]));
                    }
                }

                countSamples.Add((times[i], counts[^1]));
                sumSamples.Add((times[i], Math.Round(sum, 6)));
            }

            for (var b = 0; b < BucketBounds.Length; b++)
            {
                if (bucketSamples[b].Count > 0)
                {
                    all.Add(Series("request_duration_seconds_bucket", bucketSamples[b], ("instance", instance), ("job", "api"), ("le", FormatValue(BucketBounds[b]))));
                }
            }

            all.Add(Series("request_duration_seconds_count", countSamples, ("instance", instance), ("job", "api")));
            all.Add(Series("request_duration_seconds_sum", sumSamples, ("instance", instance), ("job", "api")));
        }
    }

    private static void AddQueueDepths(Random rng, List<GeneratedSeries> all)
    {
        foreach (var instance in new[] { "a:9200", "b:9200" })
        {
            foreach (var queue in new[] { "q1", "q2" })
            {
                var samples = Sample(rng, 30_000, 0, DurationMs, [], _ => rng.Next(0, 5) == 0 ? rng.Next(0, 11) : 3);
                all.Add(Series("queue_depth", samples, ("instance", instance), ("job", "worker"), ("queue", queue)));
            }
        }
    }

    private static void AddUpAndInfo(Random rng, List<GeneratedSeries> all)
    {
        var targets = new[] { ("api", "a:9100"), ("api", "b:9100"), ("api", "c:9100"), ("worker", "a:9200"), ("worker", "b:9200") };
        foreach (var (job, instance) in targets)
        {
            var down = instance == "b:9100" ? (Minutes(100), Minutes(115)) : (-1L, -1L);
            var up = Sample(rng, 15_000, 0, DurationMs, [], t => t >= down.Item1 && t < down.Item2 ? 0 : 1);
            all.Add(Series("up", up, ("instance", instance), ("job", job)));
            var version = job == "api" ? (instance == "c:9100" ? "1.3.0" : "1.2.0") : "0.9.1";
            all.Add(Series("build_info", Sample(rng, 60_000, 0, DurationMs, [], _ => 1), ("instance", instance), ("job", job), ("version", version)));
        }

        foreach (var (instance, role) in new[] { ("a", "primary"), ("b", "replica"), ("c", "replica") })
        {
            all.Add(Series("node_role", Sample(rng, 60_000, 0, DurationMs, [], _ => 1), ("instance", instance), ("job", "node"), ("role", role)));
        }
    }

    private static void AddSparseAndText(Random rng, List<GeneratedSeries> all)
    {
        var value = 10.0;
        var sparse = Sample(rng, 130_000, 0, DurationMs, [(Minutes(140), Minutes(160))], _ => value = Math.Round(value + (rng.NextDouble() * 6) - 2, 2));
        all.Add(Series("sparse_gauge", sparse, ("job", "batch")));
        foreach (var (path, host) in new[] { ("/api/v1/users", "web-01.example.com"), ("/health", "web-02.example.com") })
        {
            all.Add(Series("label_test", Sample(rng, 60_000, 0, DurationMs, [], _ => rng.Next(1, 100)), ("host", host), ("job", "misc"), ("path", path)));
        }
    }

    /// <summary>The bit pattern of Prometheus's staleness marker (a NaN).</summary>
    public static readonly double StaleMarker = BitConverter.UInt64BitsToDouble(0x7ff0000000000002);

    /// <summary>When the staleness data starts: a minute after the block data ends, +4h1m.</summary>
    public static readonly long StalenessStartMs = StartMs + DurationMs + 60_000;

    /// <summary>
    /// Series with explicit staleness markers for +4h1m..+4h51m, which OpenMetrics cannot carry: both servers get them
    /// through remote write (Prometheus into its head, after the blocks). <c>stale_gauge</c> ends with a marker
    /// (<c>case="marker"</c>) or without one (<c>case="plain"</c>) 20 minutes in and both resume 15 minutes later;
    /// <c>case="flap"</c> has a marker as every seventh sample; <c>stale_requests_total</c> is marked stale 15 minutes in
    /// and restarts from zero 3 minutes later.
    /// </summary>
    public static IReadOnlyList<GeneratedSeries> GenerateStaleness()
    {
        var rng = new Random(Seed + 1);
        var all = new List<GeneratedSeries>();
        var offset = StalenessStartMs - StartMs;
        var end = offset + Minutes(50);
        foreach (var kind in new[] { "marker", "plain" })
        {
            var value = 20.0;
            var first = Times(rng, 15_000, offset, offset + Minutes(20), []).Select(t => (t, value = Math.Round(value + rng.NextDouble() - 0.5, 3))).ToList();
            if (kind == "marker")
            {
                first.Add((first[^1].t + 15_000, StaleMarker));
            }

            first.AddRange(Times(rng, 15_000, offset + Minutes(35), end, []).Select(t => (t, value = Math.Round(value + rng.NextDouble() - 0.5, 3))));
            all.Add(Series("stale_gauge", first, ("case", kind), ("job", "stale")));
        }

        var n = 0;
        var flap = Times(rng, 15_000, offset, end, []).Select(t => (t, ++n % 7 == 0 ? StaleMarker : n)).ToList();
        all.Add(Series("stale_gauge", flap.Select(x => (x.t, (double)x.Item2)).ToList(), ("case", "flap"), ("job", "stale")));

        var count = 500.0;
        var counter = Times(rng, 15_000, offset, offset + Minutes(15), []).Select(t => (t, count += rng.Next(0, 20))).ToList();
        counter.Add((counter[^1].t + 15_000, StaleMarker));
        count = 0;
        counter.AddRange(Times(rng, 15_000, offset + Minutes(18), end, []).Select(t => (t, count += rng.Next(0, 20))));
        all.Add(Series("stale_requests_total", counter, ("job", "stale")));
        return all;
    }

    /// <summary>
    /// A counter that starts at +70m at about one increment (8, then +10 every 15s) and stops at +3h: where a window
    /// holds its start, Prometheus 2.51+ extrapolates it differently from 2.42 (the zero-point limit, prometheus#13725).
    /// </summary>
    private static void AddLateCounter(Random rng, List<GeneratedSeries> all)
    {
        var value = -2.0;
        all.Add(Series("jobs_processed_total", Sample(rng, 15_000, Minutes(70), Minutes(180), [], _ => value += 10), ("job", "batch")));
    }

    /// <summary>Sample times every <paramref name="intervalMs"/> in [from, to) minus the gaps, at odd milliseconds.</summary>
    private static List<long> Times(Random rng, long intervalMs, long from, long to, List<(long From, long To)> gaps)
    {
        var phase = rng.Next(0, (int)(intervalMs / 1000)) * 1000L;
        var times = new List<long>();
        for (var t = from; t < to; t += intervalMs)
        {
            if (gaps.Any(g => t >= g.From && t < g.To))
            {
                continue;
            }

            // 101..899 ms into the second, written to OpenMetrics as seconds with three decimals.
            times.Add(StartMs + t + phase + 101 + rng.Next(0, 799));
        }

        return times;
    }

    private static List<(long, double)> Sample(Random rng, long intervalMs, long from, long to, List<(long From, long To)> gaps, Func<long, double> value) =>
        Times(rng, intervalMs, from, to, gaps).Select(t => (t, value(t - StartMs))).ToList();

    private static GeneratedSeries Series(string name, IReadOnlyList<(long, double)> samples, params (string Name, string Value)[] labels)
    {
        var list = new List<KeyValuePair<string, string>> { new("__name__", name) };
        list.AddRange(labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => new KeyValuePair<string, string>(l.Name, l.Value)));
        return new GeneratedSeries(list, samples);
    }

    /// <summary>
    /// The millisecond promtool stores for <paramref name="ms"/> written as seconds with three decimals: its
    /// OpenMetrics parser reads a float64 of seconds and truncates seconds * 1000, which can lose a millisecond.
    /// </summary>
    private static long AsPromtoolReadsIt(long ms) => (long)(double.Parse(FormatSeconds(ms), CultureInfo.InvariantCulture) * 1000);

    private static string FormatSeconds(long ms) => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000}.{ms % 1000:D3}");

    /// <summary>A float as Prometheus writes it: shortest round-trip digits, <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.</summary>
    public static string FormatValue(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the series as OpenMetrics text for <c>promtool tsdb create-blocks-from openmetrics</c>: one gauge family
    /// per metric name (promtool needs <c>_total</c> only on counters), timestamps in seconds, <c># EOF</c> last.
    /// Timestamps are written so that promtool reads back exactly the milliseconds of the samples.
    /// </summary>
    public static void WriteOpenMetrics(IReadOnlyList<GeneratedSeries> series, TextWriter writer)
    {
        foreach (var family in series.GroupBy(s => s.Name))
        {
            writer.Write("# TYPE ");
            writer.Write(family.Key);
            writer.Write(" gauge\n");
            foreach (var s in family)
            {
                var sb = new StringBuilder(family.Key).Append('{');
                sb.AppendJoin(',', s.Labels.Skip(1).Select(l => $"{l.Key}=\"{l.Value}\""));
                var prefix = sb.Append("} ").ToString();
                foreach (var (t, v) in s.Samples)
                {
                    writer.Write(prefix);
                    writer.Write(FormatValue(v));
                    writer.Write(' ');
                    writer.Write(FormatSecondsExact(t));
                    writer.Write('\n');
                }
            }
        }

        writer.Write("# EOF\n");
    }

    /// <summary>Seconds text that promtool reads back as exactly <paramref name="ms"/>.</summary>
    private static string FormatSecondsExact(long ms)
    {
        var text = FormatSeconds(ms);
        if (AsPromtoolReadsIt(ms) == ms)
        {
            return text;
        }

        // Truncation would lose the millisecond: a fourth decimal puts the product just above it.
        return text + "5";
    }
}
