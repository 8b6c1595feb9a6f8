using Vigil.Client.Contracts;
using Vigil.Core.Checks;

namespace Vigil.Server.Checks;

/// <summary>
/// A check result in the REST API's shape: what the server answers, what <c>vigil agent</c> reports and what
/// <c>vigil checks run -o json</c> prints, so all three match.
/// </summary>
public static class CheckResultDtos
{
    /// <summary>The result as the API shows it.</summary>
    public static CheckResultDto ToDto(CheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(
            result.Check,
            result.Location,
            result.ScheduledAt,
            result.StartedAt,
            result.Duration.TotalSeconds,
            CheckOutcomeNames.Text(result.Outcome),
            result.Reason,
            result.ResponseExcerpt,
            result.Attempts,
            result.InMaintenance,
            [.. result.Phases.Select(p => new CheckPhaseDto(p.Name, p.Duration.TotalSeconds))],
            [.. result.Assertions.Select(ToDto)],
            [.. result.Steps.Select(s => new CheckStepDto(s.Name, CheckOutcomeNames.Text(s.Outcome), s.Duration.TotalSeconds, s.Reason, [.. s.Assertions.Select(ToDto)]))]);
    }

    private static CheckAssertionDto ToDto(AssertionResult a) => new(a.Description, a.Passed, a.Soft, a.Actual, a.Reason);
}
