using System.Text.RegularExpressions;
using Vigil.Client.Contracts;
using Vigil.Core.Checks;
using Vigil.Storage.State;

namespace Vigil.Server.Checks;

/// <summary>Check results between the model and the API, and the checks an agent's results must pass.</summary>
internal static partial class CheckDtos
{
    /// <summary>The longest location name: 63 lowercase letters, digits and <c>-</c>, starting and ending with a letter or digit (as in a check's <c>spec.locations</c>).</summary>
    public const int MaxLocationLength = 63;

    /// <summary>The longest reason (of a result, step or assertion): 2,000 characters.</summary>
    public const int MaxReasonLength = 2000;

    /// <summary>The longest assertion description or step name: 500 characters.</summary>
    public const int MaxNameLength = 500;

    /// <summary>The most phases of one result: 16.</summary>
    public const int MaxPhases = 16;

    /// <summary>The most assertions of one result or step: 200.</summary>
    public const int MaxAssertions = 200;

    /// <summary>The most steps of one flow result: 100.</summary>
    public const int MaxSteps = 100;

    /// <summary>The most attempts of one run: 100.</summary>
    public const int MaxAttempts = 100;

    /// <summary>The longest a run may have taken: 1 hour.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>How far ahead of the server's clock a start may be: 5 minutes of skew between agent and server.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>How old a reported run may be: 24 hours (an agent catching up after an outage).</summary>
    public static readonly TimeSpan MaxResultAge = TimeSpan.FromHours(24);

    /// <summary>How late after its scheduled time a run may start: 1 hour.</summary>
    public static readonly TimeSpan MaxStartDelay = TimeSpan.FromHours(1);

    /// <summary>A check with its current status as the API shows it.</summary>
    public static CheckDto ToDto(CatalogCheck check, (QuorumDecision Decision, IReadOnlyList<CheckResult> Latest)? status)
    {
        var d = check.Definition;
        return new CheckDto(
            d.Name,
            CheckOutcomeNames.TypeText(d.Type),
            d.Interval.TotalSeconds,
            d.Locations,
            d.Quorum,
            d.Labels,
            status is { } s ? CheckOutcomeNames.Text(s.Decision.Outcome) : "unknown",
            status is { } t ? t.Decision.Summary : "no result yet from " + string.Join(", ", d.Locations),
            status?.Latest.Max(r => r.StartedAt),
            status is { } u ? [.. u.Latest.Select(CheckResultDtos.ToDto)] : [],
            check.Yaml);
    }

    /// <summary>True for a valid location name (see <see cref="MaxLocationLength"/>).</summary>
    public static bool IsLocationName(string? name) => name is not null && LocationName().IsMatch(name);

    /// <summary>
    /// Turns an agent's result into the model, checking every field; returns null and sets <paramref name="field"/> and
    /// <paramref name="reason"/> for the first bad one (<paramref name="path"/> is the result's place in the request).
    /// </summary>
    public static CheckResult? FromAgent(
        CheckResultDto? dto, string path, string location, CatalogSnapshot catalog, DateTimeOffset now, out string field, out string reason)
    {
        var problem = new Problem { Field = path };
        var result = Read(dto, path, location, catalog, now, problem);
        (field, reason) = (problem.Field, problem.Reason);
        return result;
    }

    private static CheckResult? Read(CheckResultDto? dto, string path, string location, CatalogSnapshot catalog, DateTimeOffset now, Problem bad)
    {
        if (dto is null)
        {
            bad.Reason = "a result object is required";
            return null;
        }

        string? Fail(string name, string why)
        {
            bad.Field = $"{path}.{name}";
            bad.Reason = why;
            return null;
        }

        if (string.IsNullOrEmpty(dto.Check) || !catalog.Checks.TryGetValue(dto.Check, out var check))
        {
            Fail("check", $"unknown check '{Clip(dto.Check)}'");
            return null;
        }

        if (dto.Location != location)
        {
            Fail("location", $"'{Clip(dto.Location)}' differs from the request's location '{location}'");
            return null;
        }

        if (!check.Definition.Locations.Contains(location, StringComparer.Ordinal))
        {
            Fail("location", $"check '{check.Definition.Name}' is not assigned to location '{location}' (its locations: {string.Join(", ", check.Definition.Locations)})");
            return null;
        }

        if (!CheckOutcomeNames.TryParse(dto.Outcome, out var outcome))
        {
            Fail("outcome", $"'{Clip(dto.Outcome)}' is not an outcome (pass, degraded, fail)");
            return null;
        }

        if (dto.StartedAt > now + MaxClockSkew)
        {
            Fail("startedAt", $"{dto.StartedAt:O} is more than {MaxClockSkew.TotalMinutes:0} minutes ahead of the server's clock ({now:O})");
            return null;
        }

        if (dto.StartedAt < now - MaxResultAge)
        {
            Fail("startedAt", $"{dto.StartedAt:O} is more than {MaxResultAge.TotalHours:0} hours old");
            return null;
        }

        if (dto.StartedAt < dto.ScheduledAt - MaxClockSkew || dto.StartedAt > dto.ScheduledAt + MaxStartDelay)
        {
            Fail("scheduledAt", $"{dto.ScheduledAt:O} is not shortly before startedAt {dto.StartedAt:O}");
            return null;
        }

        if (BadSeconds(dto.Seconds) is { } secondsProblem)
        {
            Fail("seconds", secondsProblem);
            return null;
        }

        if (dto.Attempts is < 1 or > MaxAttempts)
        {
            Fail("attempts", $"must be 1 to {MaxAttempts}");
            return null;
        }

        if (dto.Reason is { Length: > MaxReasonLength })
        {
            Fail("reason", $"at most {MaxReasonLength} characters");
            return null;
        }

        if (dto.ResponseExcerpt is { Length: > CheckResult.MaxExcerptLength })
        {
            Fail("responseExcerpt", $"at most {CheckResult.MaxExcerptLength} characters");
            return null;
        }

        var phases = dto.Phases ?? [];
        if (phases.Count > MaxPhases)
        {
            Fail("phases", $"at most {MaxPhases} phases");
            return null;
        }

        for (var i = 0; i < phases.Count; i++)
        {
            if (phases[i] is not { } phase || !PhaseName().IsMatch(phase.Name ?? string.Empty))
            {
                Fail($"phases[{i}].name", "a phase name is lower snake case, 1 to 40 characters (dns, connect, tls, first_byte, transfer)");
                return null;
            }

            if (BadSeconds(phase.Seconds) is { } problem)
            {
                Fail($"phases[{i}].seconds", problem);
                return null;
            }
        }

        var assertions = ReadAssertions(dto.Assertions, "assertions", Fail);
        if (assertions is null)
        {
            return null;
        }

        var stepDtos = dto.Steps ?? [];
        if (stepDtos.Count > MaxSteps)
        {
            Fail("steps", $"at most {MaxSteps} steps");
            return null;
        }

        var steps = new List<StepResult>(stepDtos.Count);
        for (var i = 0; i < stepDtos.Count; i++)
        {
            var s = stepDtos[i];
            if (s is null || string.IsNullOrEmpty(s.Name) || s.Name.Length > MaxNameLength)
            {
                Fail($"steps[{i}].name", $"required, at most {MaxNameLength} characters");
                return null;
            }

            if (!CheckOutcomeNames.TryParse(s.Outcome, out var stepOutcome))
            {
                Fail($"steps[{i}].outcome", $"'{Clip(s.Outcome)}' is not an outcome (pass, degraded, fail)");
                return null;
            }

            if (BadSeconds(s.Seconds) is { } problem)
            {
                Fail($"steps[{i}].seconds", problem);
                return null;
            }

            if (s.Reason is { Length: > MaxReasonLength })
            {
                Fail($"steps[{i}].reason", $"at most {MaxReasonLength} characters");
                return null;
            }

            var stepAssertions = ReadAssertions(s.Assertions, $"steps[{i}].assertions", Fail);
            if (stepAssertions is null)
            {
                return null;
            }

            steps.Add(new StepResult(s.Name, stepOutcome, TimeSpan.FromSeconds(s.Seconds), s.Reason, stepAssertions));
        }

        return new CheckResult(
            check.Definition.Name,
            location,
            dto.ScheduledAt,
            dto.StartedAt,
            TimeSpan.FromSeconds(dto.Seconds),
            outcome,
            dto.Reason,
            dto.ResponseExcerpt,
            dto.Attempts,
            dto.InMaintenance,
            [.. phases.Select(p => new CheckPhase(p.Name, TimeSpan.FromSeconds(p.Seconds)))],
            assertions,
            steps);
    }

    private static List<AssertionResult>? ReadAssertions(IReadOnlyList<CheckAssertionDto>? dtos, string path, Func<string, string, string?> fail)
    {
        dtos ??= [];
        if (dtos.Count > MaxAssertions)
        {
            fail(path, $"at most {MaxAssertions} assertions");
            return null;
        }

        var assertions = new List<AssertionResult>(dtos.Count);
        for (var i = 0; i < dtos.Count; i++)
        {
            var a = dtos[i];
            if (a is null || string.IsNullOrEmpty(a.Description) || a.Description.Length > MaxNameLength)
            {
                fail($"{path}[{i}].description", $"required, at most {MaxNameLength} characters");
                return null;
            }

            if (a.Actual is { Length: > CheckResult.MaxExcerptLength })
            {
                fail($"{path}[{i}].actual", $"at most {CheckResult.MaxExcerptLength} characters");
                return null;
            }

            if (a.Reason is { Length: > MaxReasonLength })
            {
                fail($"{path}[{i}].reason", $"at most {MaxReasonLength} characters");
                return null;
            }

            assertions.Add(new AssertionResult(a.Description, a.Passed, a.Soft, a.Actual, a.Reason));
        }

        return assertions;
    }

    private static string? BadSeconds(double seconds) =>
        !double.IsFinite(seconds) || seconds < 0 || seconds > MaxDuration.TotalSeconds ? $"must be a number of seconds from 0 to {MaxDuration.TotalSeconds:0}" : null;

    /// <summary>A value quoted in an error, cut to 100 characters.</summary>
    public static string Clip(string? value) => value is null ? "(none)" : value.Length <= 100 ? value : value[..100] + "…";

    private sealed class Problem
    {
        public string Field { get; set; } = string.Empty;

        public string Reason { get; set; } = string.Empty;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex LocationName();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex PhaseName();
}
