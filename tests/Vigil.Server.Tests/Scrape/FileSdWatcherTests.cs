using Vigil.Server.Scrape;

namespace Vigil.Server.Tests.Scrape;

public sealed class FileSdWatcherTests
{
    [Fact]
    public void ParseJson_TargetGroups_AddFilePathMeta()
    {
        var groups = FileSdWatcher.ParseJson("/sd/a.json", """[{"targets":["h1:9100","h2:9100"],"labels":{"env":"prod"}},{"targets":["h3:1"]}]""", out var error);

        Assert.Null(error);
        Assert.NotNull(groups);
        Assert.Equal(2, groups.Count);
        Assert.Equal(["h1:9100", "h2:9100"], groups[0].Targets);
        Assert.Equal("prod", groups[0].Labels["env"]);
        Assert.Equal("/sd/a.json", groups[1].Labels[FileSdWatcher.FilePathLabel]);
    }

    [Fact]
    public void ParseYaml_TargetGroups()
    {
        var groups = FileSdWatcher.ParseYaml("/sd/a.yml", "- targets: [h1:9100]\n  labels:\n    env: dev\n", out var error);

        Assert.Null(error);
        Assert.Equal("dev", Assert.Single(groups!).Labels["env"]);
    }

    [Theory]
    [InlineData("a.json", "[{\"targets\": [\"h:1\"],}]", "a.json:1:")]
    [InlineData("a.json", "{\"targets\": []}", "expected a JSON array")]
    [InlineData("a.json", "[{\"targets\": [\"http://h:1/x\"]}]", "not a valid target address")]
    [InlineData("a.yml", "- targets: [h:1]\n  lables: {a: b}\n", "a.yml:2:3: unexpected field \"lables\"")]
    [InlineData("a.yml", "- targets: [h:1]\n  labels: {bad-name: b}\n", "not a valid label name")]
    public void Parse_BadFile_SaysWhereAndWhy(string file, string text, string expected)
    {
        var groups = file.EndsWith(".json", StringComparison.Ordinal)
            ? FileSdWatcher.ParseJson(file, text, out var error)
            : FileSdWatcher.ParseYaml(file, text, out error);

        Assert.Null(groups);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
