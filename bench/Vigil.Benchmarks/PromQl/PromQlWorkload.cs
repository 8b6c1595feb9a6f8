using System.Globalization;
using Vigil.Server.RemoteWrite;
using Vigil.Server.RemoteWrite.Protos;

namespace Vigil.Benchmarks.PromQl;

/// <summary>
/// Span-metric-like verification data: 50 services x 10 span names x 2 status codes = 1,000 counter series
/// (<c>traces_span_metrics_calls_total</c>), and per service a duration histogram with 20 buckets = 1,000 bucket series
/// (<c>traces_span_metrics_duration_seconds_bucket</c>) plus 50 <c>_sum</c> and 50 <c>_count</c>: 2,100 series, one
/// sample every 15 s, 7 s off the step grid (so Prometheus 2.x and 3.x range boundaries agree). Values come from a
/// seeded <see cref="Random"/>, so every run sends the same numbers. Encoded once as remote-write requests (snappy
/// protobuf), in time order, so both servers receive the same bytes.
/// </summary>
internal sealed class PromQlWorkload
{
    /// <summary>The seed of the value generator.</summary>
    public const int Seed = 20261129;

    /// <summary>Sample spacing.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Services; each has 10 span names, 2 status codes and a 20-bucket histogram.</summary>
    public const int Services = 50;

    /// <summary>Span names per service.</summary>
    public const int SpanNames = 10;

    private static readonly double[] Buckets =
        [0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5];

    private PromQlWorkload(long firstMs, int samples, List<byte[]> requests, int seriesCount)
    {
        FirstMs = firstMs;
        SampleCount = samples;
        Requests = requests;
        SeriesCount = seriesCount;
    }

    /// <summary>The time of the first sample, Unix milliseconds.</summary>
    public long FirstMs { get; }

    /// <summary>Samples per series.</summary>
    public int SampleCount { get; }

    /// <summary>The time of the last sample, Unix milliseconds.</summary>
    public long LastMs => FirstMs + ((SampleCount - 1) * (long)Interval.TotalMilliseconds);

    /// <summary>The 15 s boundary 8 s after the last sample: where the benchmark's range queries end.</summary>
    public long QueryEndMs => LastMs + 8_000;

    /// <summary>Encoded remote-write bodies in time order.</summary>
    public IReadOnlyList<byte[]> Requests { get; }

    /// <summary>How many series the data holds.</summary>
    public int SeriesCount { get; }

    /// <summary>How many samples the data holds.</summary>
    public long Samples => (long)SeriesCount * SampleCount;

    /// <summary>
    /// Builds <paramref name="span"/> of data ending 8 s before the last 15 s boundary at or before <paramref name="now"/>
    /// (<see cref="QueryEndMs"/>), with
    /// <paramref name="timestampsPerRequest"/> sample times in each request.
    /// </summary>
    public static PromQlWorkload Build(DateTimeOffset now, TimeSpan span, int timestampsPerRequest)
    {
        var intervalMs = (long)Interval.TotalMilliseconds;
        var grid = now.ToUnixTimeMilliseconds() / intervalMs * intervalMs;
        var samples = (int)(span.TotalMilliseconds / intervalMs) + 1;
        var firstMs = grid - 8_000 - ((samples - 1) * intervalMs); // 7 s after a grid point; the last sample 8 s before `grid`
        var random = new Random(Seed);

        var series = new List<(Label[] Labels, Func<int, double> Next)>();
        for (var s = 0; s < Services; s++)
        {
            var service = "svc-" + s.ToString("D2", CultureInfo.InvariantCulture);
            var common = new[]
            {
                ("deployment_environment_name", "production"),
                ("instance", service + "-7d9f8b-" + (s % 3).ToString(CultureInfo.InvariantCulture)),
                ("job", "shop/" + service),
                ("service_name", service),
                ("service_version", "1." + (s % 4).ToString(CultureInfo.InvariantCulture) + ".0"),
            };
            for (var n = 0; n < SpanNames; n++)
            {
                foreach (var status in new[] { "STATUS_CODE_ERROR", "STATUS_CODE_UNSET" })
                {
                    var rate = (status == "STATUS_CODE_ERROR" ? 0.2 : 8.0) * (1 + random.NextDouble());
                    var total = random.Next(0, 10_000);
                    var seriesRandom = new Random(random.Next());
                    series.Add((Labels(
                        "traces_span_metrics_calls_total",
                        [.. common, ("span_kind", n == 0 ? "SPAN_KIND_SERVER" : "SPAN_KIND_CLIENT"), ("span_name", "op-" + n.ToString(CultureInfo.InvariantCulture)), ("status_code", status)]),
                        _ => total += (int)(rate * 15 * (0.5 + seriesRandom.NextDouble()))));
                }
            }

            // One histogram per service: every step, some requests land in the buckets; a slow service is shifted.
            var counts = new double[Buckets.Length + 1];
            var sum = 0.0;
            var histogramRandom = new Random(random.Next());
            var shift = s % 5;
            var lastStep = -1;
            void Advance(int step)
            {
                if (step == lastStep)
                {
                    return;
                }

                lastStep = step;
                var requests = 100 + histogramRandom.Next(50);
                for (var r = 0; r < requests; r++)
                {
                    var bucket = Math.Min(Buckets.Length, shift + (int)(Math.Abs(NextGaussian(histogramRandom)) * 4));
                    counts[bucket]++;
                    sum += bucket < Buckets.Length ? Buckets[bucket] * 0.9 : 3;
                }
            }

            for (var b = 0; b <= Buckets.Length; b++)
            {
                var bucket = b;
                var le = b < Buckets.Length ? Buckets[b].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
                series.Add((Labels("traces_span_metrics_duration_seconds_bucket", [.. common, ("le", le)]), step =>
                {
                    Advance(step);
                    var cumulative = 0.0;
                    for (var i = 0; i <= bucket; i++)
                    {
                        cumulative += counts[i];
                    }

                    return cumulative;
                }));
            }

            series.Add((Labels("traces_span_metrics_duration_seconds_sum", common), step => { Advance(step); return Math.Round(sum, 3); }));
            series.Add((Labels("traces_span_metrics_duration_seconds_count", common), step => { Advance(step); return counts.Sum(); }));
        }

        var requestsOut = new List<byte[]>();
        for (var first = 0; first < samples; first += timestampsPerRequest)
        {
            var request = new WriteRequest();
            var last = Math.Min(samples, first + timestampsPerRequest);
            var perSeries = series.Select(_ => new TimeSeries()).ToList();
            for (var i = 0; i < series.Count; i++)
            {
                perSeries[i].Labels.AddRange(series[i].Labels);
            }

            // Step by step over all series, so the histogram's shared state advances once per step.
            for (var step = first; step < last; step++)
            {
                for (var i = 0; i < series.Count; i++)
                {
                    perSeries[i].Samples.Add(new Sample { Timestamp = firstMs + (step * intervalMs), Value = series[i].Next(step) });
                }
            }

            request.Timeseries.AddRange(perSeries);
            requestsOut.Add(RemoteWriteCodec.Encode(request));
        }

        return new PromQlWorkload(firstMs, samples, requestsOut, series.Count);
    }

    private static Label[] Labels(string name, (string Name, string Value)[] labels) =>
        [new Label { Name = "__name__", Value = name }, .. labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => new Label { Name = l.Name, Value = l.Value })];

    private static double NextGaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
