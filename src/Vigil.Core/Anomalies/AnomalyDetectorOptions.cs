namespace Vigil.Core.Anomalies;

/// <summary>
/// The settings of <see cref="AnomalyDetector"/>. One configuration serves every series: the defaults are the ones
/// measured on NAB (docs/benchmarks.md) and are not meant to be tuned per series.
/// </summary>
public sealed record AnomalyDetectorOptions
{
    /// <summary>The defaults every watched series uses.</summary>
    public static AnomalyDetectorOptions Default { get; } = new();

    /// <summary>Points observed before any score above 0 is given (the warm-up). Default 150.</summary>
    public int WarmupPoints { get; init; } = 150;

    /// <summary>Time constant of the level (the slow baseline), in points; level shifts move it at once (see <see cref="ShiftPoints"/>). Default 5000.</summary>
    public double LevelPoints { get; init; } = 5000;

    /// <summary>Time constant of the spread estimates, in points. Default 300.</summary>
    public double SpreadPoints { get; init; } = 300;

    /// <summary>How many updates a seasonal bucket needs before it can explain a value. Default 3.</summary>
    public int SeasonalMinimumUpdates { get; init; } = 3;

    /// <summary>Learning rate of the seasonal profiles (per update of a bucket). Default 0.05.</summary>
    public double SeasonalRate { get; init; } = 0.05;

    /// <summary>Weight of the difference z-score against the level z-score. Default 0.75.</summary>
    public double DifferenceWeight { get; init; } = 0.75;

    /// <summary>Deviations beyond this many spreads are clipped before they update the statistics (robustness). Default 6.</summary>
    public double ClipSpreads { get; init; } = 6.0;

    /// <summary>Consecutive points on the same side beyond <see cref="ShiftSpreads"/> that mean the level shifted. Default 6.</summary>
    public int ShiftPoints { get; init; } = 6;

    /// <summary>How far (in spreads) a point must lie from the level to count towards a level shift. Default 3.</summary>
    public double ShiftSpreads { get; init; } = 3.0;

    /// <summary>A gap longer than this many typical intervals restarts the difference model. Default 10.</summary>
    public double GapIntervals { get; init; } = 10.0;

    /// <summary>
    /// The alarm level of the final z (scores are z / (z + AlarmZ), so an alarm scores at least 0.5); with the tail
    /// quantile on, a smoothed surprise <see cref="TailMargin"/> spreads past the quantile maps to it. After an alarm,
    /// scores are held just below it for <see cref="SuppressPoints"/> points. Default 2.
    /// </summary>
    public double AlarmZ { get; init; } = 2.0;

    /// <summary>Points after an alarm during which no new alarm is raised. Default 100.</summary>
    public int SuppressPoints { get; init; } = 100;

    /// <summary>Relative floor of every spread, as a share of the level's magnitude, so constant series do not divide by zero. Default 0.001.</summary>
    public double RelativeSpreadFloor { get; init; } = 0.001;

    /// <summary>Whether the final score is the surprise relative to the series' own history of surprise. Default true.</summary>
    public bool UseLikelihood { get; init; } = true;

    /// <summary>Time constant of the short-term surprise average, in points. Default 3.</summary>
    public double ShortPoints { get; init; } = 3;

    /// <summary>Time constant of the surprise history, in points. Default 10000.</summary>
    public double HistoryPoints { get; init; } = 10000;

    /// <summary>Floor of the surprise history's standard deviation. Default 0.15.</summary>
    public double MinimumSurpriseSpread { get; init; } = 0.15;


    /// <summary>Whether a change the seasonal profile explains is not scored as a spike. Default true.</summary>
    public bool SeasonalDifference { get; init; } = true;


    /// <summary>
    /// The quantile of the series' own past smoothed surprise that a point's smoothed surprise must pass (by
    /// <see cref="TailMargin"/>) to alarm; 0 measures it against the mean plus <see cref="AlarmZ"/> spreads instead. Default 0.99.
    /// </summary>
    public double TailQuantile { get; init; } = 0.99;

    /// <summary>How far past the tail quantile, in surprise spreads, the smoothed surprise must go to alarm. Default 0.5.</summary>
    public double TailMargin { get; init; } = 0.5;

    /// <summary>Step of the running tail quantile, in surprise spreads. Default 0.02.</summary>
    public double TailStep { get; init; } = 0.02;

    /// <summary>
    /// Recurring spikes: once a quarter-hour-of-day bucket remembers a deviation larger than this many of its spreads,
    /// a deviation of that size at this time of day (the bucket or a neighbour) gets this z instead of its own, so a
    /// spike that comes back every day is part of the rhythm. 0 turns it off. Default 11.
    /// </summary>
    public double PeakSpreads { get; init; } = 11;

    /// <summary>Decay, per update of its bucket, of the largest deviation a quarter-hour-of-day bucket remembers. Default 0.99.</summary>
    public double PeakDecay { get; init; } = 0.99;
}
