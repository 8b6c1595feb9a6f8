using System.Text.Json;
using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Nab;

namespace Vigil.Core.Tests.Anomalies;

/// <summary>
/// Runs the scenario files in <c>testdata/*.csv</c> through a default <see cref="AnomalyDetector"/>. Each file starts
/// with comment lines: a description, then <c># alarm: FROM to TO</c> (at least one score reaches
/// <see cref="AnomalyDetector.DefaultThreshold"/> in that span) and <c># quiet: FROM to TO</c> (none does).
/// </summary>
public sealed class AnomalyDetectorScenarioTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Anomalies", "testdata");

    [Theory]
    [InlineData("step.csv")]
    [InlineData("spike.csv")]
    [InlineData("drift.csv")]
    [InlineData("daily.csv")]
    [InlineData("gap.csv")]
    [InlineData("constant.csv")]
    [InlineData("daily-spike.csv")]
    public void Observe_Scenario_AlarmsExactlyWhereExpected(string name)
    {
        var (expectations, data) = Load(name);
        var detector = new AnomalyDetector();

        var scores = data.Timestamps.Select((t, i) => detector.Observe(UnixMs(t), data.Values[i])).ToArray();

        Assert.NotEmpty(expectations);
        foreach (var (kind, from, to) in expectations)
        {
            var alarms = Enumerable.Range(0, scores.Length)
                .Where(i => data.Timestamps[i] >= from && data.Timestamps[i] <= to && scores[i] >= AnomalyDetector.DefaultThreshold)
                .Select(i => $"{data.Timestamps[i]:yyyy-MM-dd HH:mm} ({scores[i]:F3})")
                .ToList();
            if (kind == "alarm")
            {
                Assert.True(alarms.Count > 0, $"{name}: expected an alarm between {from:yyyy-MM-dd HH:mm} and {to:yyyy-MM-dd HH:mm}, got none.");
            }
            else
            {
                Assert.True(alarms.Count == 0, $"{name}: expected no alarm between {from:yyyy-MM-dd HH:mm} and {to:yyyy-MM-dd HH:mm}, got {string.Join(", ", alarms)}.");
            }
        }
    }

    [Fact]
    public void Observe_SpikeRecurringAroundTheSameTimeOfDay_ScoresLowerThanWithoutPeakMemory()
    {
        var (_, data) = Load("daily-spike.csv");
        var withMemory = new AnomalyDetector();
        var withoutMemory = new AnomalyDetector(AnomalyDetectorOptions.Default with { PeakSpreads = 0 }, new AnomalyDetectorState());

        var spikes = new List<(DateTime At, double With, double Without)>();
        for (var i = 0; i < data.Values.Length; i++)
        {
            var with = withMemory.Observe(UnixMs(data.Timestamps[i]), data.Values[i]);
            var without = withoutMemory.Observe(UnixMs(data.Timestamps[i]), data.Values[i]);
            if (data.Values[i] >= 150 && data.Timestamps[i].Hour is 2 or 3 && data.Timestamps[i].Day >= 5)
            {
                spikes.Add((data.Timestamps[i], with, without));
            }
        }

        // From day 5 the 03:00 bucket and its neighbours remember the spike: its score drops, and so does the number of
        // nights it is an alarm.
        Assert.Equal(6, spikes.Count);
        Assert.All(spikes, s => Assert.True(s.With <= s.Without, $"{s.At:yyyy-MM-dd HH:mm}: {s.With:F3} with the peak memory, {s.Without:F3} without"));
        Assert.True(spikes.Sum(s => s.With) < spikes.Sum(s => s.Without) - 0.1);
        Assert.True(
            spikes.Count(s => s.With >= AnomalyDetector.DefaultThreshold) < spikes.Count(s => s.Without >= AnomalyDetector.DefaultThreshold),
            string.Join(", ", spikes.Select(s => $"{s.At:MM-dd HH:mm} {s.With:F3}/{s.Without:F3}")));
    }

    [Fact]
    public void State_WithoutPeakMemory_FromBeforeItExisted_Deserialises()
    {
        var (_, data) = Load("daily.csv");
        var detector = new AnomalyDetector();
        for (var i = 0; i < data.Values.Length / 2; i++)
        {
            detector.Observe(UnixMs(data.Timestamps[i]), data.Values[i]);
        }

        var json = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(detector.State))!.AsObject();
        Assert.True(json.Remove(nameof(AnomalyDetectorState.DayPeak)));
        var restored = JsonSerializer.Deserialize<AnomalyDetectorState>(json.ToJsonString())!;
        var resumed = new AnomalyDetector(AnomalyDetectorOptions.Default, restored);

        Assert.Equal(AnomalyDetectorState.DayBuckets, restored.DayPeak.Length);
        Assert.All(Enumerable.Range(data.Values.Length / 2, data.Values.Length / 2),
            i => Assert.InRange(resumed.Observe(UnixMs(data.Timestamps[i]), data.Values[i]), 0.0, 0.999999));
    }

    [Fact]
    public void Observe_ConstantSeries_ScoresZeroEverywhere()
    {
        var (_, data) = Load("constant.csv");
        var detector = new AnomalyDetector();

        var scores = data.Timestamps.Select((t, i) => detector.Observe(UnixMs(t), data.Values[i])).ToArray();

        Assert.All(scores, score => Assert.Equal(0.0, score));
    }

    [Fact]
    public void State_SerialisedMidwayAndRestored_ContinuesWithIdenticalScores()
    {
        var (_, data) = Load("daily.csv");
        var uninterrupted = new AnomalyDetector();
        var expected = data.Timestamps.Select((t, i) => uninterrupted.Observe(UnixMs(t), data.Values[i])).ToArray();
        var half = data.Values.Length / 2;
        var first = new AnomalyDetector();
        for (var i = 0; i < half; i++)
        {
            first.Observe(UnixMs(data.Timestamps[i]), data.Values[i]);
        }

        var json = JsonSerializer.Serialize(first.State);
        var resumed = new AnomalyDetector(AnomalyDetectorOptions.Default, JsonSerializer.Deserialize<AnomalyDetectorState>(json)!);
        var actual = Enumerable.Range(half, data.Values.Length - half).Select(i => resumed.Observe(UnixMs(data.Timestamps[i]), data.Values[i])).ToArray();

        Assert.Equal(expected[half..], actual);
    }

    [Fact]
    public void Observe_PointsAfterAnAnomaly_DoNotChangeEarlierScores()
    {
        // No lookahead: scoring a prefix gives the same scores as scoring the whole series.
        var (_, data) = Load("spike.csv");
        var whole = new AnomalyDetector();
        var all = data.Timestamps.Select((t, i) => whole.Observe(UnixMs(t), data.Values[i])).ToArray();
        var prefix = new AnomalyDetector();
        var cut = 600;

        var partial = Enumerable.Range(0, cut).Select(i => prefix.Observe(UnixMs(data.Timestamps[i]), data.Values[i])).ToArray();

        Assert.Equal(all[..cut], partial);
    }

    [Fact]
    public void Observe_NonFiniteOrOutOfOrderPoint_ScoresZeroAndLeavesStateAlone()
    {
        var detector = new AnomalyDetector();
        for (var i = 0; i < 300; i++)
        {
            detector.Observe(i * 60_000L, 100 + (i % 3));
        }

        var before = JsonSerializer.Serialize(detector.State);

        Assert.Equal(0.0, detector.Observe(300 * 60_000L, double.NaN));
        Assert.Equal(0.0, detector.Observe(300 * 60_000L, double.PositiveInfinity));
        Assert.Equal(0.0, detector.Observe(10 * 60_000L, 1e9));
        Assert.Equal(before, JsonSerializer.Serialize(detector.State));
    }

    private static long UnixMs(DateTime timestamp) => new DateTimeOffset(timestamp, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static (List<(string Kind, DateTime From, DateTime To)> Expectations, NabCsv Data) Load(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, name));
        var expectations = new List<(string, DateTime, DateTime)>();
        foreach (var line in lines.TakeWhile(l => l.StartsWith('#')))
        {
            var text = line.TrimStart('#', ' ');
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var kind = colon > 0 ? text[..colon] : "";
            if (kind is "alarm" or "quiet")
            {
                var range = text[(colon + 1)..].Split(" to ", StringSplitOptions.TrimEntries);
                expectations.Add((kind, NabWindows.ParseTimestamp(range[0], name), NabWindows.ParseTimestamp(range[1], name)));
            }
        }

        var csv = string.Join('\n', lines.SkipWhile(l => l.StartsWith('#')));
        return (expectations, NabCsv.Read(new StringReader(csv), name));
    }
}
