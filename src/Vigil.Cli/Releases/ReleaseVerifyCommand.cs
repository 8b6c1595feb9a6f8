using System.CommandLine;
using System.Globalization;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Releases;

/// <summary>
/// <c>vigil release verify|abort|override</c>: start or follow a release's verification, abort it, or override its
/// verdict. Added to the <c>release</c> command by <see cref="AddTo"/>.
/// </summary>
/// <remarks>
/// Exit codes of <c>verify</c>: 0 Pass, 1 Fail, 2 Marginal, Inconclusive, aborted or timed out (the message says
/// which), 3 usage, 4 unreachable, 5 server error. Without <c>--wait</c> a run that is still going exits 0.
/// </remarks>
internal static class ReleaseVerifyCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromSeconds(2);

    /// <summary>Adds the verification subcommands to <paramref name="release"/>.</summary>
    public static void AddTo(Command release, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(context);
        release.Subcommands.Add(VerifyCommand(context));
        release.Subcommands.Add(AbortCommand(context));
        release.Subcommands.Add(OverrideCommand(context));
    }

    private static Option<string> Required(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    private static Command VerifyCommand(CliContext context)
    {
        var service = Required("--service", "The service (its OpenTelemetry service.name).", "SERVICE");
        var version = Required("--version", "The version being released (its service.version).", "VERSION");
        var environment = Required("--environment", "The environment (its deployment.environment.name).", "ENV");
        var plan = CliOptions.Text("--plan", "An applied VerificationPlan to use instead of the one chosen for the service.", "NAME");
        var baseline = CliOptions.Text("--baseline", "The baseline version to compare with (canary mode); default: the other version with the most traffic.", "VERSION");
        var restart = new Option<bool>("--restart") { Description = "Start a new run even if one is running or done (a running one is aborted)." };
        var wait = new Option<bool>("--wait") { Description = "Wait for the verdict, printing progress, and exit by it." };
        var timeout = CliOptions.Duration("--timeout", "How long --wait waits before giving up (exit 2). Default 15m.");
        var poll = CliOptions.Duration("--poll", "How often --wait asks for the verdict. Default 2s.");

        var command = new Command("verify", "Start (or follow) the verification of a release and report its verdict.")
        {
            service, version, environment, plan, baseline, restart, wait, timeout, poll,
        };
        foreach (var option in new[] { service, version, environment })
        {
            option.Validators.Add(result =>
            {
                var value = result.GetValueOrDefault<string>();
                if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsControl))
                {
                    result.AddError($"{result.Option.Name} must not be blank or hold control characters.");
                }
            });
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var request = new VerifyReleaseRequest(
                parseResult.GetRequiredValue(service),
                parseResult.GetRequiredValue(version),
                parseResult.GetRequiredValue(environment),
                parseResult.GetValue(plan),
                parseResult.GetValue(baseline),
                parseResult.GetValue(restart));
            var waitFor = parseResult.GetValue(wait);
            var limit = parseResult.GetValue(timeout) ?? DefaultTimeout;
            var every = parseResult.GetValue(poll) ?? DefaultPoll;
            var json = context.Format(parseResult) == OutputFormat.Json;
            var progress = json ? context.Error : context.Out;
            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var time = context.Environment.Time;
                var verdict = await client.VerifyReleaseAsync(request, ct);
                var deadline = time.GetUtcNow() + limit;
                await progress.WriteLineAsync(Started(verdict));
                var lastLook = -1;
                while (waitFor && !Done(verdict))
                {
                    if (verdict.Look != lastLook && verdict.Look > 0)
                    {
                        lastLook = verdict.Look;
                        await progress.WriteLineAsync(Progress(verdict));
                    }

                    if (time.GetUtcNow() >= deadline)
                    {
                        await Final(context, verdict, json);
                        await context.Error.WriteLineAsync(
                            $"Timed out after {Vigil.Core.Time.DurationParser.Format(limit)} without a verdict: still {verdict.RunState} (look {verdict.Look}/{verdict.PlannedLooks}{(verdict.Current is null ? string.Empty : ", currently " + verdict.Current)}).");
                        return ExitCodes.Inconclusive;
                    }

                    await Task.Delay(every, time, ct);
                    verdict = await client.GetVerdictAsync(verdict.ReleaseId, ct);
                }

                await Final(context, verdict, json);
                if (!Done(verdict))
                {
                    await progress.WriteLineAsync($"Follow it with: vigil release verify --service {Display.Safe(request.Service)} --version {Display.Safe(request.Version)} --environment {Display.Safe(request.Environment)} --wait");
                    return ExitCodes.Success;
                }

                return ExitCodeOf(verdict, context.Error);
            }, cancellationToken);
        });
        return command;
    }

    private static Command AbortCommand(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The release's id (see 'vigil release list')." };
        var reason = Required("--reason", "Why it is aborted; recorded on the release's timeline.", "TEXT");
        var command = new Command("abort", "Abort the running verification of a release (admin key).") { id, reason };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var releaseId = parseResult.GetRequiredValue(id);
            var why = parseResult.GetRequiredValue(reason);
            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var verdict = await client.AbortVerificationAsync(releaseId, why, ct);
                if (context.Format(parseResult) == OutputFormat.Json)
                {
                    JsonOutput.Write(context.Out, verdict);
                }
                else
                {
                    await context.Out.WriteLineAsync($"Aborted the verification of {Display.Safe(verdict.Service)} {Display.Safe(verdict.Version)} in {Display.Safe(verdict.Environment)} ({verdict.ReleaseId}): {Display.Safe(why)}");
                }

                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static Command OverrideCommand(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The release's id (see 'vigil release list')." };
        var verdictOption = Required("--verdict", "The verdict that replaces the run's.", "pass|marginal|fail|inconclusive");
        verdictOption.AcceptOnlyFromAmong("pass", "marginal", "fail", "inconclusive");
        var reason = Required("--reason", "Why; recorded on the release's timeline.", "TEXT");
        var command = new Command("override", "Override the verdict of a release's verification (admin key).") { id, verdictOption, reason };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var releaseId = parseResult.GetRequiredValue(id);
            var verdictText = parseResult.GetRequiredValue(verdictOption);
            var why = parseResult.GetRequiredValue(reason);
            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var verdict = await client.OverrideVerdictAsync(releaseId, verdictText, why, ct);
                if (context.Format(parseResult) == OutputFormat.Json)
                {
                    JsonOutput.Write(context.Out, verdict);
                }
                else
                {
                    await context.Out.WriteLineAsync($"Verdict of {Display.Safe(verdict.Service)} {Display.Safe(verdict.Version)} in {Display.Safe(verdict.Environment)} ({verdict.ReleaseId}) is now {verdict.Verdict} (overridden): {Display.Safe(why)}");
                }

                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>True once nothing will change without someone acting: a decided verdict, or an aborted run.</summary>
    private static bool Done(VerdictDto verdict) => verdict.Decided || verdict.RunState == "aborted";

    /// <summary>0 Pass, 1 Fail, 2 anything else (Marginal, Inconclusive, aborted), saying which on standard error.</summary>
    internal static int ExitCodeOf(VerdictDto verdict, TextWriter error)
    {
        switch (verdict.Verdict)
        {
            case "Pass":
                return ExitCodes.Success;
            case "Fail":
                return ExitCodes.Failed;
            case "Marginal" or "Inconclusive":
                error.WriteLine($"The verdict is {verdict.Verdict}: not a pass (exit 2).");
                return ExitCodes.Inconclusive;
            default:
                error.WriteLine($"The verification was aborted{(verdict.AbortReason is null ? string.Empty : ": " + Display.Safe(verdict.AbortReason))} (exit 2).");
                return ExitCodes.Inconclusive;
        }
    }

    private static string Started(VerdictDto v) =>
        $"Verifying {Display.Safe(v.Service)} {Display.Safe(v.Version)} in {Display.Safe(v.Environment)} ({v.ReleaseId}): run {v.RunId ?? "none"}, plan {Display.Safe(v.Plan ?? "?")}, {v.Mode ?? "?"} mode, baseline {Display.Safe(v.BaselineVersion ?? "none")}, {v.PlannedLooks} looks; {v.RunState}.";

    private static string Progress(VerdictDto v)
    {
        var worst = v.Metrics.Where(m => m.Classification != "Pass")
            .OrderBy(m => m.Classification == "Nodata" ? 1 : 0).ThenBy(m => m.Critical ? 0 : 1).FirstOrDefault()
            ?? v.Metrics.FirstOrDefault();
        var score = v.Score is { } s ? s.ToString("0.#", CultureInfo.InvariantCulture) : "-";
        return $"  look {v.Look}/{v.PlannedLooks}: {v.Current ?? "-"} (score {score}){(worst is null ? string.Empty : " - " + Display.Safe(worst.Sentence))}";
    }

    private static async Task Final(CliContext context, VerdictDto v, bool json)
    {
        if (json)
        {
            JsonOutput.Write(context.Out, v);
            return;
        }

        var score = v.Score is { } s ? s.ToString("0.#", CultureInfo.InvariantCulture) : "-";
        var headline = v.Verdict is not null
            ? $"Verdict: {v.Verdict}{(v.Overridden ? " (overridden: " + Display.Safe(v.OverrideReason ?? string.Empty) + ")" : string.Empty)}, score {score} after {v.Look}/{v.PlannedLooks} looks"
            : v.RunState == "aborted"
                ? $"Aborted: {Display.Safe(v.AbortReason ?? string.Empty)}"
                : $"No verdict yet: {v.RunState}, look {v.Look}/{v.PlannedLooks}, currently {v.Current ?? "-"} (score {score})";
        await context.Out.WriteLineAsync(headline);
        if (!string.IsNullOrEmpty(v.Summary))
        {
            await context.Out.WriteLineAsync(Display.Safe(v.Summary));
        }

        foreach (var m in v.Metrics)
        {
            await context.Out.WriteLineAsync($"  [{m.Classification}] {Display.Safe(m.Name)}{(m.Critical ? " (critical)" : string.Empty)}: {Display.Safe(m.Sentence)}{(m.Reason is null ? string.Empty : " (" + Display.Safe(m.Reason) + ")")}");
        }
    }
}
