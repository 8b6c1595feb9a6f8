using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Watching;
using Vigil.Core.Declarative;

namespace Vigil.Core.Tests.Anomalies.Watching;

public sealed class AnomalyWatchTests
{
    [Fact]
    public void Tracker_OpensAtThreshold_ClosesOnlyAfterEnoughScoresBelow()
    {
        var tracker = new AnomalyEventTracker(AnomalyDetector.DefaultThreshold, closeAfter: 3);
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.2));
        Assert.Equal(AnomalyTransition.Opened, tracker.Observe(AnomalyDetector.DefaultThreshold));
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.9));
        Assert.Equal(0.9, tracker.PeakScore);
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.1));
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.1));
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.7)); // back above: the count below starts again
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.1));
        Assert.Equal(AnomalyTransition.None, tracker.Observe(0.1));
        Assert.True(tracker.IsOpen);
        Assert.Equal(AnomalyTransition.Closed, tracker.Observe(0.1));
        Assert.False(tracker.IsOpen);
        Assert.Equal(AnomalyTransition.Opened, tracker.Observe(0.8));
    }

    [Fact]
    public void Detector_JumpAfterWarmHistory_ReachesTheThresholdAndTheExplanationSaysWhat()
    {
        const int seed = 20261129;
        var random = new Random(seed);
        var detector = new AnomalyDetector();
        var start = new DateTimeOffset(2026, 11, 29, 14, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        for (var i = 0; i < 900; i++)
        {
            detector.Observe(start + (i * 1000L), 100 + (random.NextDouble() * 10) - 5);
        }

        var score = detector.Observe(start + 900_000, 400);
        Assert.True(score >= AnomalyDetector.DefaultThreshold, $"score {score} (seed {seed})");
        var watch = new AnomalyWatch("request-rate", "q", new Dictionary<string, string>(), "request rate", "/s");
        var labels = new Dictionary<string, string> { ["service_name"] = "checkout", ["deployment_environment_name"] = "prod" };
        var text = AnomalyEvent.Explain(watch, labels, 412, 112.5, 8.75, 0.934, new DateTimeOffset(2026, 11, 29, 14, 2, 0, TimeSpan.Zero));
        Assert.Equal("request rate of checkout in prod is 412/s, expected 95–130/s since 14:02 (score 0.93)", text);
        Assert.Equal("95–105", AnomalyEvent.FormatRange(94.69, 105.2));
        Assert.Equal("0.0123–0.0341", AnomalyEvent.FormatRange(0.0123, 0.0341));
        Assert.Equal("-2.5–7.25", AnomalyEvent.FormatRange(-2.5, 7.25));
    }

    [Fact]
    public void Parse_ValidWatch_ReadsEveryField()
    {
        var errors = new List<DocumentError>();
        var watch = AnomalyWatchYaml.Parse("w.yaml", """
            apiVersion: vigil/v1
            kind: AnomalyWatch
            metadata:
              name: queue-depth
            spec:
              query: sum by (queue) (queue_depth)
              description: queue depth
              unit: " jobs"
              labels: {team: payments}
            """, errors);
        Assert.Empty(errors);
        Assert.NotNull(watch);
        Assert.Equal(("queue-depth", "sum by (queue) (queue_depth)", "queue depth", " jobs", "payments"), (watch.Name, watch.Query, watch.Description, watch.Unit, watch.Labels["team"]));
        Assert.NotNull(DeclarativeKinds.Default.Find("AnomalyWatch"));
    }

    [Theory]
    [InlineData("  query: sum(rate(x[5m])", "w.yaml:6:", "spec.query: PromQL does not parse")]
    [InlineData("  query: x[5m]", "w.yaml:6:", "gives a matrix")]
    [InlineData("  query: up\n  treshold: 3", "w.yaml:7:", "treshold")]
    [InlineData("  query: up\n  labels: {watch: x}", "w.yaml:7:", "spec.labels.watch")]
    public void Parse_BadWatch_ErrorWithFileLineAndColumn(string spec, string position, string reason)
    {
        var errors = new List<DocumentError>();
        var watch = AnomalyWatchYaml.Parse("w.yaml", "apiVersion: vigil/v1\nkind: AnomalyWatch\nmetadata:\n  name: w\nspec:\n" + spec + "\n", errors);
        Assert.Null(watch);
        var error = Assert.Single(errors);
        Assert.StartsWith(position, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(reason, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ParseErrorColumn_PointsIntoTheQuery()
    {
        var errors = new List<DocumentError>();
        _ = AnomalyWatchYaml.Parse("w.yaml", "apiVersion: vigil/v1\nkind: AnomalyWatch\nmetadata:\n  name: w\nspec:\n  query: sum(up) +\n", errors);
        var error = Assert.Single(errors);
        Assert.Equal(6, error.Line);
        Assert.True(error.Column > 10, error.ToString());
    }

    [Fact]
    public void Defaults_UseTheSpanMetricNames()
    {
        Assert.Equal(["request-rate", "error-ratio", "p95-latency"], AnomalyWatch.Defaults.Select(w => w.Name));
        Assert.All(AnomalyWatch.Defaults, w => Assert.Null(AnomalyWatchYaml.CheckQuery(w.Query)));
        Assert.Contains("traces_span_metrics_calls_total", AnomalyWatch.Defaults[0].Query, StringComparison.Ordinal);
        Assert.Contains("histogram_quantile(0.95", AnomalyWatch.Defaults[2].Query, StringComparison.Ordinal);
        Assert.Contains("traces_span_metrics_duration_seconds_bucket", AnomalyWatch.Defaults[2].Query, StringComparison.Ordinal);
    }
}
