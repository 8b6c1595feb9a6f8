namespace Vigil.Core.Telemetry.Intake;

/// <summary>What became of a delta point given to <see cref="DeltaAccumulator"/>.</summary>
public enum DeltaOutcome
{
    /// <summary>Added; the cumulative value is returned.</summary>
    Accepted,

    /// <summary>Refused: the series is new and the accumulator already tracks its maximum number of series.</summary>
    SeriesLimit,

    /// <summary>Refused: the point is not later than the series' last point (a duplicate or out of order).</summary>
    OutOfOrder,
}

/// <summary>A cumulative classic histogram: ascending bounds (without +Inf), per-bucket counts (the last is +Inf's).</summary>
public sealed record CumulativeHistogram(double[] Bounds, double[] BucketCounts, double Sum, double Count);

/// <summary>
/// Turns OTLP delta points (sums and histograms) into the running totals Prometheus expects, per series, so that
/// <c>rate()</c> works on them. A series' total restarts from zero when it has had no point for longer than the reset
/// gap, or when a point's start time goes back before the previous point's start (a restarted producer); queries read
/// the restart as a counter reset. The series map is bounded: a new series beyond the maximum is refused, after idle
/// series (no point within the reset gap, by the server's clock) have been dropped. A point repeated with the same start
/// and time (a client retrying after an overload or a lost answer) is not added twice: the current total is returned
/// again, so retries are idempotent. Thread-safe.
/// </summary>
public sealed class DeltaAccumulator
{
    private readonly Dictionary<LabelSet, State> _series = [];
    private readonly Lock _lock = new();
    private readonly int _maxSeries;
    private readonly long _resetGapNanos;
    private readonly TimeSpan _resetGap;
    private readonly TimeProvider _time;
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Creates an accumulator for at most <paramref name="maxSeries"/> series.</summary>
    public DeltaAccumulator(int maxSeries, TimeSpan resetGap, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSeries);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resetGap, TimeSpan.Zero);
        _maxSeries = maxSeries;
        _resetGap = resetGap;
        _resetGapNanos = (long)Math.Min(long.MaxValue / 2, resetGap.Ticks * (double)TimeSpan.NanosecondsPerTick);
        _time = time;
    }

    /// <summary>How many series are tracked.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _series.Count;
            }
        }
    }

    /// <summary>Adds a delta sum point and returns the series' running total in <paramref name="cumulative"/>.</summary>
    public DeltaOutcome AddSum(LabelSet series, long startUnixNano, long timeUnixNano, double delta, out double cumulative)
    {
        lock (_lock)
        {
            var outcome = Enter(series, startUnixNano, timeUnixNano, out var state, out var duplicate);
            if (outcome != DeltaOutcome.Accepted)
            {
                cumulative = 0;
                return outcome;
            }

            if (!duplicate)
            {
                state.Value += delta;
            }

            cumulative = state.Value;
            return DeltaOutcome.Accepted;
        }
    }

    /// <summary>
    /// Adds a delta histogram point: ascending <paramref name="bounds"/> (without +Inf) and per-bucket counts, one more
    /// than the bounds (the last is +Inf's). When the bounds differ from the series' previous ones, buckets are merged
    /// by bound (exact for the power-of-two bounds of exponential histograms).
    /// </summary>
    public DeltaOutcome AddHistogram(
        LabelSet series,
        long startUnixNano,
        long timeUnixNano,
        ReadOnlySpan<double> bounds,
        ReadOnlySpan<double> bucketCounts,
        double sum,
        double count,
        out CumulativeHistogram? cumulative)
    {
        if (bucketCounts.Length != bounds.Length + 1)
        {
            throw new ArgumentException("bucketCounts must have one more element than bounds", nameof(bucketCounts));
        }

        lock (_lock)
        {
            var outcome = Enter(series, startUnixNano, timeUnixNano, out var state, out var duplicate);
            if (outcome != DeltaOutcome.Accepted)
            {
                cumulative = null;
                return outcome;
            }

            if (!duplicate)
            {
                AddBuckets(state, bounds, bucketCounts);
                state.Value += sum;
                state.Count += count;
            }

            cumulative = new CumulativeHistogram([.. state.Bounds], [.. state.Counts!], state.Value, state.Count);
            return DeltaOutcome.Accepted;
        }
    }

    private DeltaOutcome Enter(LabelSet series, long startUnixNano, long timeUnixNano, out State state, out bool duplicate)
    {
        var now = _time.GetUtcNow();
        duplicate = false;
        if (_series.TryGetValue(series, out var existing))
        {
            state = existing;
            if (timeUnixNano == state.LastTime && startUnixNano == state.LastStart && state.HasValue)
            {
                duplicate = true;
                state.LastSeen = now;
                return DeltaOutcome.Accepted;
            }

            if (timeUnixNano <= state.LastTime)
            {
                return DeltaOutcome.OutOfOrder;
            }

            var gap = timeUnixNano - state.LastTime > _resetGapNanos;
            var wentBack = startUnixNano != 0 && startUnixNano < state.LastStart;
            if (gap || wentBack)
            {
                state.Reset();
            }
        }
        else
        {
            if (_series.Count >= _maxSeries && !SweepIdle(now))
            {
                state = null!;
                return DeltaOutcome.SeriesLimit;
            }

            state = new State();
            _series.Add(series, state);
        }

        state.LastStart = startUnixNano;
        state.LastTime = timeUnixNano;
        state.LastSeen = now;
        state.HasValue = true;
        return DeltaOutcome.Accepted;
    }

    // Drops series idle for longer than the reset gap (they would restart from zero anyway). A full map of live series
    // would make every new series sweep in vain, so sweeps are spaced by a tenth of the gap.
    private bool SweepIdle(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return false;
        }

        _nextSweep = now + (_resetGap / 10);
        var cutoff = now - _resetGap;
        List<LabelSet>? idle = null;
        foreach (var (labels, state) in _series)
        {
            if (state.LastSeen < cutoff)
            {
                (idle ??= []).Add(labels);
            }
        }

        if (idle is null)
        {
            return false;
        }

        foreach (var labels in idle)
        {
            _series.Remove(labels);
        }

        return true;
    }

    private static void AddBuckets(State state, ReadOnlySpan<double> bounds, ReadOnlySpan<double> bucketCounts)
    {
        if (state.Counts is null)
        {
            state.Bounds = bounds.ToArray();
            state.Counts = bucketCounts.ToArray();
        }
        else if (bounds.SequenceEqual(state.Bounds))
        {
            for (var i = 0; i < bucketCounts.Length; i++)
            {
                state.Counts[i] += bucketCounts[i];
            }
        }
        else
        {
            Merge(state, bounds, bucketCounts);
        }
    }

    private static void Merge(State state, ReadOnlySpan<double> bounds, ReadOnlySpan<double> bucketCounts)
    {
        var oldBounds = state.Bounds;
        var oldCounts = state.Counts!;
        var mergedBounds = new List<double>(oldBounds.Length + bounds.Length);
        var mergedCounts = new List<double>(oldBounds.Length + bounds.Length + 1);
        int i = 0, j = 0;
        while (i < oldBounds.Length || j < bounds.Length)
        {
            if (j >= bounds.Length || (i < oldBounds.Length && oldBounds[i] < bounds[j]))
            {
                mergedBounds.Add(oldBounds[i]);
                mergedCounts.Add(oldCounts[i]);
                i++;
            }
            else if (i >= oldBounds.Length || bounds[j] < oldBounds[i])
            {
                mergedBounds.Add(bounds[j]);
                mergedCounts.Add(bucketCounts[j]);
                j++;
            }
            else
            {
                mergedBounds.Add(bounds[j]);
                mergedCounts.Add(oldCounts[i] + bucketCounts[j]);
                i++;
                j++;
            }
        }

        mergedCounts.Add(oldCounts[^1] + bucketCounts[^1]);
        state.Bounds = [.. mergedBounds];
        state.Counts = [.. mergedCounts];
    }

    private sealed class State
    {
        public long LastStart;
        public long LastTime;
        public DateTimeOffset LastSeen;
        public bool HasValue;
        public double Value;
        public double Count;
        public double[] Bounds = [];
        public double[]? Counts;

        public void Reset()
        {
            Value = 0;
            Count = 0;
            Bounds = [];
            Counts = null;
        }
    }
}
