using Vigil.Core.Scrape;
using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.Scrape;

public sealed class ScrapeLabelsTests
{
    private static readonly ScrapeConfig Job = new()
    {
        JobName = "node",
        ScrapeInterval = TimeSpan.FromSeconds(15),
        ScrapeTimeout = TimeSpan.FromSeconds(5),
        Params = new Dictionary<string, IReadOnlyList<string>> { ["module"] = ["a", "b"] },
    };

    private static readonly TargetGroup Group = new(["host1:9100"], new Dictionary<string, string> { ["env"] = "prod" }, "test");

    [Fact]
    public void Discovered_HasPrometheusTargetLabels()
    {
        var labels = ScrapeLabels.Discovered(Job, Group, "host1:9100");

        Assert.Equal("host1:9100", labels["__address__"]);
        Assert.Equal("http", labels["__scheme__"]);
        Assert.Equal("/metrics", labels["__metrics_path__"]);
        Assert.Equal("15s", labels["__scrape_interval__"]);
        Assert.Equal("5s", labels["__scrape_timeout__"]);
        Assert.Equal("a", labels["__param_module"]);
        Assert.Equal("node", labels["job"]);
        Assert.Equal("prod", labels["env"]);
    }

    [Fact]
    public void Populate_DropsDoubleUnderscoreLabels_DefaultsInstance_BuildsUrl()
    {
        var target = ScrapeLabels.Populate(Job, ScrapeLabels.Discovered(Job, Group, "host1:9100"), out var error);

        Assert.Null(error);
        Assert.NotNull(target);
        Assert.Equal(RelabelerTests.Labels("env=prod,instance=host1:9100,job=node"), target.Labels);
        Assert.Equal("http://host1:9100/metrics?module=a&module=b", target.ScrapeUrl.ToString());
        Assert.Equal("host1:9100", target.DiscoveredLabels.Get("__address__"));
    }

    [Fact]
    public void Populate_RelabelingCanRewriteAddressPathSchemeParamAndInstance()
    {
        var job = Job with
        {
            RelabelConfigs =
            [
                RelabelConfig.Create(RelabelAction.Replace, ["__address__"], targetLabel: "__param_target"),
                RelabelConfig.Create(RelabelAction.Replace, ["__param_target"], targetLabel: "instance"),
                RelabelConfig.Create(RelabelAction.Replace, targetLabel: "__address__", replacement: "exporter:9115"),
                RelabelConfig.Create(RelabelAction.Replace, targetLabel: "__metrics_path__", replacement: "/probe"),
                RelabelConfig.Create(RelabelAction.Replace, targetLabel: "__scheme__", replacement: "https"),
            ],
        };

        var target = ScrapeLabels.Populate(job, ScrapeLabels.Discovered(job, Group, "host1:9100"), out _);

        Assert.NotNull(target);
        Assert.Equal("https://exporter:9115/probe?module=a&module=b&target=host1%3A9100", target.ScrapeUrl.ToString());
        Assert.Equal("host1:9100", target.Labels.Get("instance"));
    }

    [Fact]
    public void Populate_TargetDroppedByRelabeling_IsNullWithoutError()
    {
        var job = Job with { RelabelConfigs = [RelabelConfig.Create(RelabelAction.Drop, ["env"], regex: "prod")] };
        Assert.Null(ScrapeLabels.Populate(job, ScrapeLabels.Discovered(job, Group, "host1:9100"), out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Populate_TimeoutRelabeledAboveInterval_IsAnError()
    {
        var job = Job with { RelabelConfigs = [RelabelConfig.Create(RelabelAction.Replace, targetLabel: "__scrape_timeout__", replacement: "1m")] };
        Assert.Null(ScrapeLabels.Populate(job, ScrapeLabels.Discovered(job, Group, "host1:9100"), out var error));
        Assert.Contains("greater than scrape interval", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ForSample_HonorLabelsFalse_PrefixesConflictsWithExported()
    {
        var target = RelabelerTests.Labels("instance=host1:9100,job=node");
        var exposed = RelabelerTests.Labels("__name__=m,job=app,exported_job=older,instance=i");

        var labels = ScrapeLabels.ForSample(exposed, target, honorLabels: false, []);

        Assert.Equal(RelabelerTests.Labels("__name__=m,job=node,instance=host1:9100,exported_instance=i,exported_job=older,exported_exported_job=app"), labels);
    }

    [Fact]
    public void ForSample_HonorLabelsTrue_KeepsExposedValues()
    {
        var target = RelabelerTests.Labels("instance=host1:9100,job=node");
        var exposed = RelabelerTests.Labels("__name__=m,job=app");

        var labels = ScrapeLabels.ForSample(exposed, target, honorLabels: true, []);

        Assert.Equal(RelabelerTests.Labels("__name__=m,job=app,instance=host1:9100"), labels);
    }

    [Fact]
    public void ForSample_MetricRelabelDrop_ReturnsNull()
    {
        var drop = RelabelConfig.Create(RelabelAction.Drop, ["__name__"], regex: "go_.*");
        Assert.Null(ScrapeLabels.ForSample(RelabelerTests.Labels("__name__=go_goroutines"), LabelSet.Empty, false, [drop]));
        Assert.NotNull(ScrapeLabels.ForSample(RelabelerTests.Labels("__name__=up2"), LabelSet.Empty, false, [drop]));
    }

    [Theory]
    [InlineData(60_000, "1m")]
    [InlineData(90_000, "1m30s")]
    [InlineData(500, "500ms")]
    [InlineData(0, "0s")]
    public void FormatDuration_IsPrometheusForm(int ms, string expected) =>
        Assert.Equal(expected, ScrapeLabels.FormatDuration(TimeSpan.FromMilliseconds(ms)));
}
