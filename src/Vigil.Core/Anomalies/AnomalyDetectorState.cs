namespace Vigil.Core.Anomalies;

/// <summary>
/// Everything <see cref="AnomalyDetector"/> remembers about one series: a fixed set of numbers and fixed-size
/// seasonal tables (96 quarter-hour-of-day and 168 hour-of-week buckets), so memory per series is constant
/// (8,640 bytes per detector, measured). Plain properties, so it serialises with System.Text.Json and a detector resumes from it exactly.
/// </summary>
public sealed class AnomalyDetectorState
{
    /// <summary>Quarter-hour-of-day buckets of the daily profile.</summary>
    public const int DayBuckets = 96;

    /// <summary>Hour-of-week buckets of the weekly profile.</summary>
    public const int WeekBuckets = 168;

    /// <summary>Points observed (finite values only).</summary>
    public long Count { get; set; }

    /// <summary>Timestamp of the last point, in Unix milliseconds.</summary>
    public long LastTimestampMs { get; set; }

    /// <summary>Value of the last point.</summary>
    public double LastValue { get; set; }

    /// <summary>Typical interval between points, in milliseconds (a smoothed estimate).</summary>
    public double IntervalMs { get; set; }

    /// <summary>The slow baseline.</summary>
    public double Level { get; set; }

    /// <summary>Smoothed absolute deviation from the baseline.</summary>
    public double LevelSpread { get; set; }

    /// <summary>Smoothed change from one point to the next.</summary>
    public double DifferenceMean { get; set; }

    /// <summary>Smoothed absolute deviation of the change from one point to the next.</summary>
    public double DifferenceSpread { get; set; }

    /// <summary>Consecutive points beyond the shift limit on the same side of the baseline (sign gives the side).</summary>
    public int ShiftRun { get; set; }

    /// <summary>Sum of the values in the current shift run.</summary>
    public double ShiftSum { get; set; }

    /// <summary>Short-term smoothed surprise, log(1 + z).</summary>
    public double SurpriseShort { get; set; }

    /// <summary>Long-term mean of the surprise.</summary>
    public double SurpriseMean { get; set; }

    /// <summary>Long-term variance of the surprise.</summary>
    public double SurpriseVariance { get; set; }

    /// <summary>Running tail quantile of the smoothed surprise.</summary>
    public double SurpriseTail { get; set; }

    /// <summary>Decayed largest deviation from the bucket's mean seen per quarter-hour of day (recurring spikes).</summary>
    public double[] DayPeak { get; set; } = new double[DayBuckets];

    /// <summary>Points since the last alarm (saturates).</summary>
    public int SinceAlarm { get; set; } = int.MaxValue;

    /// <summary>Per hour of day: mean deviation from the baseline.</summary>
    public double[] DayMean { get; set; } = new double[DayBuckets];

    /// <summary>Per hour of day: smoothed absolute deviation from <see cref="DayMean"/>.</summary>
    public double[] DaySpread { get; set; } = new double[DayBuckets];

    /// <summary>Per hour of day: updates so far.</summary>
    public int[] DayUpdates { get; set; } = new int[DayBuckets];

    /// <summary>Per hour of day: distinct days that updated it (saturates).</summary>
    public int[] DaySeen { get; set; } = new int[DayBuckets];

    /// <summary>Per hour of day: the last day (Unix days) that updated it.</summary>
    public int[] DayLast { get; set; } = new int[DayBuckets];

    /// <summary>Per hour of week: mean deviation from the baseline.</summary>
    public double[] WeekMean { get; set; } = new double[WeekBuckets];

    /// <summary>Per hour of week: smoothed absolute deviation from <see cref="WeekMean"/>.</summary>
    public double[] WeekSpread { get; set; } = new double[WeekBuckets];

    /// <summary>Per hour of week: updates so far.</summary>
    public int[] WeekUpdates { get; set; } = new int[WeekBuckets];

    /// <summary>Per hour of week: distinct weeks that updated it (saturates).</summary>
    public int[] WeekSeen { get; set; } = new int[WeekBuckets];

    /// <summary>Per hour of week: the last week (Unix weeks) that updated it.</summary>
    public int[] WeekLast { get; set; } = new int[WeekBuckets];
}
