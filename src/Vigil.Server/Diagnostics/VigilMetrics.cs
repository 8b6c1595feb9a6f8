using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Vigil.Server.Diagnostics;

/// <summary>
/// Vigil's own metrics, written at <c>/metrics</c> in the Prometheus text format. Counters are keyed by a small,
/// fixed set of label values (signal, reason, endpoint), so the number of series stays bounded.
/// </summary>
public sealed class VigilMetrics
{
    /// <summary>Upper bounds, in seconds, of the query latency histogram.</summary>
    public static readonly double[] QueryLatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Bounded: the reason strings come from a fixed vocabulary in code, never from request input.
    private const int MaxKeys = 512;
    private readonly ConcurrentDictionary<(string Signal, string Transport), long> _accepted = new();
    private readonly ConcurrentDictionary<(string Signal, string Reason), long> _rejected = new();
    private readonly ConcurrentDictionary<string, long> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _queryLatency = new();
    private readonly List<Action<StringBuilder>> _extra = [];

    /// <summary>Counts items (samples, log records, spans) accepted at intake.</summary>
    public void IntakeAccepted(string signal, string transport, long count)
    {
        if (count > 0 && (_accepted.Count < MaxKeys || _accepted.ContainsKey((signal, transport))))
        {
            _accepted.AddOrUpdate((signal, transport), count, (_, v) => v + count);
        }
    }

    /// <summary>Counts items rejected at intake, by a reason from a fixed vocabulary (e.g. <c>too_old</c>, <c>series_limit</c>, <c>overloaded</c>).</summary>
    public void IntakeRejected(string signal, string reason, long count)
    {
        if (count > 0 && (_rejected.Count < MaxKeys || _rejected.ContainsKey((signal, reason))))
        {
            _rejected.AddOrUpdate((signal, reason), count, (_, v) => v + count);
        }
    }

    /// <summary>Counts an intake request that answered with the given outcome (e.g. <c>ok</c>, <c>bad_request</c>, <c>overloaded</c>).</summary>
    public void IntakeRequest(string outcome)
    {
        if (_requests.Count < MaxKeys || _requests.ContainsKey(outcome))
        {
            _requests.AddOrUpdate(outcome, 1, (_, v) => v + 1);
        }
    }

    /// <summary>Records the latency of one query API call.</summary>
    public void QueryLatency(string endpoint, TimeSpan elapsed)
    {
        if (_queryLatency.Count >= MaxKeys && !_queryLatency.ContainsKey(endpoint))
        {
            return;
        }

        _queryLatency.GetOrAdd(endpoint, _ => new Histogram(QueryLatencyBuckets)).Observe(elapsed.TotalSeconds);
    }

    /// <summary>The accepted count for a signal over all transports (for tests and the bench).</summary>
    public long AcceptedTotal(string signal) => _accepted.Where(kv => kv.Key.Signal == signal).Sum(kv => kv.Value);

    /// <summary>The rejected count for a signal and reason.</summary>
    public long Rejected(string signal, string reason) => _rejected.TryGetValue((signal, reason), out var v) ? v : 0;

    /// <summary>Adds a writer of more metric families (a component's own counters) to <see cref="WriteTo"/>.</summary>
    public void Register(Action<StringBuilder> write)
    {
        lock (_extra)
        {
            _extra.Add(write);
        }
    }

    /// <summary>Writes every metric in the Prometheus text exposition format (version 0.0.4).</summary>
    public void WriteTo(StringBuilder sb)
    {
        lock (_extra)
        {
            foreach (var write in _extra)
            {
                write(sb);
            }
        }

        sb.Append("# HELP vigil_intake_items_total Items (samples, log records, spans) accepted at intake.\n");
        sb.Append("# TYPE vigil_intake_items_total counter\n");
        foreach (var ((signal, transport), value) in _accepted.OrderBy(kv => kv.Key))
        {
            sb.Append(CultureInfo.InvariantCulture, $"vigil_intake_items_total{{signal=\"{signal}\",transport=\"{transport}\"}} {value}\n");
        }

        sb.Append("# HELP vigil_intake_rejected_items_total Items rejected at intake, by reason.\n");
        sb.Append("# TYPE vigil_intake_rejected_items_total counter\n");
        foreach (var ((signal, reason), value) in _rejected.OrderBy(kv => kv.Key))
        {
            sb.Append(CultureInfo.InvariantCulture, $"vigil_intake_rejected_items_total{{signal=\"{signal}\",reason=\"{reason}\"}} {value}\n");
        }

        sb.Append("# HELP vigil_intake_requests_total Intake requests, by outcome.\n");
        sb.Append("# TYPE vigil_intake_requests_total counter\n");
        foreach (var (outcome, value) in _requests.OrderBy(kv => kv.Key))
        {
            sb.Append(CultureInfo.InvariantCulture, $"vigil_intake_requests_total{{outcome=\"{outcome}\"}} {value}\n");
        }

        sb.Append("# HELP vigil_query_duration_seconds Latency of query API calls.\n");
        sb.Append("# TYPE vigil_query_duration_seconds histogram\n");
        foreach (var (endpoint, histogram) in _queryLatency.OrderBy(kv => kv.Key))
        {
            histogram.WriteTo(sb, "vigil_query_duration_seconds", $"endpoint=\"{endpoint}\"");
        }
    }

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private long _count;
        private double _sum;
        private readonly Lock _sumLock = new();

        public void Observe(double value)
        {
            var i = Array.BinarySearch(bounds, value);
            if (i < 0)
            {
                i = ~i;
            }

            Interlocked.Increment(ref _counts[i]);
            Interlocked.Increment(ref _count);
            lock (_sumLock)
            {
                _sum += value;
            }
        }

        public void WriteTo(StringBuilder sb, string name, string labels)
        {
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref _counts[i]);
                sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"{bounds[i]}\"}} {cumulative}\n");
            }

            var count = Interlocked.Read(ref _count);
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"+Inf\"}} {count}\n");
            double sum;
            lock (_sumLock)
            {
                sum = _sum;
            }

            sb.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{labels}}} {sum}\n");
            sb.Append(CultureInfo.InvariantCulture, $"{name}_count{{{labels}}} {count}\n");
        }
    }
}
