using Vigil.Server.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.Anomalies;

public sealed class AnomaliesOptionsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-anomaly-config-" + Guid.NewGuid().ToString("N"));

    public AnomaliesOptionsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_AnomaliesSection_BindsEverySettingAndWatches()
    {
        var file = Write("""
            anomalies:
              evaluationInterval: 15s
              maxSeries: 50
              defaults: false
              replayWindow: 2h
              closeAfter: 4
              maxEvents: 100
              watches:
                - name: queue-depth
                  query: max by (queue) (jobs_queue_depth)
                  description: queue depth
                  unit: " jobs"
            """);
        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: file), new Dictionary<string, string> { ["VIGIL__ANOMALIES__MAXSERIES"] = "60" }, out var errors);
        Assert.Empty(errors);
        var a = options.Anomalies;
        Assert.Equal((TimeSpan.FromSeconds(15), 60, false, TimeSpan.FromHours(2), 4, 100), (a.EvaluationInterval, a.MaxSeries, a.Defaults, a.ReplayWindow, a.CloseAfter, a.MaxEvents));
        var watch = Assert.Single(a.Watches.Items).ToWatch();
        Assert.Equal(("queue-depth", "max by (queue) (jobs_queue_depth)", "queue depth", " jobs"), (watch.Name, watch.Query, watch.Description, watch.Unit));
    }

    [Fact]
    public void Load_BadWatchesAndBounds_EveryErrorNamed()
    {
        var file = Write("""
            anomalies:
              maxSeries: 0
              watches:
                - name: Bad_Name
                  query: rate(x[5m]
                - name: ok
                  query: x[5m]
                  colour: red
            """);
        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), new Dictionary<string, string>(), out var errors);
        Assert.Contains("anomalies.maxSeries: must be positive", errors);
        Assert.Contains(errors, e => e.StartsWith("anomalies.watches[0].name: 'Bad_Name' is not a valid name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("anomalies.watches[0].query: PromQL does not parse", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("anomalies.watches[1].query: the query gives a matrix", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("anomalies.watches[1].colour: unknown setting", StringComparison.Ordinal));
    }

    private string Write(string yaml)
    {
        var path = Path.Combine(_directory, "vigil.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
