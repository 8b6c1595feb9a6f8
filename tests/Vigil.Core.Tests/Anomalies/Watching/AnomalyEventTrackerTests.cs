using System.Text.Json;
using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Watching;

namespace Vigil.Core.Tests.Anomalies.Watching;

public sealed class AnomalyEventTrackerTests
{
    [Fact]
    public void State_RoundTripsThroughJson_AndTheResumedTrackerCarriesOnExactlyAsTheOriginal()
    {
        var original = new AnomalyEventTracker(AnomalyDetector.DefaultThreshold, closeAfter: 4);
        Assert.Equal(AnomalyTransition.Opened, original.Observe(0.9));
        original.EventId = 42;
        original.Observe(0.97);
        original.Observe(0.1);
        original.Observe(0.2);

        var json = JsonSerializer.Serialize(original.State);
        var state = JsonSerializer.Deserialize<AnomalyEventTrackerState>(json);
        Assert.Equal(new AnomalyEventTrackerState(true, 42, 0.97, 2), state);
        var resumed = new AnomalyEventTracker(AnomalyDetector.DefaultThreshold, 4, state!);
        Assert.Equal((true, 42L, 0.97, 2), (resumed.IsOpen, resumed.EventId!.Value, resumed.PeakScore, resumed.BelowCount));

        // Both go on the same way: two more scores below the threshold close the event (four in a row).
        foreach (var score in new[] { 0.3, 0.1 })
        {
            Assert.Equal(original.Observe(score), resumed.Observe(score));
        }

        Assert.False(resumed.IsOpen);
        Assert.Null(resumed.EventId);
        Assert.Equal(AnomalyEventTrackerState.Closed, resumed.State);
    }

    [Fact]
    public void State_Closed_ResumesWithNoEventOpen()
    {
        var tracker = new AnomalyEventTracker(AnomalyDetector.DefaultThreshold, 3, AnomalyEventTrackerState.Closed);
        Assert.False(tracker.IsOpen);
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.1));
        Assert.Equal(AnomalyTransition.Opened, tracker.Observe(0.95));
        Assert.Null(tracker.EventId); // set by whoever stores the new event
    }

    [Fact]
    public void State_CountSavedUnderALargerCloseAfter_ClosesAtTheNextScoreBelow()
    {
        var tracker = new AnomalyEventTracker(AnomalyDetector.DefaultThreshold, 3, new AnomalyEventTrackerState(true, 7, 0.9, 5));
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.95)); // anomalous again: the count starts over
        Assert.Equal(0, tracker.BelowCount);
        var saved = new AnomalyEventTracker(AnomalyDetector.DefaultThreshold, 3, new AnomalyEventTrackerState(true, 7, 0.9, 5));
        Assert.Equal(AnomalyTransition.Closed, saved.Observe(0.1));
    }
}
