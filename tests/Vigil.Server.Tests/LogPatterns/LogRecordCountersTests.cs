using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Telemetry;
using Vigil.Server.LogPatterns;

namespace Vigil.Server.Tests.LogPatterns;

public sealed class LogRecordCountersTests
{
    [Fact]
    public void Add_BeyondTheBound_CountsIntoOneOverflowSeries_AndKeepsExistingSeriesCumulative()
    {
        var counters = new LogRecordCounters(maxSeries: 3);
        for (var i = 0; i < 10; i++)
        {
            counters.Add("api", "1.0", "prod", i.ToString(CultureInfo.InvariantCulture), "info");
        }

        counters.Add("api", "1.0", "prod", "0", "info");
        Assert.Equal(3, counters.SeriesCount);

        var collected = counters.Collect(1_000);

        // Each series is new, so it also gets a zero 1 ms before the first collect: increase() counts its first records.
        Assert.Equal(8, collected.Count);
        Assert.All(collected.Where(s => s.TimestampMs == 999), s => Assert.Equal(0, s.Value));
        var samples = collected.Where(s => s.TimestampMs == 1_000).ToList();
        Assert.Equal(4, samples.Count);
        var overflow = Assert.Single(samples, s => s.Labels.Get(LogRecordCounters.OverflowLabel) == "true");
        Assert.Equal(7, overflow.Value);
        var first = Assert.Single(samples, s => s.Labels.Get("template_id") == "0");
        Assert.Equal(2, first.Value);
        Assert.Equal(LogRecordCounters.MetricName, first.Labels.Get(LabelSet.MetricNameLabel));
        Assert.Equal("api", first.Labels.Get(PromotedLabels.ServiceName));
        Assert.Equal("info", first.Labels.Get("severity"));
        Assert.All(samples, s => Assert.Equal(1_000, s.TimestampMs));
    }

    [Fact]
    public void Collect_SeriesNewSinceTheLastCollect_GetsItsZeroAtTheLastCollect()
    {
        var counters = new LogRecordCounters(maxSeries: 10);
        counters.Add("api", "1.0", "prod", "1", "info");
        counters.Collect(1_000);
        counters.Add("api", "2.0", "prod", "7", "error");
        counters.Add("api", "1.0", "prod", "1", "info");

        var samples = counters.Collect(2_000);

        Assert.Equal(3, samples.Count);
        var zero = Assert.Single(samples, s => s.TimestampMs == 1_000);
        Assert.Equal("7", zero.Labels.Get("template_id"));
        Assert.Equal(0, zero.Value);
        Assert.Equal(2, Assert.Single(samples, s => s.Labels.Get("template_id") == "1").Value);
    }

    [Theory]
    [InlineData("Information", 9, "information")]
    [InlineData("", 17, "error")]
    [InlineData("", 13, "warn")]
    [InlineData("", 0, "unspecified")]
    public void SeverityLabel_UsesLowerCasedTextElseTheNumbersName(string text, int number, string expected) =>
        Assert.Equal(expected, LogRecordCounters.SeverityLabel(text, number));

    [Fact]
    public void Service_DamagedStateFile_IsRenamedAsideAndMiningStartsEmpty_ThenSaveRoundTrips()
    {
        var directory = Path.Combine(Path.GetTempPath(), "vigil-logpatterns-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, LogPatternsService.FileName);
            File.WriteAllText(path, "not a template file");
            var service = new LogPatternsService(directory, NullLogger<LogPatternsService>.Instance);
            Assert.False(File.Exists(path));
            Assert.Single(Directory.GetFiles(directory, LogPatternsService.FileName + ".damaged-*"));

            var id = service.Miner.Match("api", "user 12 logged in").Id;
            service.Save();
            Assert.False(File.Exists(path + ".tmp"));

            var reloaded = new LogPatternsService(directory, NullLogger<LogPatternsService>.Instance);
            Assert.Equal(id, reloaded.Miner.Match("api", "user 99 logged in").Id);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
