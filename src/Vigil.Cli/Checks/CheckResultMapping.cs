using Vigil.Client.Contracts;
using Vigil.Core.Checks;

namespace Vigil.Cli.Checks;

/// <summary>Check results in the API's shape, so <c>checks run -o json</c> and the agent's reports match the REST API.</summary>
internal static class CheckResultMapping
{
    /// <summary>The outcome as the API spells it: <c>pass</c>, <c>degraded</c>, <c>fail</c>.</summary>
    public static string OutcomeText(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Pass => "pass",
        CheckOutcome.Degraded => "degraded",
        _ => "fail",
    };

    /// <summary>The type as the API spells it (<c>http</c>, <c>tcp</c>, ...).</summary>
    public static string TypeText(CheckType type) => type.ToString().ToLowerInvariant();

    public static CheckResultDto ToDto(CheckResult result) => new(
        result.Check,
        result.Location,
        result.ScheduledAt,
        result.StartedAt,
        result.Duration.TotalSeconds,
        OutcomeText(result.Outcome),
        result.Reason,
        result.ResponseExcerpt,
        result.Attempts,
        result.InMaintenance,
        [.. result.Phases.Select(p => new CheckPhaseDto(p.Name, p.Duration.TotalSeconds))],
        [.. result.Assertions.Select(ToDto)],
        [.. result.Steps.Select(s => new CheckStepDto(s.Name, OutcomeText(s.Outcome), s.Duration.TotalSeconds, s.Reason, [.. s.Assertions.Select(ToDto)]))]);

    private static CheckAssertionDto ToDto(AssertionResult a) => new(a.Description, a.Passed, a.Soft, a.Actual, a.Reason);
}
