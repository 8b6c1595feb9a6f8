namespace Vigil.Cli.Tests.Bench;

/// <summary><c>vigil bench nab|loghub</c>: bad inputs are usage errors with a message, and a small run scores and prints.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-bench-" + Guid.NewGuid().ToString("N"));

    public BenchCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("nab", "--data", "/no/such/folder", "--windows", "/no/such/windows.json")]
    [InlineData("loghub", "--data", "/no/such/folder")]
    public async Task MissingData_IsAUsageErrorNamingIt(params string[] args)
    {
        var run = await CliRun.RunAsync(["bench", .. args]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("/no/such/folder", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loghub_OnOneSmallDataset_WritesPredictionsAndPrintsTheFourScores()
    {
        var dataset = Directory.CreateDirectory(Path.Combine(_directory, "data", "Tiny"));
        var lines = new List<string> { "LineId,Content,EventId,EventTemplate" };
        for (var i = 1; i <= 40; i++)
        {
            lines.Add(i % 2 == 0
                ? $"{i},\"Connection from 10.0.0.{i} closed after {i * 3} ms\",E1,Connection from <*> closed after <*> ms"
                : $"{i},Disk sda{i % 4} is full,E2,Disk <*> is full");
        }

        await File.WriteAllLinesAsync(Path.Combine(dataset.FullName, "Tiny_2k.log_structured_corrected.csv"), lines);
        var output = Path.Combine(_directory, "out");

        var run = await CliRun.RunAsync(["bench", "loghub", "--data", Path.Combine(_directory, "data"), "--out", output]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(output, "Tiny_predictions.csv")), run.ToString());
        Assert.Contains("Tiny", run.Out, StringComparison.Ordinal);
        Assert.Contains("GA", run.Out, StringComparison.Ordinal);
    }
}
