using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Google.Protobuf.Collections;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Common;
using Vigil.Server.Otlp.Protos.Metrics;

namespace Vigil.Server.Otlp;

/// <summary>
/// OTLP metrics intake, transport-neutral: validates an export request, turns its points into Prometheus series by the
/// naming contract (<see cref="PrometheusNaming"/>, <see cref="SeriesLabelCache"/>), accumulates delta points into
/// running totals, appends the samples durably and answers with OTLP partial success for what it refused.
/// Points flagged NO_RECORDED_VALUE become Prometheus stale markers, so a series that stopped ends at once in queries.
/// </summary>
internal sealed class OtlpMetricsIngest
{
    /// <summary>Prometheus's stale marker: a NaN with this exact bit pattern ends a series.</summary>
    public static readonly double StaleMarker = BitConverter.UInt64BitsToDouble(0x7ff0000000000002);

    private const uint NoRecordedValue = (uint)DataPointFlags.NoRecordedValueMask;
    private const int MaxCachedNames = 8192;

    private readonly ConcurrentDictionary<(string Name, string Unit, PrometheusMetricKind Kind), string> _names = new();
    private readonly ITelemetryWriter _writer;
    private readonly SeriesLabelCache _labels;
    private readonly DeltaAccumulator _deltas;
    private readonly IntakeOptions _options;
    private readonly TimeProvider _time;
    private readonly VigilMetrics _metrics;
    private readonly MetricMetadataCatalog _metadata;
    private readonly Releases.ReleaseDetector? _releases;

    public OtlpMetricsIngest(ITelemetryWriter writer, SeriesLabelCache labels, DeltaAccumulator deltas, IntakeOptions options, TimeProvider time, VigilMetrics metrics, MetricMetadataCatalog metadata, Releases.ReleaseDetector? releases = null)
    {
        _releases = releases;
        _metadata = metadata;
        _writer = writer;
        _labels = labels;
        _deltas = deltas;
        _options = options;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Ingests one export request received over <paramref name="transport"/> (<c>grpc</c> or <c>http</c>).</summary>
    public async ValueTask<IngestOutcome> IngestAsync(ExportMetricsServiceRequest request, string transport, CancellationToken cancellationToken)
    {
        var rejections = new Rejections();
        List<SeriesSample> samples;
        long acceptedPoints;
        using (var conversion = new Conversion(this, rejections))
        {
            conversion.Run(request);
            samples = conversion.Samples;
            acceptedPoints = conversion.AcceptedPoints;
        }

        var refused = 0;
        if (samples.Count > 0)
        {
            try
            {
                var result = await _writer.AppendAsync(TelemetryBatch.OfSamples(samples), cancellationToken).ConfigureAwait(false);
                refused = result.RejectedSamples;
                if (refused > 0)
                {
                    // The store counts samples and OTLP counts points (a histogram point is many samples): report at
                    // most the points accepted so far, with the store's own reason.
                    rejections.Add(OtlpConstants.Reasons.StoreRefused, $"the store refused {refused} samples: {result.FirstRejectReason ?? "no reason given"}", Math.Min(refused, acceptedPoints));
                }
            }
            catch (StoreOverloadedException ex)
            {
                _metrics.IntakeRejected(OtlpConstants.Metrics, OtlpConstants.Reasons.Overloaded, samples.Count);
                _metrics.IntakeRequest(OtlpConstants.Outcomes.Overloaded);
                return IngestOutcome.Overloaded(ex.Message, ex.RetryAfter);
            }
        }

        _metrics.IntakeAccepted(OtlpConstants.Metrics, transport, samples.Count - refused);
        foreach (var (reason, count) in rejections.ByReason)
        {
            _metrics.IntakeRejected(OtlpConstants.Metrics, reason, count);
        }

        _metrics.IntakeRequest(rejections.Count == 0 ? OtlpConstants.Outcomes.Ok : OtlpConstants.Outcomes.Partial);
        return new IngestOutcome(IngestStatus.Accepted, rejections.Count, rejections.FirstMessage, TimeSpan.Zero);
    }

    /// <summary>Converts a request to samples without storing them (for tests and benchmarks).</summary>
    internal List<SeriesSample> Convert(ExportMetricsServiceRequest request, Rejections rejections)
    {
        using var conversion = new Conversion(this, rejections);
        conversion.Run(request);
        return conversion.Samples;
    }

    private string NameOf(Metric metric, PrometheusMetricKind kind)
    {
        var key = (metric.Name, metric.Unit, kind);
        if (_names.TryGetValue(key, out var name))
        {
            return name;
        }

        name = PrometheusNaming.MetricName(metric.Name, metric.Unit, kind);

        // A new family (or one evicted from the cache): tell /api/v1/metadata what it is.
        var (unit, per) = PrometheusNaming.UnitWordsOf(metric.Unit);
        _metadata.Observe(new MetricMetadata(name, kind switch
        {
            PrometheusMetricKind.Counter => MetricType.Counter,
            PrometheusMetricKind.Histogram => MetricType.Histogram,
            PrometheusMetricKind.Summary => MetricType.Summary,
            _ => MetricType.Gauge,
        }, metric.Description, per.Length == 0 ? unit : $"{unit}_per_{per}"));
        if (_names.Count >= MaxCachedNames)
        {
            _names.Clear();
        }

        _names.TryAdd(key, name);
        return name;
    }

    /// <summary>The state of converting one request: reused scratch buffers and the time window, no per-point allocation.</summary>
    private sealed class Conversion : IDisposable
    {
        private readonly OtlpMetricsIngest _ingest;
        private readonly Rejections _rejections;
        private readonly SeriesKey _key = new();
        private readonly long _receiveNanos;
        private readonly long _minMs;
        private readonly long _maxMs;
        private readonly List<double> _bounds = new(64);
        private readonly List<double> _counts = new(64);
        private ulong[] _positive = new ulong[64];
        private ulong[] _negative = new ulong[64];
        private long _resourceMaxMs;

        public Conversion(OtlpMetricsIngest ingest, Rejections rejections)
        {
            _ingest = ingest;
            _rejections = rejections;
            var now = ingest._time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            _receiveNanos = nowMs * 1_000_000;
            _minMs = nowMs - (long)ingest._options.MaxAge.TotalMilliseconds;
            _maxMs = nowMs + (long)ingest._options.MaxFutureSkew.TotalMilliseconds;
        }

        public List<SeriesSample> Samples { get; } = new(1024);

        public long AcceptedPoints { get; private set; }

        public void Run(ExportMetricsServiceRequest request)
        {
            foreach (var resourceMetrics in request.ResourceMetrics)
            {
                var resource = _ingest._labels.GetResource(resourceMetrics.Resource, _key);
                _ingest._releases?.Observe(resource.Labels);
                _resourceMaxMs = long.MinValue;
                foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
                {
                    foreach (var metric in scopeMetrics.Metrics)
                    {
                        Convert(resource, metric);
                    }
                }

                if (resource.TargetInfo is not null && _resourceMaxMs != long.MinValue)
                {
                    Samples.Add(new SeriesSample(resource.TargetInfo, _resourceMaxMs, 1));
                }
            }
        }

        public void Dispose() => _key.Dispose();

        private void Convert(ResourceInfo resource, Metric metric)
        {
            switch (metric.DataCase)
            {
                case Metric.DataOneofCase.Gauge:
                    Numbers(resource, metric, metric.Gauge.DataPoints, PrometheusMetricKind.Gauge, delta: false);
                    break;
                case Metric.DataOneofCase.Sum:
                    Numbers(
                        resource,
                        metric,
                        metric.Sum.DataPoints,
                        metric.Sum.IsMonotonic ? PrometheusMetricKind.Counter : PrometheusMetricKind.Gauge,
                        metric.Sum.AggregationTemporality == AggregationTemporality.Delta);
                    break;
                case Metric.DataOneofCase.Histogram:
                    var histogramName = Name(metric, PrometheusMetricKind.Histogram, metric.Histogram.DataPoints.Count);
                    if (histogramName is not null)
                    {
                        var delta = metric.Histogram.AggregationTemporality == AggregationTemporality.Delta;
                        foreach (var point in metric.Histogram.DataPoints)
                        {
                            Histogram(resource, histogramName, point, delta);
                        }
                    }

                    break;
                case Metric.DataOneofCase.ExponentialHistogram:
                    var exponentialName = Name(metric, PrometheusMetricKind.Histogram, metric.ExponentialHistogram.DataPoints.Count);
                    if (exponentialName is not null)
                    {
                        var delta = metric.ExponentialHistogram.AggregationTemporality == AggregationTemporality.Delta;
                        foreach (var point in metric.ExponentialHistogram.DataPoints)
                        {
                            Exponential(resource, exponentialName, point, delta);
                        }
                    }

                    break;
                case Metric.DataOneofCase.Summary:
                    var summaryName = Name(metric, PrometheusMetricKind.Summary, metric.Summary.DataPoints.Count);
                    if (summaryName is not null)
                    {
                        foreach (var point in metric.Summary.DataPoints)
                        {
                            Summary(resource, summaryName, point);
                        }
                    }

                    break;
            }
        }

        private string? Name(Metric metric, PrometheusMetricKind kind, int points)
        {
            var name = _ingest.NameOf(metric, kind);
            if (name.Length > 0)
            {
                return name;
            }

            _rejections.Add(
                OtlpConstants.Reasons.EmptyMetricName,
                _rejections.WantsMessage ? (metric.Name.Length == 0 ? "metric with an empty name" : $"metric name \"{metric.Name}\" has no letter or digit") : string.Empty,
                points);
            return null;
        }

        private void Numbers(ResourceInfo resource, Metric metric, RepeatedField<NumberDataPoint> points, PrometheusMetricKind kind, bool delta)
        {
            var name = Name(metric, kind, points.Count);
            if (name is null)
            {
                return;
            }

            foreach (var point in points)
            {
                if (!Timestamp(name, point.TimeUnixNano, out var timeNanos, out var ms) ||
                    Series(resource, name, kind, point.Attributes) is not { } series)
                {
                    continue;
                }

                double value;
                if ((point.Flags & NoRecordedValue) != 0)
                {
                    value = StaleMarker;
                }
                else
                {
                    value = point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;
                    if (delta)
                    {
                        var outcome = _ingest._deltas.AddSum(series.Series, (long)Math.Min(point.StartTimeUnixNano, long.MaxValue), timeNanos, value, out value);
                        if (!DeltaAccepted(outcome, name))
                        {
                            continue;
                        }
                    }
                }

                Samples.Add(new SeriesSample(series.Series, ms, value));
                Accepted(ms);
            }
        }

        private void Histogram(ResourceInfo resource, string name, HistogramDataPoint point, bool delta)
        {
            if (!Timestamp(name, point.TimeUnixNano, out var timeNanos, out var ms))
            {
                return;
            }

            var bucketCounts = point.BucketCounts;
            var explicitBounds = point.ExplicitBounds;
            var boundCount = bucketCounts.Count == 0 ? 0 : explicitBounds.Count;
            if (bucketCounts.Count != 0 && bucketCounts.Count != explicitBounds.Count + 1)
            {
                Reject(OtlpConstants.Reasons.InvalidHistogram, name, $"{bucketCounts.Count} bucket counts for {explicitBounds.Count} bounds (expected one more count than bounds)");
                return;
            }

            _bounds.Clear();
            _counts.Clear();
            for (var i = 0; i < boundCount; i++)
            {
                var bound = explicitBounds[i];
                if (double.IsNaN(bound) || (i > 0 && bound <= explicitBounds[i - 1]))
                {
                    Reject(OtlpConstants.Reasons.InvalidHistogram, name, "explicit bounds are not strictly increasing");
                    return;
                }

                _bounds.Add(bound);
                _counts.Add(bucketCounts[i]);
            }

            // The +Inf bucket holds the rest of the count (whatever the last explicit bucket says).
            _counts.Add(bucketCounts.Count == 0 ? point.Count : bucketCounts[^1]);
            if (double.IsPositiveInfinity(_bounds.Count > 0 ? _bounds[^1] : 0))
            {
                _counts[^2] += _counts[^1];
                _counts.RemoveAt(_counts.Count - 1);
                _bounds.RemoveAt(_bounds.Count - 1);
            }

            EmitHistogram(resource, name, point.Attributes, point.Flags, point.StartTimeUnixNano, timeNanos, ms, point.HasSum ? point.Sum : double.NaN, point.Count, delta);
        }

        private void Exponential(ResourceInfo resource, string name, ExponentialHistogramDataPoint point, bool delta)
        {
            if (!Timestamp(name, point.TimeUnixNano, out var timeNanos, out var ms))
            {
                return;
            }

            _bounds.Clear();
            _counts.Clear();
            var positive = Copy(point.Positive?.BucketCounts, ref _positive);
            var negative = Copy(point.Negative?.BucketCounts, ref _negative);
            if (!Base2Buckets.Convert(
                    point.Scale,
                    point.ZeroThreshold,
                    point.ZeroCount,
                    point.Positive?.Offset ?? 0,
                    positive,
                    point.Negative?.Offset ?? 0,
                    negative,
                    _bounds,
                    _counts))
            {
                Reject(OtlpConstants.Reasons.InvalidHistogram, name, $"scale {point.Scale} is outside [{Base2Buckets.MinScale}, {Base2Buckets.MaxScale}]");
                return;
            }

            double inBuckets = 0;
            foreach (var count in _counts)
            {
                inBuckets += count;
            }

            _counts.Add(Math.Max(0, point.Count - inBuckets));
            EmitHistogram(resource, name, point.Attributes, point.Flags, point.StartTimeUnixNano, timeNanos, ms, point.HasSum ? point.Sum : double.NaN, point.Count, delta);
        }

        // Emits _bucket (cumulative, with +Inf), _sum and _count from _bounds and the per-bucket _counts (one more than
        // the bounds).
        private void EmitHistogram(ResourceInfo resource, string name, RepeatedField<KeyValue> attributes, uint flags, ulong startNanos, long timeNanos, long ms, double sum, double count, bool delta)
        {
            if (Series(resource, name, PrometheusMetricKind.Histogram, attributes) is not { } series)
            {
                return;
            }

            ReadOnlySpan<double> bounds = CollectionsMarshal.AsSpan(_bounds);
            ReadOnlySpan<double> counts = CollectionsMarshal.AsSpan(_counts);
            var stale = (flags & NoRecordedValue) != 0;
            if (delta && !stale)
            {
                var outcome = _ingest._deltas.AddHistogram(series.Count, (long)Math.Min(startNanos, long.MaxValue), timeNanos, bounds, counts, double.IsNaN(sum) ? 0 : sum, count, out var cumulative);
                if (!DeltaAccepted(outcome, name))
                {
                    return;
                }

                bounds = cumulative!.Bounds;
                counts = cumulative.BucketCounts;
                sum = double.IsNaN(sum) ? double.NaN : cumulative.Sum;
                count = cumulative.Count;
            }

            var bucketLabels = series.Buckets(bounds, histogram: true);
            double running = 0;
            for (var i = 0; i < bucketLabels.Length; i++)
            {
                running += counts[i];
                var value = stale ? StaleMarker : i == bucketLabels.Length - 1 ? Math.Max(running, count) : running;
                Samples.Add(new SeriesSample(bucketLabels[i], ms, value));
            }

            if (!double.IsNaN(sum) || stale)
            {
                Samples.Add(new SeriesSample(series.Sum, ms, stale ? StaleMarker : sum));
            }

            Samples.Add(new SeriesSample(series.Count, ms, stale ? StaleMarker : count));
            Accepted(ms);
        }

        private void Summary(ResourceInfo resource, string name, SummaryDataPoint point)
        {
            if (!Timestamp(name, point.TimeUnixNano, out _, out var ms) ||
                Series(resource, name, PrometheusMetricKind.Summary, point.Attributes) is not { } series)
            {
                return;
            }

            _bounds.Clear();
            foreach (var quantile in point.QuantileValues)
            {
                _bounds.Add(quantile.Quantile);
            }

            var stale = (point.Flags & NoRecordedValue) != 0;
            var quantileLabels = series.Buckets(CollectionsMarshal.AsSpan(_bounds), histogram: false);
            for (var i = 0; i < quantileLabels.Length; i++)
            {
                Samples.Add(new SeriesSample(quantileLabels[i], ms, stale ? StaleMarker : point.QuantileValues[i].Value));
            }

            Samples.Add(new SeriesSample(series.Sum, ms, stale ? StaleMarker : point.Sum));
            Samples.Add(new SeriesSample(series.Count, ms, stale ? StaleMarker : point.Count));
            Accepted(ms);
        }

        private SeriesEntry? Series(ResourceInfo resource, string name, PrometheusMetricKind kind, RepeatedField<KeyValue> attributes)
        {
            var entry = _ingest._labels.GetSeries(resource, name, kind, attributes, _key);
            if (entry.RejectReason is null)
            {
                return entry;
            }

            _rejections.Add(entry.RejectReason, entry.RejectMessage!);
            return null;
        }

        private bool Timestamp(string name, ulong timeUnixNano, out long nanos, out long ms)
        {
            nanos = timeUnixNano == 0 ? _receiveNanos : (long)Math.Min(timeUnixNano, long.MaxValue);
            ms = nanos / 1_000_000;
            if (ms < _minMs)
            {
                Reject(OtlpConstants.Reasons.TooOld, name, $"timestamp {FormatMs(ms)} is older than the limit of {_ingest._options.MaxAge}");
                return false;
            }

            if (ms > _maxMs)
            {
                Reject(OtlpConstants.Reasons.TooFarInFuture, name, $"timestamp {FormatMs(ms)} is more than {_ingest._options.MaxFutureSkew} in the future");
                return false;
            }

            return true;
        }

        private bool DeltaAccepted(DeltaOutcome outcome, string name)
        {
            switch (outcome)
            {
                case DeltaOutcome.Accepted:
                    return true;
                case DeltaOutcome.SeriesLimit:
                    Reject(OtlpConstants.Reasons.DeltaSeriesLimit, name, $"delta series limit of {_ingest._options.MaxDeltaSeries} reached");
                    return false;
                default:
                    Reject(OtlpConstants.Reasons.OutOfOrder, name, "delta point not later than the series' previous point");
                    return false;
            }
        }

        private void Reject(string reason, string name, string detail)
        {
            // The message is only built for the first rejection of the request.
            _rejections.Add(reason, _rejections.WantsMessage ? $"metric {name}: {detail}" : string.Empty);
        }

        private void Accepted(long ms)
        {
            AcceptedPoints++;
            if (ms > _resourceMaxMs)
            {
                _resourceMaxMs = ms;
            }
        }

        private static ReadOnlySpan<ulong> Copy(RepeatedField<ulong>? source, ref ulong[] scratch)
        {
            if (source is null || source.Count == 0)
            {
                return [];
            }

            if (scratch.Length < source.Count)
            {
                scratch = new ulong[Math.Max(source.Count, scratch.Length * 2)];
            }

            source.CopyTo(scratch, 0);
            return scratch.AsSpan(0, source.Count);
        }

        private static string FormatMs(long ms) =>
            ms is > -62135596800000 and < 253402300800000
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", System.Globalization.CultureInfo.InvariantCulture)
                : ms.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ms";
    }
}
