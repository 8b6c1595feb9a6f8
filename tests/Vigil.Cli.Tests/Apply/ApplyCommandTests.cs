using System.Net;
using System.Text.Json;

namespace Vigil.Cli.Tests.Apply;

public sealed class ApplyCommandTests : IDisposable
{
    private const string Applied = """{"dryRun":false,"created":["VerificationPlan/a"],"configured":[],"unchanged":["VerificationPlan/b"],"pruned":[]}""";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string relative, string text = "kind: VerificationPlan\n")
    {
        var path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static List<string> SentFiles(StubHandler handler)
    {
        using var body = JsonDocument.Parse(handler.Bodies[^1]!);
        return [.. body.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file").GetString()!)];
    }

    [Fact]
    public async Task Apply_Directory_SendsItsYamlFilesInNameOrder_AndPrintsKubectlLines()
    {
        var b = Write("b.yml");
        var a = Write("a.yaml");
        Write("notes.md");
        Write("sub/c.yaml");
        var handler = StubHandler.Json(Applied);

        var run = await CliRun.RunAsync(["apply", "-f", _dir.Path, "--dry-run"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/apply", handler.Last.RequestUri!.AbsolutePath);
        Assert.Equal([a, b], SentFiles(handler));
        using (var body = JsonDocument.Parse(handler.Bodies[^1]!))
        {
            Assert.True(body.RootElement.GetProperty("dryRun").GetBoolean());
            Assert.False(body.RootElement.GetProperty("prune").GetBoolean());
        }

        Assert.Equal("verificationplan/a created\nverificationplan/b unchanged\n", run.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Apply_Recursive_ReadsNestedFolders()
    {
        var a = Write("a.yaml");
        var c = Write("sub/c.yaml");
        var handler = StubHandler.Json(Applied);

        var run = await CliRun.RunAsync(["apply", "-R", "-f", _dir.Path, "-f", a, "--prune"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([a, c, a], SentFiles(handler));
    }

    [Fact]
    public async Task Apply_NoFileOption_IsAUsageError()
    {
        var run = await CliRun.RunAsync(["apply"]);

        Assert.Equal(3, run.ExitCode);
    }

    [Fact]
    public async Task Apply_MissingFileOrFolderWithoutYaml_IsAUsageErrorAndSendsNothing()
    {
        Write("notes.md");
        var handler = StubHandler.Json(Applied);

        var missing = await CliRun.RunAsync(["apply", "-f", Path.Combine(_dir.Path, "nope.yaml")], handler);
        var empty = await CliRun.RunAsync(["apply", "-f", _dir.Path], handler);

        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        Assert.Equal(3, empty.ExitCode);
        Assert.Contains("holds no .yaml or .yml files (-R reads the folders inside it)", empty.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Apply_ServerRefusesDocuments_PrintsEveryPositionLineAndExits5()
    {
        var file = Write("p.yaml");
        var handler = StubHandler.Json(
            """{"title":"Invalid documents","status":400,"detail":"2 errors in the applied files; nothing was applied","errors":["p.yaml:3:7: kind: unknown kind 'X'","p.yaml:9:13: spec.interval: must be at least 1s"]}""",
            HttpStatusCode.BadRequest,
            "application/problem+json");

        var run = await CliRun.RunAsync(["apply", "-f", file], handler);

        Assert.Equal(5, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal(
            "p.yaml:3:7: kind: unknown kind 'X'\np.yaml:9:13: spec.interval: must be at least 1s\nerror: 2 errors in the files; nothing was applied.\n",
            run.Error.ReplaceLineEndings("\n"));
    }
}
