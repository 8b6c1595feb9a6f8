using System.Text.Json;
using System.Text.RegularExpressions;
using Vigil.Core.Time;

namespace Vigil.Core.Checks.Runners;

/// <summary>
/// A multi-step flow: setup steps, steps, then teardown steps, each an HTTP request on the run's own connections.
/// Values extracted from a response become variables for later steps. After a hard failure the remaining setup and
/// steps are skipped; teardown always runs (with a fresh timeout when the flow's own ran out).
/// </summary>
internal sealed class FlowRunner(HttpRunner http) : ICheckRunner
{
    public async Task<AttemptOutcome> RunAsync(CheckAttempt attempt, CancellationToken cancellationToken)
    {
        var spec = (FlowCheckSpec)attempt.Check.Spec;
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in spec.Variables)
        {
            if (attempt.Expand(value, null, out var missing) is not { } expanded)
            {
                return AttemptOutcome.Failed($"variable {name}: {missing}");
            }

            variables[name] = expanded;
        }

        string? failure = null;
        string? excerpt = null;
        var degraded = new List<string>();
        var skipped = 0;
        foreach (var (step, kind) in spec.Setup.Select(s => (s, "setup")).Concat(spec.Steps.Select(s => (s, "step"))))
        {
            if (failure is not null)
            {
                skipped++;
                continue;
            }

            var (result, stepExcerpt) = await Step(step, kind, variables, attempt, cancellationToken).ConfigureAwait(false);
            Record(result, stepExcerpt, ref failure, ref excerpt, degraded);
        }

        // Teardown runs whatever happened; if the flow's timeout has fired it gets a fresh one, so cleanup still happens.
        using var teardownTimeout = cancellationToken.IsCancellationRequested ? new CancellationTokenSource(attempt.Check.Timeout, http.Time) : null;
        using var teardownLinked = teardownTimeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(attempt.CallerToken, teardownTimeout.Token);
        var teardownToken = teardownLinked?.Token ?? cancellationToken;
        foreach (var step in spec.Teardown)
        {
            var (result, stepExcerpt) = await Step(step, "teardown", variables, attempt, teardownToken).ConfigureAwait(false);
            Record(result, stepExcerpt, ref failure, ref excerpt, degraded);
        }

        if (failure is not null)
        {
            return AttemptOutcome.Failed(skipped > 0 ? $"{failure}; {skipped} later step{(skipped == 1 ? string.Empty : "s")} skipped" : failure, excerpt);
        }

        return degraded.Count > 0 ? new AttemptOutcome(CheckOutcome.Degraded, string.Join("; ", degraded), excerpt) : AttemptOutcome.Passed;
    }

    private static void Record(StepResult result, string? stepExcerpt, ref string? failure, ref string? excerpt, List<string> degraded)
    {
        if (result.Outcome == CheckOutcome.Fail && failure is null)
        {
            failure = $"step '{result.Name}' failed: {result.Reason}";
            excerpt = stepExcerpt;
        }
        else if (result.Outcome == CheckOutcome.Degraded)
        {
            degraded.Add($"step '{result.Name}': {result.Reason}");
            excerpt ??= stepExcerpt;
        }
    }

    private async Task<(StepResult Result, string? Excerpt)> Step(FlowStep step, string kind, Dictionary<string, string> variables, CheckAttempt attempt, CancellationToken cancellationToken)
    {
        var name = kind == "step" ? step.Name : $"{kind}: {step.Name}";
        var start = http.Time.GetTimestamp();
        try
        {
            using var exchange = await http.SendAsync(step.Request, variables, attempt, cancellationToken).ConfigureAwait(false);
            if (exchange.Failure is { } failure)
            {
                attempt.Steps.Add(new StepResult(name, CheckOutcome.Fail, http.Time.GetElapsedTime(start), failure, []));
                return (attempt.Steps[^1], null);
            }

            var view = exchange.View!;
            var assertions = CheckAssertions.Evaluate(step.Request.Assertions, view);
            var outcome = AttemptOutcome.Judge(assertions, () => CheckFailures.Excerpt(view.Body.Span));
            if (outcome.Outcome != CheckOutcome.Fail)
            {
                foreach (var extraction in step.Extract)
                {
                    if (Extract(extraction, view, out var value) is { } problem)
                    {
                        outcome = AttemptOutcome.Failed($"extract {extraction.Variable}: {problem}", CheckFailures.Excerpt(view.Body.Span));
                        break;
                    }

                    variables[extraction.Variable] = value!;
                    if (FlowSecrets.IsSecret(extraction, value!))
                    {
                        attempt.Secrets.Add(value!);
                    }
                }
            }

            var result = new StepResult(name, outcome.Outcome, http.Time.GetElapsedTime(start), outcome.Reason, assertions);
            attempt.Steps.Add(result);
            return (result, outcome.Excerpt);
        }
        catch (OperationCanceledException) when (!attempt.CallerToken.IsCancellationRequested)
        {
            var result = new StepResult(name, CheckOutcome.Fail, http.Time.GetElapsedTime(start), $"timed out (the flow's timeout is {DurationParser.Format(attempt.Check.Timeout)})", []);
            attempt.Steps.Add(result);
            return (result, null);
        }
    }

    // The extracted value, or a readable problem.
    private static string? Extract(FlowExtraction extraction, HttpResponseView view, out string? value)
    {
        value = null;
        switch (extraction.Source)
        {
            case ExtractionSource.Header:
                value = view.Header(extraction.Expression);
                return value is null ? $"header {extraction.Expression} is missing" : null;
            case ExtractionSource.JsonPath:
                if (view.Json(out var error) is not { } root)
                {
                    return $"{extraction.Expression}: {error}";
                }

                var values = extraction.Path!.Evaluate(root);
                if (values.Count == 0)
                {
                    return $"{extraction.Expression}: no such path in the response";
                }

                value = values[0].ValueKind == JsonValueKind.Null ? string.Empty : JsonPath.Format(values[0]);
                return null;
            default:
                try
                {
                    var match = extraction.Pattern!.Match(view.Text);
                    if (!match.Success)
                    {
                        return $"body does not match /{extraction.Expression}/";
                    }

                    value = match.Groups[extraction.Group].Value;
                    return null;
                }
                catch (RegexMatchTimeoutException)
                {
                    return $"/{extraction.Expression}/ took too long to match";
                }
        }
    }
}
