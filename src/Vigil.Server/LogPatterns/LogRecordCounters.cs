using System.Collections.Concurrent;
using Vigil.Core.Telemetry;

namespace Vigil.Server.LogPatterns;

/// <summary>
/// Cumulative counts of log records per (service, version, environment, template id, severity), written as
/// <c>vigil_log_records_total</c>. Bounded: at most <c>maxSeries</c> label sets; records of a label set that would
/// exceed it are counted in one series labelled <c>vigil_overflow="true"</c> (never dropped, never evicted, so every
/// series stays cumulative).
/// </summary>
internal sealed class LogRecordCounters(int maxSeries)
{
    /// <summary>The metric name.</summary>
    public const string MetricName = "vigil_log_records_total";

    /// <summary>The label of the series that counts records of label sets over the bound.</summary>
    public const string OverflowLabel = "vigil_overflow";

    private readonly ConcurrentDictionary<Key, Counter> _counters = new();
    private readonly Counter _overflow = new(LabelSet.From((LabelSet.MetricNameLabel, MetricName), (OverflowLabel, "true")));
    private int _count;
    private long _lastCollectMs = long.MinValue;

    /// <summary>Series held (the overflow series not included).</summary>
    public int SeriesCount => Volatile.Read(ref _count);

    /// <summary>Adds one record.</summary>
    public void Add(string service, string version, string environment, string templateId, string severity)
    {
        var key = new Key(service, version, environment, templateId, severity);
        if (!_counters.TryGetValue(key, out var counter))
        {
            if (Interlocked.Increment(ref _count) > maxSeries)
            {
                Interlocked.Decrement(ref _count);
                Interlocked.Increment(ref _overflow.Value);
                return;
            }

            var created = new Counter(LabelSet.From(
                (LabelSet.MetricNameLabel, MetricName),
                (PromotedLabels.ServiceName, service),
                (PromotedLabels.ServiceVersion, version),
                (PromotedLabels.DeploymentEnvironmentName, environment),
                ("template_id", templateId),
                ("severity", severity)));
            counter = _counters.GetOrAdd(key, created);
            if (!ReferenceEquals(counter, created))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        Interlocked.Increment(ref counter.Value);
    }

    /// <summary>
    /// The current totals of every series, stamped <paramref name="timestampMs"/>. A series collected for the first
    /// time also gets a zero at the previous collect (when it did not exist yet), so that <c>increase()</c> counts its
    /// first records: a template new in a release is counted from its first record. Called by one flusher at a time.
    /// </summary>
    public List<SeriesSample> Collect(long timestampMs)
    {
        var zeroAtMs = _lastCollectMs != long.MinValue && _lastCollectMs < timestampMs ? _lastCollectMs : timestampMs - 1;
        var samples = new List<SeriesSample>(_counters.Count + 1);
        foreach (var counter in _counters.Values)
        {
            AddSamples(samples, counter, Volatile.Read(ref counter.Value), timestampMs, zeroAtMs);
        }

        var overflow = Volatile.Read(ref _overflow.Value);
        if (overflow > 0)
        {
            AddSamples(samples, _overflow, overflow, timestampMs, zeroAtMs);
        }

        _lastCollectMs = timestampMs;
        return samples;
    }

    private static void AddSamples(List<SeriesSample> samples, Counter counter, long value, long timestampMs, long zeroAtMs)
    {
        if (!counter.Collected)
        {
            counter.Collected = true;
            samples.Add(new SeriesSample(counter.Labels, zeroAtMs, 0));
        }

        samples.Add(new SeriesSample(counter.Labels, timestampMs, value));
    }

    /// <summary>The severity label: the OTLP severity text lower-cased, else the name of the severity number's range.</summary>
    public static string SeverityLabel(string severityText, int severityNumber)
    {
        if (!string.IsNullOrEmpty(severityText))
        {
            return severityText.Length <= 32 ? severityText.ToLowerInvariant() : severityText[..32].ToLowerInvariant();
        }

        return severityNumber switch
        {
            >= 1 and <= 4 => "trace",
            >= 5 and <= 8 => "debug",
            >= 9 and <= 12 => "info",
            >= 13 and <= 16 => "warn",
            >= 17 and <= 20 => "error",
            >= 21 and <= 24 => "fatal",
            _ => "unspecified",
        };
    }

    private readonly record struct Key(string Service, string Version, string Environment, string TemplateId, string Severity);

    private sealed class Counter(LabelSet labels)
    {
        public long Value;

        public bool Collected;

        public LabelSet Labels { get; } = labels;
    }
}
