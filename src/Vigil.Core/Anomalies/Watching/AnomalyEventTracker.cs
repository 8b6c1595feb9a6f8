namespace Vigil.Core.Anomalies.Watching;

/// <summary>What one score did to a series' event.</summary>
public enum AnomalyTransition
{
    /// <summary>Nothing changed (no event, or an open event stays open).</summary>
    None,

    /// <summary>The score reached the threshold with no event open: an event opens.</summary>
    Opened,

    /// <summary>The open event's score stayed below the threshold long enough: it closes.</summary>
    Closed,
}

/// <summary>
/// Opens and closes the anomaly event of one series from its scores: an event opens when a score reaches
/// <see cref="Threshold"/> and closes after <see cref="CloseAfter"/> scores in a row below it. Not thread-safe.
/// </summary>
public sealed class AnomalyEventTracker
{
    /// <summary>The default number of evaluations below the threshold that close an event: 10 (5 minutes at 30 s).</summary>
    public const int DefaultCloseAfter = 10;

    /// <summary>A tracker with no event open.</summary>
    /// <param name="threshold">The score from which a point is an anomaly.</param>
    /// <param name="closeAfter">Scores in a row below the threshold that close an event; at least 1.</param>
    public AnomalyEventTracker(double threshold = AnomalyDetector.DefaultThreshold, int closeAfter = DefaultCloseAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(closeAfter, 1);
        Threshold = threshold;
        CloseAfter = closeAfter;
    }

    /// <summary>The score from which a point is an anomaly.</summary>
    public double Threshold { get; }

    /// <summary>Scores in a row below the threshold that close an event.</summary>
    public int CloseAfter { get; }

    /// <summary>True while an event is open.</summary>
    public bool IsOpen { get; private set; }

    /// <summary>The highest score of the open event (0 when none is open).</summary>
    public double PeakScore { get; private set; }

    /// <summary>Scores in a row below the threshold since the open event's last anomalous score.</summary>
    public int BelowCount { get; private set; }

    /// <summary>Takes one score; says whether an event opened or closed.</summary>
    public AnomalyTransition Observe(double score)
    {
        var anomalous = score >= Threshold;
        if (!IsOpen)
        {
            if (!anomalous)
            {
                return AnomalyTransition.None;
            }

            (IsOpen, PeakScore, BelowCount) = (true, score, 0);
            return AnomalyTransition.Opened;
        }

        if (anomalous)
        {
            (PeakScore, BelowCount) = (Math.Max(PeakScore, score), 0);
            return AnomalyTransition.None;
        }

        if (++BelowCount < CloseAfter)
        {
            return AnomalyTransition.None;
        }

        (IsOpen, PeakScore, BelowCount) = (false, 0, 0);
        return AnomalyTransition.Closed;
    }
}
