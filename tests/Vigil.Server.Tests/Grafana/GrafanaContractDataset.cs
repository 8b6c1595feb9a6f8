using System.Globalization;
using System.Text;

namespace Vigil.Server.Tests.Grafana;

/// <summary>
/// The small, deterministic dataset both servers hold for the Grafana contract tests: span-metric counters (with one
/// counter reset), a span-duration histogram, and a gauge whose label values need escaping. Samples every 15 s for 40
/// minutes, 3 s off the step grid so Prometheus 2.x and 3.x range boundaries cannot differ. Written once as OpenMetrics
/// (for promtool) and once as remote-write series (for Vigil); families carry type and help for /api/v1/metadata.
/// </summary>
internal sealed class GrafanaContractDataset
{
    /// <summary>Sample spacing.</summary>
    public const int StepSeconds = 15;

    /// <summary>Samples per series.</summary>
    public const int SampleCount = 161;

    private static readonly string[] Services = ["cart", "checkout", "payments"];
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    private GrafanaContractDataset(long baseSeconds)
    {
        BaseSeconds = baseSeconds;
        Series = Build(baseSeconds);
    }

    /// <summary>A multiple of 60 s; the first sample is 3 s after it.</summary>
    public long BaseSeconds { get; }

    /// <summary>The query window start: 10 minutes after the base.</summary>
    public long QueryStart => BaseSeconds + 600;

    /// <summary>The query window end: 40 minutes after the base (the last sample is 3 s later).</summary>
    public long QueryEnd => BaseSeconds + 2400;

    /// <summary>Every series with its samples (Unix milliseconds, value).</summary>
    public IReadOnlyList<DatasetSeries> Series { get; }

    /// <summary>The metric families (name, Prometheus type, help) in the dataset.</summary>
    public static IReadOnlyList<(string Name, string Type, string Help)> Families { get; } =
    [
        ("traces_span_metrics_calls_total", "counter", "Spans completed, by service, span and status."),
        ("traces_span_metrics_duration_seconds", "histogram", "Span duration in seconds."),
        ("vigil_probe_temperature_celsius", "gauge", "A probe's temperature; label values need escaping."),
    ];

    /// <summary>A dataset whose samples end about 20 minutes before <paramref name="now"/>.</summary>
    public static GrafanaContractDataset EndingBefore(DateTimeOffset now)
    {
        var minute = now.ToUnixTimeSeconds() / 60 * 60;
        return new GrafanaContractDataset(minute - 3600);
    }

    /// <summary>Replaces the <c>${...}</c> placeholders of the request list with this dataset's times.</summary>
    public string Expand(string text)
    {
        var mid = (QueryStart + QueryEnd) / 2;
        return text
            .Replace("${startFrac}", Seconds(QueryStart) + ".123", StringComparison.Ordinal)
            .Replace("${endFrac}", Seconds(QueryEnd) + ".123", StringComparison.Ordinal)
            .Replace("${startMs}", Seconds(QueryStart * 1000), StringComparison.Ordinal)
            .Replace("${endMs}", Seconds(QueryEnd * 1000), StringComparison.Ordinal)
            .Replace("${start}", Seconds(QueryStart), StringComparison.Ordinal)
            .Replace("${end}", Seconds(QueryEnd), StringComparison.Ordinal)
            .Replace("${mid}", Seconds(mid), StringComparison.Ordinal);
    }

    /// <summary>The dataset as OpenMetrics text with timestamps, ending in <c># EOF</c>, for promtool.</summary>
    public string ToOpenMetrics()
    {
        var text = new StringBuilder();
        foreach (var (family, type, help) in Families)
        {
            // OpenMetrics names a counter family without its _total suffix.
            var familyName = type == "counter" ? family[..^"_total".Length] : family;
            text.Append("# TYPE ").Append(familyName).Append(' ').Append(type).Append('\n');
            text.Append("# HELP ").Append(familyName).Append(' ').Append(help).Append('\n');
            foreach (var series in Series.Where(s => FamilyOf(s.Name) == family))
            {
                var labels = FormatLabels(series.Labels);
                foreach (var (timeMs, value) in series.Samples)
                {
                    text.Append(labels).Append(' ').Append(FormatValue(value)).Append(' ')
                        .Append((timeMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        return text.Append("# EOF\n").ToString();
    }

    /// <summary>The families as Prometheus text exposition (HELP, TYPE and one current sample each), for a scrape that records metadata.</summary>
    public string ToScrapeExposition()
    {
        var text = new StringBuilder();
        foreach (var (family, type, help) in Families)
        {
            text.Append("# HELP ").Append(family).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(family).Append(' ').Append(type).Append('\n');
            // One series of a counter or gauge; every bucket, sum and count of one service of a histogram.
            var sample = type == "histogram"
                ? Series.Where(s => FamilyOf(s.Name) == family && s.Labels.Contains(new("service_name", "cart")))
                : [Series.First(s => FamilyOf(s.Name) == family)];
            foreach (var series in sample)
            {
                text.Append(FormatLabels(series.Labels)).Append(' ').Append(FormatValue(series.Samples[^1].Value)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The family a series belongs to (histogram series share their family's name).</summary>
    public static string FamilyOf(string name) =>
        Families.Select(f => f.Name).FirstOrDefault(f => name == f || (name.StartsWith(f, StringComparison.Ordinal) && name[f.Length..] is "_bucket" or "_sum" or "_count"))
        ?? throw new InvalidOperationException("no family for " + name);

    private static List<DatasetSeries> Build(long baseSeconds)
    {
        var series = new List<DatasetSeries>();
        var firstMs = (baseSeconds + 3) * 1000;
        long TimeAt(int i) => firstMs + (i * StepSeconds * 1000L);

        for (var s = 0; s < Services.Length; s++)
        {
            var service = Services[s];
            foreach (var span in new[] { "GET /items", "POST /orders" })
            {
                foreach (var status in new[] { "STATUS_CODE_UNSET", "STATUS_CODE_ERROR" })
                {
                    var perStep = (status == "STATUS_CODE_ERROR" ? 0.5 : 12.0) * (s + 1) * (span[0] == 'G' ? 2 : 1);
                    var samples = new List<(long, double)>();
                    var value = 100.0 * (s + 1);
                    for (var i = 0; i < SampleCount; i++)
                    {
                        // A restart of one payments instance halfway through: the counter starts again.
                        if (service == "payments" && span[0] == 'P' && status == "STATUS_CODE_UNSET" && i == 80)
                        {
                            value = 0;
                        }

                        value += perStep + (i % 7);
                        samples.Add((TimeAt(i), value));
                    }

                    series.Add(new DatasetSeries(
                        [
                            new("__name__", "traces_span_metrics_calls_total"),
                            new("deployment_environment_name", "production"),
                            new("instance", service + "-0"),
                            new("job", "shop/" + service),
                            new("service_name", service),
                            new("span_kind", "SPAN_KIND_SERVER"),
                            new("span_name", span),
                            new("status_code", status),
                        ],
                        samples));
                }
            }

            // Histogram: per step, 20 + 5s requests spread over the buckets; the slowest service shifts up halfway.
            var cumulative = new double[Buckets.Length + 1];
            var bucketSamples = Enumerable.Range(0, Buckets.Length + 1).Select(_ => new List<(long, double)>()).ToList();
            var sum = 0.0;
            var sumSamples = new List<(long, double)>();
            var countSamples = new List<(long, double)>();
            for (var i = 0; i < SampleCount; i++)
            {
                var shift = service == "payments" && i >= 80 ? 2 : 0;
                var requests = 20 + (5 * s) + (i % 5);
                for (var r = 0; r < requests; r++)
                {
                    var bucket = Math.Min(Buckets.Length, ((r * 7) + i) % 6 + shift);
                    for (var b = bucket; b <= Buckets.Length; b++)
                    {
                        cumulative[b]++;
                    }

                    sum += bucket < Buckets.Length ? Buckets[bucket] * 0.8 : 1.5;
                }

                for (var b = 0; b <= Buckets.Length; b++)
                {
                    bucketSamples[b].Add((TimeAt(i), cumulative[b]));
                }

                sumSamples.Add((TimeAt(i), Math.Round(sum, 6)));
                countSamples.Add((TimeAt(i), cumulative[Buckets.Length]));
            }

            for (var b = 0; b <= Buckets.Length; b++)
            {
                var le = b < Buckets.Length ? Buckets[b].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
                series.Add(new DatasetSeries(HistogramLabels("traces_span_metrics_duration_seconds_bucket", service, le), bucketSamples[b]));
            }

            series.Add(new DatasetSeries(HistogramLabels("traces_span_metrics_duration_seconds_sum", service, null), sumSamples));
            series.Add(new DatasetSeries(HistogramLabels("traces_span_metrics_duration_seconds_count", service, null), countSamples));
        }

        foreach (var (room, offset) in new[] { ("server \"A\" \\ rack 1", 0.0), ("kühlraum-ü", 4.5) })
        {
            var samples = new List<(long, double)>();
            for (var i = 0; i < SampleCount; i++)
            {
                samples.Add((TimeAt(i), 20.25 + offset + Math.Sin(i / 10.0)));
            }

            series.Add(new DatasetSeries(
                [
                    new("__name__", "vigil_probe_temperature_celsius"),
                    new("instance", "probe-1"),
                    new("job", "probes"),
                    new("room", room),
                ],
                samples));
        }

        return series;
    }

    private static List<KeyValuePair<string, string>> HistogramLabels(string name, string service, string? le)
    {
        var labels = new List<KeyValuePair<string, string>>
        {
            new("__name__", name),
            new("service_name", service),
            new("span_kind", "SPAN_KIND_SERVER"),
        };
        if (le is not null)
        {
            labels.Insert(1, new("le", le));
        }

        return labels;
    }

    private static string FormatLabels(IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        var text = new StringBuilder(labels[0].Value).Append('{');
        for (var i = 1; i < labels.Count; i++)
        {
            if (i > 1)
            {
                text.Append(',');
            }

            text.Append(labels[i].Key).Append("=\"")
                .Append(labels[i].Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('"');
        }

        return text.Append('}').ToString();
    }

    private static string FormatValue(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Seconds(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One series: labels sorted by name with <c>__name__</c> first, and its samples.</summary>
internal sealed record DatasetSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, IReadOnlyList<(long TimeMs, double Value)> Samples)
{
    /// <summary>The metric name.</summary>
    public string Name => Labels[0].Value;
}
