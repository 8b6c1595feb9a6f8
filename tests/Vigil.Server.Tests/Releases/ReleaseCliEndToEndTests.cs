using System.Text.Json;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Releases;

/// <summary>The built <c>vigil release</c> commands against a real server, as a CI job runs them.</summary>
public sealed class ReleaseCliEndToEndTests(ReleaseServerFixture fixture) : IClassFixture<ReleaseServerFixture>
{
    [Fact]
    public async Task CreateRepeatListGet_AgainstRunningServer_AndExitCodes()
    {
        var server = fixture.Vigil.HttpAddress.ToString();
        string[] create = ["release", "create", "--service", "cli-e2e", "--version", "5.1.0", "--environment", "prod", "--commit", "deadbeef",
            "--link", "PR=https://git.example/pr/51", "--server", server];

        var first = await VigilServerProcess.RunCliAsync([.. create, "-o", "json"]);
        var repeat = await VigilServerProcess.RunCliAsync([.. create, "-o", "json"]);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(repeat.ExitCode == 0, repeat.Error);
        string id;
        using (var json = JsonDocument.Parse(first.Output))
        {
            id = json.RootElement.GetProperty("id").GetString()!;
            Assert.Equal("pending", json.RootElement.GetProperty("state").GetString());
        }

        using (var json = JsonDocument.Parse(repeat.Output))
        {
            Assert.Equal(id, json.RootElement.GetProperty("id").GetString());
        }

        var list = await VigilServerProcess.RunCliAsync("release", "list", "--service", "cli-e2e", "--server", server);
        Assert.True(list.ExitCode == 0, list.Error);
        Assert.Contains($"{id}  cli-e2e  5.1.0    prod         pending  api", list.Output, StringComparison.Ordinal);

        var get = await VigilServerProcess.RunCliAsync("release", "get", id, "--server", server);
        Assert.True(get.ExitCode == 0, get.Error);
        Assert.Contains("commit       deadbeef", get.Output, StringComparison.Ordinal);
        Assert.Contains("release.created", get.Output, StringComparison.Ordinal);
        Assert.Contains("release.create_repeated", get.Output, StringComparison.Ordinal);

        var missing = await VigilServerProcess.RunCliAsync("release", "get", "rel_ffffffffffffffff", "--server", server);
        Assert.Equal(5, missing.ExitCode);
        Assert.Contains("no release with id", missing.Error, StringComparison.Ordinal);

        var usage = await VigilServerProcess.RunCliAsync("release", "create", "--service", "cli-e2e", "--server", server);
        Assert.Equal(3, usage.ExitCode);
        Assert.Contains("--version", usage.Error, StringComparison.Ordinal);
    }
}
