using System.Globalization;
using Vigil.Core.Checks.Runners;
using Vigil.Core.Time;

namespace Vigil.Core.Checks;

/// <summary>
/// The executor of every check type: applies timeout, retries with backoff, degraded threshold and maintenance. Each
/// run opens fresh connections. Target failures never throw; only cancellation by the caller does.
/// </summary>
/// <param name="time">The clock (fake in tests): timestamps, timeouts and retry waits use it.</param>
public sealed class CheckExecutor(TimeProvider time) : ICheckExecutor
{
    /// <summary>The longest wait between retries, whatever the multiplier makes of it.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);

    private readonly HttpRunner _http = new(time);
    private readonly TcpRunner _tcp = new(time);
    private readonly DnsRunner _dns = new(time);
    private readonly TlsRunner _tls = new(time);
    private readonly GrpcRunner _grpc = new(time);
    private readonly FlowRunner _flow = new(new HttpRunner(time));

    /// <inheritdoc />
    public async Task<CheckResult> RunAsync(CheckDefinition check, CheckRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(context);
        var startedAt = time.GetUtcNow();
        var inMaintenance = MaintenanceWindows.AnyCovers(check.Maintenance, startedAt);
        var secrets = new SecretMask();
        var backoff = check.Retry.InitialBackoff;
        var attempts = 0;
        CheckAttempt attempt;
        AttemptOutcome outcome;
        TimeSpan duration;
        while (true)
        {
            attempts++;
            attempt = new CheckAttempt(check, context, time, secrets) { CallerToken = cancellationToken };
            var start = time.GetTimestamp();
            outcome = await AttemptAsync(check, attempt, cancellationToken).ConfigureAwait(false);
            duration = time.GetElapsedTime(start);
            if (outcome.Outcome != CheckOutcome.Fail || attempts > check.Retry.Retries)
            {
                break;
            }

            if (backoff > TimeSpan.Zero)
            {
                await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
            }

            backoff = TimeSpan.FromTicks((long)Math.Min(backoff.Ticks * Math.Max(1, check.Retry.Multiplier), MaxBackoff.Ticks));
        }

        if (outcome.Outcome == CheckOutcome.Pass && check.DegradedAfter is { } slow && duration > slow)
        {
            outcome = new AttemptOutcome(CheckOutcome.Degraded, $"took {Millis(duration)}, slower than degradedAfter {DurationParser.Format(slow)}", null);
        }

        return new CheckResult(
            check.Name,
            context.Location,
            context.ScheduledAt,
            startedAt,
            duration,
            outcome.Outcome,
            secrets.Mask(outcome.Reason),
            Excerpt(secrets.Mask(outcome.Excerpt)),
            attempts,
            inMaintenance,
            attempt.Phases,
            [.. attempt.Assertions.Select(a => Mask(a, secrets))],
            [.. attempt.Steps.Select(s => s with { Reason = secrets.Mask(s.Reason), Assertions = [.. s.Assertions.Select(a => Mask(a, secrets))] })]);
    }

    private async Task<AttemptOutcome> AttemptAsync(CheckDefinition check, CheckAttempt attempt, CancellationToken cancellationToken)
    {
        ICheckRunner runner = check.Spec switch
        {
            HttpCheckSpec => _http,
            TcpCheckSpec => _tcp,
            DnsCheckSpec => _dns,
            TlsCheckSpec => _tls,
            GrpcCheckSpec => _grpc,
            FlowCheckSpec => _flow,
            _ => throw new ArgumentException($"check {check.Name}: no runner for {check.Spec.GetType().Name}", nameof(check)),
        };

        using var timeout = new CancellationTokenSource(check.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await runner.RunAsync(attempt, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AttemptOutcome.Failed($"timed out after {DurationParser.Format(check.Timeout)}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return AttemptOutcome.Failed(CheckFailures.Describe(e));
        }
    }

    private static AssertionResult Mask(AssertionResult assertion, SecretMask secrets) =>
        assertion with { Actual = secrets.Mask(assertion.Actual), Reason = secrets.Mask(assertion.Reason), Description = secrets.Mask(assertion.Description)! };

    private static string? Excerpt(string? text) =>
        text is null || text.Length <= CheckResult.MaxExcerptLength ? text : text[..CheckResult.MaxExcerptLength];

    private static string Millis(TimeSpan duration) =>
        $"{Math.Round(duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)} ms";
}
