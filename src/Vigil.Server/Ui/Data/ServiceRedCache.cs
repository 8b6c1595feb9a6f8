using System.Collections.Concurrent;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;

namespace Vigil.Server.Ui.Data;

/// <summary>
/// Remembers the points of the UI's RED range queries, so a page shown again evaluates only the points it has not got:
/// a point at time <c>t</c> is final once it was evaluated at least <see cref="Settle"/> after <c>t</c> (its samples
/// have all arrived), and a newer point is reused for <see cref="Fresh"/>. The span-metric histograms have 242 buckets
/// per label set, so the overview's p95 over every service reads tens of thousands of series; evaluated once per
/// minute point instead of once per page view, the overview stays fast with many services. Bounded to
/// <see cref="MaxQueries"/> queries (least recently used first out).
/// </summary>
public sealed class ServiceRedCache(TimeProvider time)
{
    /// <summary>The most queries remembered: 256 (the overview's few, and a few per service page viewed).</summary>
    public const int MaxQueries = 256;

    /// <summary>How long after its time a point is final: 1 minute, four default span-metric flushes and an OTLP export's delay.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMinutes(1);

    /// <summary>How long a point that is not final yet is reused: 15 seconds, the default span-metric flush interval.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>How many queries are remembered now.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The result of <paramref name="query"/> over <paramref name="grid"/>, as <see cref="IMetricsSource.RangeQueryAsync"/>
    /// answers it, evaluating only the points not remembered (usually the newest one or two).
    /// </summary>
    public async Task<MatrixResult> RangeQueryAsync(IMetricsSource metrics, string query, StepGrid grid, CancellationToken cancellationToken)
    {
        var stepMs = (long)grid.Step.TotalMilliseconds;
        var startMs = grid.Start.ToUnixTimeMilliseconds();
        var endMs = grid.End.ToUnixTimeMilliseconds();
        var key = string.Concat(metrics.Name, "\n", stepMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "\n", query);
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        entry.LastUsed = time.GetTimestamp();
        Trim();

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            long? firstMissing = null;
            for (var t = startMs; t <= endMs; t += stepMs)
            {
                if (!entry.Points.TryGetValue(t, out var point) || !(point.ComputedAt >= DateTimeOffset.FromUnixTimeMilliseconds(t) + Settle || now - point.ComputedAt < Fresh))
                {
                    firstMissing = t;
                    break;
                }
            }

            if (firstMissing is { } from)
            {
                var result = await metrics.RangeQueryAsync(query, from, endMs, stepMs, cancellationToken);
                var fresh = new Dictionary<long, List<(LabelSet, double)>>();
                for (var t = from; t <= endMs; t += stepMs)
                {
                    fresh[t] = [];
                }

                foreach (var series in result.Series)
                {
                    foreach (var sample in series.Samples)
                    {
                        if (fresh.TryGetValue(sample.TimestampMs, out var values))
                        {
                            values.Add((series.Labels, sample.Value));
                        }
                    }
                }

                foreach (var (t, values) in fresh)
                {
                    entry.Points[t] = new Point(now, values);
                }
            }

            foreach (var old in entry.Points.Keys.Where(t => t < startMs).ToList())
            {
                entry.Points.Remove(old);
            }

            var lines = new Dictionary<LabelSet, List<Sample>>();
            for (var t = startMs; t <= endMs; t += stepMs)
            {
                foreach (var (labels, value) in entry.Points[t].Values)
                {
                    if (!lines.TryGetValue(labels, out var samples))
                    {
                        samples = [];
                        lines[labels] = samples;
                    }

                    samples.Add(new Sample(t, value));
                }
            }

            return new MatrixResult(lines.Select(l => new SeriesSamples(l.Key, l.Value)).ToList());
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// A value computed at most once per <see cref="Fresh"/> for <paramref name="key"/> (such as the services seen in the
    /// last day, which change far more slowly than pages are viewed); concurrent callers wait for the one computation.
    /// </summary>
    public async Task<T> RememberAsync<T>(string key, Func<CancellationToken, Task<T>> compute, CancellationToken cancellationToken)
        where T : class
    {
        var entry = _entries.GetOrAdd("memo\n" + key, _ => new Entry());
        entry.LastUsed = time.GetTimestamp();
        Trim();
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (entry.Memo is T value && now - entry.MemoAt < Fresh)
            {
                return value;
            }

            value = await compute(cancellationToken);
            entry.Memo = value;
            entry.MemoAt = now;
            return value;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    // Drops the least recently used queries beyond the bound (a scan: the bound is small).
    private void Trim()
    {
        while (_entries.Count > MaxQueries)
        {
            var oldest = _entries.MinBy(e => e.Value.LastUsed);
            _entries.TryRemove(oldest.Key, out _);
        }
    }

    private sealed record Point(DateTimeOffset ComputedAt, List<(LabelSet Labels, double Value)> Values);

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Dictionary<long, Point> Points { get; } = [];

        public long LastUsed { get; set; }

        public object? Memo { get; set; }

        public DateTimeOffset MemoAt { get; set; }
    }
}
