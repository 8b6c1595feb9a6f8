using System.CommandLine;
using System.CommandLine.Invocation;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Cli.Releases;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Tests.Releases;

/// <summary>
/// <c>vigil release verify|abort|override</c> against a scripted server. The commands are hung under their own
/// <c>release</c> command here (the real one is registered by the release commands), with short real poll delays.
/// </summary>
public sealed class ReleaseVerifyCommandTests
{
    private static readonly string[] Verify = ["release", "verify", "--service", "checkout", "--version", "1.4.2", "--environment", "prod", "--server", "http://vigil.test"];

    private static VerdictDto Verdict(string runState, string? verdict, int look, string? current = null, string classification = "Pass") => new(
        "rel_1", "checkout", "1.4.2", "prod", "run_1", "default", "canary", "1.4.1", runState, verdict, verdict is not null, current ?? verdict,
        false, null, null, 100, look, 3, verdict is null ? null : $"{verdict}: error ratio",
        [new MetricJudgementDto("error-ratio", "errors", "count_ratio", true, 1, classification, new EffectDto(2.5, 1.2, double.PositiveInfinity, true, 0.95),
            0.001, null, 400, 4000, "requests", "error ratio is 250% higher on 1.4.2 (3 errors in 400 vs 0 in 4,000 requests)", "test", null)],
        DateTimeOffset.UnixEpoch, null);

    private static StubHandler Server(params VerdictDto[] answers)
    {
        var next = 0;
        return new StubHandler(request =>
        {
            var dto = answers[Math.Min(next++, answers.Length - 1)];
            var status = request.Method == HttpMethod.Post && next == 1 ? HttpStatusCode.Accepted : HttpStatusCode.OK;
            return new HttpResponseMessage(status) { Content = new StringContent(JsonSerializer.Serialize(dto, VigilJson.Options), Encoding.UTF8, "application/json") };
        });
    }

    private static async Task<CliRun> RunAsync(string[] args, HttpMessageHandler handler)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(new CliEnvironment(output, error, TimeProvider.System, _ => null, handler, HandleSignals: false));
        var release = new Command("release");
        ReleaseVerifyCommand.AddTo(release, context);
        var root = new RootCommand { release };
        context.AddGlobalOptionsTo(root);
        var parsed = root.Parse(args);
        var code = parsed.Errors.Count > 0
            ? ExitCodes.Usage
            : await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, CancellationToken.None);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Verify_Wait_PrintsProgressAndTheFailingMetric_ExitsOneOnFail()
    {
        var handler = Server(Verdict("running", null, 0), Verdict("running", null, 1, "Inconclusive", "Nodata"), Verdict("completed", "Fail", 2, classification: "High"));

        var run = await RunAsync([.. Verify, "--wait", "--poll", "1ms"], handler);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("look 1/3: Inconclusive", run.Out, StringComparison.Ordinal);
        Assert.Contains("Verdict: Fail, score 100 after 2/3 looks", run.Out, StringComparison.Ordinal);
        Assert.Contains("[High] error-ratio (critical): error ratio is 250% higher on 1.4.2", run.Out, StringComparison.Ordinal);
        Assert.Equal(HttpMethod.Post, handler.Requests[0].Method);
        Assert.EndsWith("/api/v1/releases/verify", handler.Requests[0].RequestUri!.AbsolutePath, StringComparison.Ordinal);
        Assert.All(handler.Requests.Skip(1), r => Assert.Equal("/api/v1/releases/rel_1/verdict", r.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task Verify_WaitWithJsonOutput_PrintsTheFinalVerdictAsJson_ExitsZeroOnPass()
    {
        var run = await RunAsync([.. Verify, "--wait", "--poll", "1ms", "--output", "json", "--plan", "fast", "--baseline", "1.4.0", "--restart"],
            Server(Verdict("running", null, 0), Verdict("completed", "Pass", 3)));

        Assert.True(run.ExitCode == 0, run.ToString());
        var dto = JsonSerializer.Deserialize<VerdictDto>(run.Out, VigilJson.Options)!;
        Assert.Equal(("Pass", true), (dto.Verdict, dto.Decided));
        Assert.Contains("Verifying checkout 1.4.2 in prod", run.Error, StringComparison.Ordinal); // progress goes to stderr with json
    }

    [Fact]
    public async Task Verify_WaitTimesOut_ExitsTwoSayingSo()
    {
        var run = await RunAsync([.. Verify, "--wait", "--poll", "5ms", "--timeout", "30ms"], Server(Verdict("running", null, 1, "Pass")));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("Timed out after 30ms without a verdict: still running (look 1/3, currently Pass)", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Marginal", 2)]
    [InlineData("Inconclusive", 2)]
    [InlineData("Pass", 0)]
    public async Task Verify_AlreadyDecided_ExitsByTheVerdictWithoutWaiting(string verdict, int exitCode)
    {
        var run = await RunAsync(Verify, Server(Verdict("completed", verdict, 3)));

        Assert.True(run.ExitCode == exitCode, run.ToString());
    }

    [Fact]
    public async Task Verify_StillRunningWithoutWait_ExitsZeroAndSaysHowToFollow()
    {
        var run = await RunAsync(Verify, Server(Verdict("running", null, 0)));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("--wait", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Override_UnknownVerdict_IsAUsageError()
    {
        var run = await RunAsync(["release", "override", "rel_1", "--verdict", "maybe", "--reason", "x"], Server(Verdict("completed", "Pass", 3)));

        Assert.Equal(3, run.ExitCode);
    }

    [Fact]
    public async Task Abort_SendsTheReason()
    {
        var handler = Server(Verdict("aborted", null, 1));

        var run = await RunAsync(["release", "abort", "rel_1", "--reason", "bad config", "--server", "http://vigil.test"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/releases/rel_1/abort", handler.Last.RequestUri!.AbsolutePath);
        Assert.Contains("\"reason\":\"bad config\"", handler.Bodies[^1], StringComparison.Ordinal);
        Assert.Contains("Aborted the verification of checkout 1.4.2 in prod (rel_1): bad config", run.Out, StringComparison.Ordinal);
    }
}
