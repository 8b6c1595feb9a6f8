using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vigil.Cli.Tests.Checks;

/// <summary>
/// <c>vigil checks run</c> against a real local HTTP server (Kestrel on a free loopback port): from a local file with no
/// server at all, and from a server's stored definition; exit 0 on pass, 1 on fail with the reason, secrets read from
/// the CLI's own environment and never printed.
/// </summary>
public sealed class ChecksRunTests : IAsyncLifetime
{
    private const string Token = "s3cr3t-token-value";
    private readonly TempDirectory _directory = new();
    private WebApplication _target = null!;
    private int _requests;

    private string Base => _target.Urls.First();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _target = builder.Build();
        _target.Use((context, next) =>
        {
            Interlocked.Increment(ref _requests);
            return next(context);
        });
        _target.MapGet("/ok", () => Results.Json(new { status = "up" }));
        _target.MapGet("/down", () => Results.Text("under maintenance until 13:00", statusCode: StatusCodes.Status503ServiceUnavailable));
        _target.MapGet("/private", (HttpContext context) => context.Request.Headers.Authorization == $"Bearer {Token}"
            ? Results.Text("welcome")
            : Results.Text("who are you?", statusCode: StatusCodes.Status401Unauthorized));
        await _target.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _target.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task RunFromFile_PassingTarget_ExitsZeroAndPrintsPhasesAndAssertions()
    {
        var file = await WriteAsync("ok.yaml", Check("api-ok", "/ok", "    assertions:\n      - status: 200\n      - body: up\n"));

        var run = await RunAsync(["checks", "run", "-f", file]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var text = run.Out.ReplaceLineEndings("\n");
        Assert.Matches(@"(?m)^check +api-ok$", text);
        Assert.Matches(@"(?m)^location +cli$", text);
        Assert.Matches(@"(?m)^outcome +pass$", text);
        Assert.Matches(@"(?m)^phases +.*connect", text);
        Assert.Matches(@"(?m)^ASSERTION +RESULT +ACTUAL +REASON$", text);
        Assert.Equal(2, text.Split('\n').Count(l => l.Contains(" pass ", StringComparison.Ordinal) || l.EndsWith(" pass", StringComparison.Ordinal)) - 1);
        Assert.Equal(1, _requests);
    }

    [Fact]
    public async Task RunFromFile_FailingTarget_ExitsOneWithTheReasonAndExcerpt()
    {
        var file = await WriteAsync("down.yaml", Check("api-down", "/down", "    assertions:\n      - status: 200\n"));

        var run = await RunAsync(["checks", "run", "-f", file]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var text = run.Out.ReplaceLineEndings("\n");
        Assert.Matches(@"(?m)^outcome +fail$", text);
        Assert.Matches(@"(?m)^reason +.*503", text);
        Assert.Contains("response excerpt:\n  under maintenance until 13:00", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunFromFile_Json_IsOneResultDocumentFromLocationCli()
    {
        var file = await WriteAsync("down.yaml", Check("api-down", "/down", string.Empty));

        var run = await RunAsync(["checks", "run", "-f", file, "-o", "json"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("api-down", json.RootElement.GetProperty("check").GetString());
        Assert.Equal("cli", json.RootElement.GetProperty("location").GetString());
        Assert.Equal("fail", json.RootElement.GetProperty("outcome").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task RunFromFile_SecretFromTheEnvironment_IsUsedAndNeverPrinted()
    {
        var yaml = Check("private", "/private", "    auth:\n      bearer: ${env:API_TOKEN}\n");
        var file = await WriteAsync("private.yaml", yaml);

        var withSecret = await RunAsync(["checks", "run", "-f", file, "-o", "json"], new Dictionary<string, string> { ["API_TOKEN"] = Token });
        var without = await RunAsync(["checks", "run", "-f", file]);

        Assert.True(withSecret.ExitCode == 0, withSecret.ToString());
        Assert.DoesNotContain(Token, withSecret.Out + withSecret.Error, StringComparison.Ordinal);
        Assert.True(without.ExitCode == 1, without.ToString());
        Assert.Contains("API_TOKEN", without.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunFromFile_ByName_RunsOnlyThatCheck_WithoutName_RunsEveryCheck()
    {
        var file = await WriteAsync("both.yaml", Check("api-ok", "/ok", string.Empty) + Check("api-down", "/down", string.Empty));

        var one = await RunAsync(["checks", "run", "-f", file, "api-ok"]);
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal(1, _requests);

        var all = await RunAsync(["checks", "run", "-f", file]);
        Assert.True(all.ExitCode == 1, all.ToString());
        Assert.Contains("api-ok", all.Out, StringComparison.Ordinal);
        Assert.Contains("api-down", all.Out, StringComparison.Ordinal);

        var missing = await RunAsync(["checks", "run", "-f", file, "nope"]);
        Assert.True(missing.ExitCode == 3, missing.ToString());
        Assert.Contains("it has: api-ok, api-down", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunFromFile_InvalidCheck_ReportsFileLineAndReasonAndRunsNothing()
    {
        var file = await WriteAsync("bad.yaml", Check("api-ok", "/ok", string.Empty).Replace("type: http", "type: carrier-pigeon", StringComparison.Ordinal));

        var run = await RunAsync(["checks", "run", "-f", file]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(file)}:7:\d+: .*carrier-pigeon", run.Error);
        Assert.Equal(0, _requests);
    }

    [Fact]
    public async Task RunByName_FetchesTheServersDefinitionAndRunsItHere()
    {
        var yaml = Check("api-ok", "/ok", string.Empty);
        var dto = new
        {
            name = "api-ok", type = "http", intervalSeconds = 30, locations = new[] { "local" }, quorum = 1, labels = new Dictionary<string, string>(),
            status = "unknown", summary = "no results yet", lastRunAt = (DateTimeOffset?)null, latestByLocation = Array.Empty<object>(), yaml,
        };
        var handler = StubHandler.Json(JsonSerializer.Serialize(dto));

        var run = await RunAsync(["checks", "run", "api-ok", "--server", "http://vigil.test:7070"], handler: handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/checks/api-ok", Assert.Single(handler.Requests).RequestUri!.AbsolutePath);
        Assert.Equal(1, _requests); // the check itself ran here, against the target
        Assert.Matches(@"(?m)^outcome +pass\r?$", run.Out);
    }

    private string Check(string name, string path, string extra) => $"""
        ---
        apiVersion: vigil/v1
        kind: Check
        metadata:
          name: {name}
        spec:
          type: http
          interval: 30s
          http:
            url: {Base}{path}
        {extra}
        """;

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_directory.Path, name);
        await File.WriteAllTextAsync(path, text, Encoding.UTF8);
        return path;
    }

    private static Task<CliRun> RunAsync(string[] args, IReadOnlyDictionary<string, string>? variables = null, HttpMessageHandler? handler = null) =>
        CliRun.RunAsync(args, handler, variables, TimeProvider.System);
}
