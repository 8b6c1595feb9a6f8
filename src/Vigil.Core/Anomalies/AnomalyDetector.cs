namespace Vigil.Core.Anomalies;

/// <summary>
/// A streaming anomaly detector for one series. <see cref="Observe"/> scores each point from that point and the state
/// left by earlier points only (no lookahead), in constant time and memory. Scores lie in [0, 1); a point is an anomaly
/// when its score reaches <see cref="DefaultThreshold"/>.
/// </summary>
/// <remarks>
/// Parts (docs/decisions/0005-anomaly-detector.md): a robust z-score against a slow baseline; the same against
/// quarter-hour-of-day and hour-of-week profiles of the deviation from the baseline (a value is normal when either the
/// baseline or the season explains it); a memory of the largest deviation per quarter-hour of day (a spike that recurs
/// at the same time every day is part of the rhythm); a robust z-score of the change from the previous point (spikes) unless the
/// season explains the value; a surprise likelihood that alarms when the smoothed surprise passes the running 0.99
/// quantile of the series' own past surprise; a hold of one alarm per episode; a level-shift rule that moves the
/// baseline after a sustained shift; statistics updated with clipped deviations (robust to outliers); gaps restart the
/// change model. Not thread-safe: one detector per series, called by one writer at a time.
/// </remarks>
public sealed class AnomalyDetector
{
    /// <summary>
    /// The score from which a point is an anomaly with the default options: the threshold NAB's sweep chose for the
    /// standard profile (and reward_low_FN_rate) on the 35-file development corpus, <c>vigil bench nab</c>
    /// (docs/benchmarks.md). It sits just above the hold level (a held score is below 0.5).
    /// </summary>
    public const double DefaultThreshold = 0.5007256449984553;

    private const long HourMs = 3_600_000;
    private const long DayBucketMs = 24 * HourMs / AnomalyDetectorState.DayBuckets;
    private readonly AnomalyDetectorOptions _options;
    private readonly AnomalyDetectorState _s;
    private readonly double _levelRate;
    private readonly double _spreadRate;

    /// <summary>Creates a detector with fresh state.</summary>
    public AnomalyDetector(AnomalyDetectorOptions? options = null)
        : this(options ?? AnomalyDetectorOptions.Default, new AnomalyDetectorState())
    {
    }

    /// <summary>Creates a detector that resumes from <paramref name="state"/> (which it then updates in place).</summary>
    public AnomalyDetector(AnomalyDetectorOptions options, AnomalyDetectorState state)
    {
        _options = options;
        _s = state;
        _levelRate = 1.0 / options.LevelPoints;
        _spreadRate = 1.0 / options.SpreadPoints;
    }

    /// <summary>The detector's state, for serialisation.</summary>
    public AnomalyDetectorState State => _s;

    /// <summary>What the last point was expected to be (baseline plus season), for explanations.</summary>
    public double Expected { get; private set; }

    /// <summary>The typical spread around <see cref="Expected"/> at the last point, for explanations.</summary>
    public double Spread { get; private set; }

    /// <summary>
    /// Scores a point and learns from it. Points must come in timestamp order; a point that is not finite, or whose
    /// timestamp is not after the last one, scores 0 and is ignored.
    /// </summary>
    /// <param name="timestampMs">The point's time in Unix milliseconds.</param>
    /// <param name="value">The point's value.</param>
    /// <returns>The anomaly score in [0, 1).</returns>
    public double Observe(long timestampMs, double value)
    {
        var s = _s;
        var o = _options;
        if (!double.IsFinite(value) || (s.Count > 0 && timestampMs <= s.LastTimestampMs))
        {
            return 0;
        }

        if (s.Count == 0)
        {
            s.Count = 1;
            s.LastTimestampMs = timestampMs;
            s.LastValue = value;
            s.Level = value;
            Expected = value;
            return 0;
        }

        var dt = (double)(timestampMs - s.LastTimestampMs);
        var gap = s.IntervalMs > 0 && dt > o.GapIntervals * s.IntervalMs;
        s.IntervalMs = s.IntervalMs <= 0 ? dt : s.IntervalMs + (0.05 * (Math.Min(dt, 10 * s.IntervalMs) - s.IntervalMs));

        var floor = Math.Max(o.RelativeSpreadFloor * Math.Abs(s.Level), 1e-9);
        var levelSpread = Math.Max(s.LevelSpread, floor);
        var deviation = value - s.Level;
        var zLevel = Math.Abs(deviation) / levelSpread;

        // Seasonal: the deviation from the baseline against the hour-of-week profile once two weeks have filled the
        // bucket, else the hour-of-day profile once it has seen enough days.
        var hours = timestampMs / HourMs;
        var day = (int)(timestampMs / DayBucketMs % AnomalyDetectorState.DayBuckets);
        var week = (int)((hours + 72) % AnomalyDetectorState.WeekBuckets);
        var zSeason = double.PositiveInfinity;
        Expected = s.Level;
        Spread = levelSpread;
        if (s.WeekSeen[week] >= 2)
        {
            var spread = Math.Max(s.WeekSpread[week], floor);
            zSeason = Math.Abs(deviation - s.WeekMean[week]) / spread;
            if (zSeason < zLevel)
            {
                Expected = s.Level + s.WeekMean[week];
                Spread = spread;
            }
        }
        else if (s.DaySeen[day] >= o.SeasonalMinimumUpdates)
        {
            var spread = Math.Max(s.DaySpread[day], floor);
            zSeason = Math.Abs(deviation - s.DayMean[day]) / spread;
            if (zSeason < zLevel)
            {
                Expected = s.Level + s.DayMean[day];
                Spread = spread;
            }
        }

        // Recurring spikes: a deviation no larger than the largest one recently seen at this time of day (this
        // quarter-hour or a neighbour, for jitter) is part of the rhythm, once the bucket has seen enough days.
        var peakSeen = o.PeakSpreads > 0 && s.DaySeen[day] >= o.SeasonalMinimumUpdates;
        if (peakSeen)
        {
            var envelope = Math.Max(s.DayPeak[day], Math.Max(s.DayPeak[(day + 1) % AnomalyDetectorState.DayBuckets],
                s.DayPeak[(day + AnomalyDetectorState.DayBuckets - 1) % AnomalyDetectorState.DayBuckets]));
            var spread = Math.Max(s.DaySpread[day], floor);
            if (envelope > o.PeakSpreads * spread)
            {
                zSeason = Math.Min(zSeason, o.PeakSpreads * Math.Abs(deviation - s.DayMean[day]) / envelope);
            }
        }

        var zValue = Math.Min(zLevel, zSeason);

        var difference = value - s.LastValue;
        var differenceSpread = Math.Max(s.DifferenceSpread, floor);
        var zDifference = gap ? 0 : Math.Abs(difference - s.DifferenceMean) / differenceSpread;
        // A change the season explains (a daily ramp, a nightly drop) is not a spike.
        var z = Math.Max(zValue, o.SeasonalDifference ? Math.Min(o.DifferenceWeight * zDifference, zSeason) : o.DifferenceWeight * zDifference);

        var warm = s.Count >= o.WarmupPoints;
        Learn(value, deviation, difference, gap, warm, levelSpread, differenceSpread, day, week, timestampMs);

        // Surprise relative to this series' own history of surprise (like NAB's anomaly likelihood): a series whose
        // raw z-scores are often high is not alarming for that alone, which calibrates one threshold across series.
        // The smoothed surprise log(1 + z) alarms when it passes the running 0.99 quantile of its own past by a margin;
        // it is rescaled so that the margin maps to the alarm level.
        var u = Math.Log(1 + z);
        var shortRate = 1.0 / o.ShortPoints;
        s.SurpriseShort = s.Count <= 2 ? u : s.SurpriseShort + (shortRate * (u - s.SurpriseShort));
        var historyRate = Math.Max(1.0 / o.HistoryPoints, 1.0 / s.Count);
        var spreadU = Math.Sqrt(Math.Max(s.SurpriseVariance, o.MinimumSurpriseSpread * o.MinimumSurpriseSpread));
        var zz = !o.UseLikelihood ? z
            : o.TailQuantile > 0 ? o.AlarmZ * (s.SurpriseShort - s.SurpriseTail) / (spreadU * o.TailMargin)
            : (s.SurpriseShort - s.SurpriseMean) / spreadU;
        if (o.TailQuantile > 0)
        {
            // Stochastic-approximation quantile: steps up by q, down by 1 - q, so it settles where a share q lies below.
            s.SurpriseTail += o.TailStep * spreadU * (s.SurpriseShort > s.SurpriseTail ? o.TailQuantile : o.TailQuantile - 1);
        }

        var du = Math.Min(u - s.SurpriseMean, o.ClipSpreads * spreadU);
        s.SurpriseMean += historyRate * du;
        s.SurpriseVariance += historyRate * ((du * du) - s.SurpriseVariance);
        // Surprise is never negative, nor is its quantile (on a constant series it stays at 0, and so do the scores).
        s.SurpriseTail = Math.Max(s.SurpriseTail, 0);
        z = Math.Max(zz, 0);

        if (!warm)
        {
            return 0;
        }

        // One alarm per episode: after an alarm, scores are held just below the alarm level for a while.
        if (z >= o.AlarmZ)
        {
            if (s.SinceAlarm < o.SuppressPoints)
            {
                z = o.AlarmZ * 0.999;
            }
            else
            {
                s.SinceAlarm = 0;
            }
        }

        if (s.SinceAlarm < int.MaxValue)
        {
            s.SinceAlarm++;
        }

        return z / (z + o.AlarmZ);
    }

    private void Learn(double value, double deviation, double difference, bool gap, bool warm,
        double levelSpread, double differenceSpread, int day, int week, long timestampMs)
    {
        var s = _s;
        var o = _options;
        s.Count++;
        s.LastTimestampMs = timestampMs;
        s.LastValue = value;

        // Early on, learn fast (running means); later, slowly and from clipped deviations so outliers barely move it.
        var levelRate = Math.Max(_levelRate, 1.0 / s.Count);
        var spreadRate = Math.Max(_spreadRate, 1.0 / s.Count);
        var clip = warm ? o.ClipSpreads : double.PositiveInfinity;

        var clipped = Math.Clamp(deviation, -clip * levelSpread, clip * levelSpread);
        s.Level += levelRate * clipped;
        s.LevelSpread += spreadRate * (Math.Abs(clipped) - s.LevelSpread);

        if (!gap)
        {
            var d = difference - s.DifferenceMean;
            var dClipped = Math.Clamp(d, -clip * differenceSpread, clip * differenceSpread);
            s.DifferenceMean += spreadRate * dClipped;
            s.DifferenceSpread += spreadRate * (Math.Abs(dClipped) - s.DifferenceSpread);
        }

        // Level shift: a run of points on one side beyond the limit moves the baseline to the run's mean.
        var side = Math.Abs(deviation) > o.ShiftSpreads * levelSpread ? Math.Sign(deviation) : 0;
        if (side != 0 && Math.Sign(s.ShiftRun) == side)
        {
            s.ShiftRun += side;
            s.ShiftSum += value;
        }
        else
        {
            s.ShiftRun = side;
            s.ShiftSum = side != 0 ? value : 0;
        }

        if (Math.Abs(s.ShiftRun) >= o.ShiftPoints)
        {
            s.Level = s.ShiftSum / Math.Abs(s.ShiftRun);
            s.ShiftRun = 0;
            s.ShiftSum = 0;
        }

        var pointsPerBucket = s.IntervalMs > 0 ? Math.Max(1.0, DayBucketMs / s.IntervalMs) : 1.0;
        var seasonalRate = o.SeasonalRate / pointsPerBucket;
        var unixDay = (int)(timestampMs / (24 * HourMs));
        var unixWeek = (int)((timestampMs / HourMs + 72) / AnomalyDetectorState.WeekBuckets);
        if (o.PeakSpreads > 0)
        {
            var excess = Math.Abs(deviation - s.DayMean[day]);
            s.DayPeak[day] = Math.Max(s.DayPeak[day] * o.PeakDecay, excess);
        }

        UpdateBucket(s.DayMean, s.DaySpread, s.DayUpdates, s.DaySeen, s.DayLast, day, unixDay, deviation, seasonalRate, clip, differenceSpread);
        UpdateBucket(s.WeekMean, s.WeekSpread, s.WeekUpdates, s.WeekSeen, s.WeekLast, week, unixWeek, deviation, seasonalRate, clip, differenceSpread);
    }

    private static void UpdateBucket(double[] mean, double[] spread, int[] updates, int[] seen, int[] last, int bucket,
        int period, double deviation, double rate, double clip, double noise)
    {
        if (updates[bucket] == 0)
        {
            mean[bucket] = deviation;
            spread[bucket] = noise;
            updates[bucket] = 1;
            seen[bucket] = 1;
            last[bucket] = period;
            return;
        }

        if (last[bucket] != period)
        {
            last[bucket] = period;
            seen[bucket] = Math.Min(seen[bucket] + 1, 1_000_000);
        }

        updates[bucket] = Math.Min(updates[bucket] + 1, 1_000_000);
        var r = Math.Max(rate, 1.0 / updates[bucket]);
        var bucketSpread = Math.Max(spread[bucket], noise);
        var d = Math.Clamp(deviation - mean[bucket], -clip * bucketSpread, clip * bucketSpread);
        mean[bucket] += r * d;
        spread[bucket] += r * (Math.Abs(d) - spread[bucket]);
    }
}
