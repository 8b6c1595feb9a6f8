using System.Globalization;

namespace Vigil.Core.Telemetry.Intake;

/// <summary>
/// Span-to-RED aggregation at intake, as the OpenTelemetry collector's spanmetrics connector does it: every accepted
/// span counts one call and observes its duration, per (service, version, environment, span name, kind, status).
/// <see cref="Collect"/> returns the current cumulative series (ARCHITECTURE.md naming contract):
/// <c>traces_span_metrics_calls_total</c> and the histogram <c>traces_span_metrics_duration_seconds</c> with
/// <c>_bucket{le}</c> (all <see cref="DurationBounds"/> every time, so <c>rate</c> and <c>histogram_quantile</c> see a
/// fixed bucket layout), <c>_sum</c> and <c>_count</c>. Memory is bounded by <see cref="SpanMetricsOptions.MaxSeries"/>
/// label sets; spans of further label sets are counted in one overflow label set <c>otel_metric_overflow="true"</c>.
/// Thread-safe.
/// </summary>
public sealed class SpanMetricsAggregator
{
    /// <summary>The calls counter.</summary>
    public const string CallsMetric = "traces_span_metrics_calls_total";

    /// <summary>The duration histogram's base name.</summary>
    public const string DurationMetric = "traces_span_metrics_duration_seconds";

    /// <summary>The label marking the overflow label set.</summary>
    public const string OverflowLabel = "otel_metric_overflow";

    /// <summary>
    /// Upper bounds of the duration buckets, in seconds: 1 ms times 2^(i/16) for i = 0..240 (up to about 32.8 s),
    /// rounded to four significant digits for readable <c>le</c> labels. Neighbours are about 4.4% apart (never more
    /// than 5%), so a 5% latency shift always crosses a bucket bound.
    /// </summary>
    public static readonly IReadOnlyList<double> DurationBounds = BuildBounds();

    private static readonly double[] Bounds = [.. DurationBounds];
    private static readonly string[] BoundLabels = [.. Bounds.Select(PrometheusNaming.FormatFloat), "+Inf"];

    private readonly Dictionary<Key, Series> _series = [];
    private readonly Lock _lock = new();
    private readonly SpanMetricsOptions _options;
    private Series? _overflow;
    private long _lastCollectMs = long.MinValue;

    /// <summary>Creates an aggregator with the given limits.</summary>
    public SpanMetricsAggregator(SpanMetricsOptions options)
    {
        _options = options;
    }

    /// <summary>The number of label sets tracked (the overflow label set included).</summary>
    public int SeriesCount
    {
        get
        {
            lock (_lock)
            {
                return _series.Count + (_overflow is null ? 0 : 1);
            }
        }
    }

    /// <summary>Observes one span.</summary>
    public void Observe(SpanRecord span) =>
        Observe(span.Resource.ServiceName, span.Resource.ServiceVersion, span.Resource.Environment, span.Name, span.Kind, span.StatusCode, span.DurationSeconds);

    /// <summary>Observes one span given its label values and duration in seconds (negative counts as zero).</summary>
    public void Observe(string serviceName, string serviceVersion, string environment, string spanName, SpanKind kind, SpanStatusCode status, double durationSeconds)
    {
        var key = new Key(serviceName, serviceVersion, environment, spanName, kind, status);
        var duration = double.IsNaN(durationSeconds) || durationSeconds < 0 ? 0 : durationSeconds;
        var bucket = Array.BinarySearch(Bounds, duration);
        if (bucket < 0)
        {
            bucket = ~bucket;
        }

        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                if (_series.Count >= _options.MaxSeries)
                {
                    series = _overflow ??= new Series(null);
                }
                else
                {
                    series = new Series(key);
                    _series.Add(key, series);
                }
            }

            series.Calls++;
            series.Buckets[bucket]++;
            series.Sum += duration;
            series.Touched = true;
        }
    }

    /// <summary>
    /// The current cumulative value of every label set, stamped <paramref name="now"/>. Label sets without a span for
    /// longer than <see cref="SpanMetricsOptions.IdleExpiry"/> are dropped first.
    /// </summary>
    public IReadOnlyList<SeriesSample> Collect(DateTimeOffset now)
    {
        var timestampMs = now.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            List<Key>? expired = null;
            foreach (var (key, series) in _series)
            {
                if (series.Touched)
                {
                    series.LastSeen = now;
                    series.Touched = false;
                }
                else if (now - series.LastSeen > _options.IdleExpiry)
                {
                    (expired ??= []).Add(key);
                }
            }

            if (expired is not null)
            {
                foreach (var key in expired)
                {
                    _series.Remove(key);
                }
            }

            // A label set seen for the first time also gets a zero at the previous collect, when it did not exist yet,
            // so that increase() and rate() count its first spans (Prometheus's created-timestamp zero injection).
            var zeroAtMs = _lastCollectMs != long.MinValue && _lastCollectMs < timestampMs ? _lastCollectMs : timestampMs - 1;
            var count = _series.Count + (_overflow is null ? 0 : 1);
            var samples = new List<SeriesSample>(count * (Bounds.Length + 4));
            foreach (var series in _series.Values)
            {
                series.Emit(samples, timestampMs, zeroAtMs);
            }

            _overflow?.Emit(samples, timestampMs, zeroAtMs);
            _lastCollectMs = timestampMs;
            return samples;
        }
    }

    /// <summary>The OTel collector's label value for a span kind (<c>SPAN_KIND_SERVER</c>, ...).</summary>
    public static string KindLabel(SpanKind kind) => kind switch
    {
        SpanKind.Internal => "SPAN_KIND_INTERNAL",
        SpanKind.Server => "SPAN_KIND_SERVER",
        SpanKind.Client => "SPAN_KIND_CLIENT",
        SpanKind.Producer => "SPAN_KIND_PRODUCER",
        SpanKind.Consumer => "SPAN_KIND_CONSUMER",
        _ => "SPAN_KIND_UNSPECIFIED",
    };

    /// <summary>The OTel collector's label value for a status code (<c>STATUS_CODE_ERROR</c>, ...).</summary>
    public static string StatusLabel(SpanStatusCode status) => status switch
    {
        SpanStatusCode.Ok => "STATUS_CODE_OK",
        SpanStatusCode.Error => "STATUS_CODE_ERROR",
        _ => "STATUS_CODE_UNSET",
    };

    private static double[] BuildBounds()
    {
        var bounds = new double[241];
        for (var i = 0; i < bounds.Length; i++)
        {
            var exact = 0.001 * Math.Pow(2, i / 16.0);
            bounds[i] = double.Parse(exact.ToString("G4", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return bounds;
    }

    private readonly record struct Key(string ServiceName, string ServiceVersion, string Environment, string SpanName, SpanKind Kind, SpanStatusCode Status);

    private sealed class Series(Key? key)
    {
        public readonly long[] Buckets = new long[Bounds.Length + 1];
        public long Calls;
        public double Sum;
        public bool Touched;
        public DateTimeOffset LastSeen;

        // Built on the first collect and reused: a label set writes 245 series every flush.
        private LabelSet[]? _labels;

        public void Emit(List<SeriesSample> samples, long timestampMs, long zeroAtMs)
        {
            if (_labels is null)
            {
                _labels = BuildLabels();
                foreach (var label in _labels)
                {
                    samples.Add(new SeriesSample(label, zeroAtMs, 0));
                }
            }

            var labels = _labels;
            samples.Add(new SeriesSample(labels[0], timestampMs, Calls));
            long cumulative = 0;
            for (var i = 0; i < Buckets.Length; i++)
            {
                cumulative += Buckets[i];
                samples.Add(new SeriesSample(labels[1 + i], timestampMs, cumulative));
            }

            samples.Add(new SeriesSample(labels[^2], timestampMs, Sum));
            samples.Add(new SeriesSample(labels[^1], timestampMs, Calls));
        }

        private LabelSet[] BuildLabels()
        {
            var common = new List<Label>(8);
            if (key is { } k)
            {
                common.Add(new Label(PromotedLabels.ServiceName, k.ServiceName));
                common.Add(new Label(PromotedLabels.ServiceVersion, k.ServiceVersion));
                common.Add(new Label(PromotedLabels.DeploymentEnvironmentName, k.Environment));
                common.Add(new Label("span_name", k.SpanName));
                common.Add(new Label("span_kind", KindLabel(k.Kind)));
                common.Add(new Label("status_code", StatusLabel(k.Status)));
            }
            else
            {
                common.Add(new Label(OverflowLabel, "true"));
            }

            var result = new LabelSet[Buckets.Length + 3];
            result[0] = With(common, CallsMetric, null);
            for (var i = 0; i < Buckets.Length; i++)
            {
                result[1 + i] = With(common, DurationMetric + "_bucket", BoundLabels[i]);
            }

            result[^2] = With(common, DurationMetric + "_sum", null);
            result[^1] = With(common, DurationMetric + "_count", null);
            return result;
        }

        private static LabelSet With(List<Label> common, string name, string? le)
        {
            var labels = new List<Label>(common.Count + 2) { new(LabelSet.MetricNameLabel, name) };
            labels.AddRange(common);
            if (le is not null)
            {
                labels.Add(new Label("le", le));
            }

            return LabelSet.From(labels);
        }
    }
}
