using Vigil.Server.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.Checks;

public sealed class ChecksOptionsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-checks-config-" + Guid.NewGuid().ToString("N"));

    public ChecksOptionsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_ChecksSection_BindsFileAndEnvironment()
    {
        var file = Path.Combine(_directory, "vigil.yaml");
        File.WriteAllText(file, """
            checks:
              localLocation: false
              maxConcurrentRuns: 64
              resultsPerLocation: 200
              reloadInterval: 2s
            """);

        var options = VigilConfiguration.Load(
            new ServeArguments(ConfigFile: file), new Dictionary<string, string> { ["VIGIL__CHECKS__MAXCHECKS"] = "50" }, out var errors).Checks;

        Assert.Empty(errors);
        Assert.True(options.Enabled);
        Assert.False(options.LocalLocation);
        Assert.Equal((64, 200, 50), (options.MaxConcurrentRuns, options.ResultsPerLocation, options.MaxChecks));
        Assert.Equal(TimeSpan.FromSeconds(2), options.ReloadInterval);
    }

    [Fact]
    public void Load_BadChecksValues_ReportsEachWithItsPath()
    {
        var environment = new Dictionary<string, string>
        {
            ["VIGIL__CHECKS__MAXCHECKS"] = "0",
            ["VIGIL__CHECKS__RELOADINTERVAL"] = "0s",
            ["VIGIL__CHECKS__MAXAGENTBATCH"] = "-1",
            ["VIGIL__CHECKS__LOCALLOCATION"] = "maybe",
            ["VIGIL__CHECKS__SCHEDULE"] = "x",
        };

        VigilConfiguration.Load(new ServeArguments(ConfigFile: null), environment, out var errors);

        Assert.Contains("checks.maxChecks: must be positive", errors);
        Assert.Contains("checks.reloadInterval: must be a positive duration", errors);
        Assert.Contains("checks.maxAgentBatch: must be positive", errors);
        Assert.Contains(errors, e => e.StartsWith("checks.localLocation: 'maybe' is not true or false", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("checks.SCHEDULE: unknown setting", StringComparison.Ordinal) || e.StartsWith("checks.schedule: unknown setting", StringComparison.OrdinalIgnoreCase));
    }
}
