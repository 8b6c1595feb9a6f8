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
/// What an <see cref="AnomalyEventTracker"/> needs to carry on where it was (saved across restarts with the detector's
/// state). Plain values, so it serialises with System.Text.Json.
/// </summary>
/// <param name="Open">True while an event is open.</param>
/// <param name="EventId">The store's id of the open event, or null (none open, or it could not be stored).</param>
/// <param name="PeakScore">The highest score of the open event (0 when none is open).</param>
/// <param name="BelowCount">Scores in a row below the threshold since the open event's last anomalous score.</param>
public sealed record AnomalyEventTrackerState(bool Open, long? EventId, double PeakScore, int BelowCount)
{
    /// <summary>No event open.</summary>
    public static AnomalyEventTrackerState Closed { get; } = new(false, null, 0, 0);
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
        : this(threshold, closeAfter, AnomalyEventTrackerState.Closed)
    {
    }

    /// <summary>A tracker that carries on from <paramref name="state"/> (see <see cref="State"/>).</summary>
    /// <param name="threshold">The score from which a point is an anomaly.</param>
    /// <param name="closeAfter">Scores in a row below the threshold that close an event; at least 1.</param>
    /// <param name="state">Where a tracker was; a closed state gives a tracker with no event open.</param>
    public AnomalyEventTracker(double threshold, int closeAfter, AnomalyEventTrackerState state)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(closeAfter, 1);
        ArgumentNullException.ThrowIfNull(state);
        Threshold = threshold;
        CloseAfter = closeAfter;
        if (state.Open)
        {
            // A count saved under a larger closeAfter closes at the next score below the threshold.
            (IsOpen, EventId, PeakScore, BelowCount) = (true, state.EventId, state.PeakScore, Math.Max(0, state.BelowCount));
        }
    }

    /// <summary>The score from which a point is an anomaly.</summary>
    public double Threshold { get; }

    /// <summary>Scores in a row below the threshold that close an event.</summary>
    public int CloseAfter { get; }

    /// <summary>True while an event is open.</summary>
    public bool IsOpen { get; private set; }

    /// <summary>
    /// The store's id of the open event: null when none is open, and from an opening until whoever stores the event
    /// sets it. Cleared when the event closes.
    /// </summary>
    public long? EventId { get; set; }

    /// <summary>The highest score of the open event (0 when none is open).</summary>
    public double PeakScore { get; private set; }

    /// <summary>Scores in a row below the threshold since the open event's last anomalous score.</summary>
    public int BelowCount { get; private set; }

    /// <summary>Where the tracker is, to carry on from later with the constructor that takes a state.</summary>
    public AnomalyEventTrackerState State => IsOpen ? new(true, EventId, PeakScore, BelowCount) : AnomalyEventTrackerState.Closed;

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

            (IsOpen, EventId, PeakScore, BelowCount) = (true, null, score, 0);
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

        (IsOpen, EventId, PeakScore, BelowCount) = (false, null, 0, 0);
        return AnomalyTransition.Closed;
    }
}
