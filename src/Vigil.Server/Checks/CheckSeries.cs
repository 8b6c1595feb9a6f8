using System.Text.RegularExpressions;
using Vigil.Core.Checks;
using Vigil.Core.Telemetry;

namespace Vigil.Server.Checks;

/// <summary>
/// The series check results become (docs/checks.md). Per result, at its start time:
/// <c>vigil_check_success{check, location, type, ...check labels}</c> (1 pass or degraded, 0 fail),
/// <c>vigil_check_degraded{...}</c> (1 degraded, else 0) and <c>vigil_check_duration_seconds{..., phase}</c>
/// (<c>total</c>, and for HTTP <c>dns</c>, <c>connect</c>, <c>tls</c>, <c>first_byte</c>, <c>transfer</c>). Per
/// decision, at the time the server made it: <c>vigil_check_quorum_success{check, type, ...check labels}</c> (0 when the
/// quorum of locations fails, else 1), the one to judge in plans and alerts when a check runs at several locations.
/// </summary>
internal static partial class CheckSeries
{
    /// <summary>1 when a run passed or was degraded, 0 when it failed.</summary>
    public const string Success = "vigil_check_success";

    /// <summary>1 when a run was degraded, else 0.</summary>
    public const string Degraded = "vigil_check_degraded";

    /// <summary>Seconds a run took, by phase (<c>total</c> for the whole run).</summary>
    public const string Duration = "vigil_check_duration_seconds";

    /// <summary>0 when the check fails by quorum over its locations, else 1.</summary>
    public const string QuorumSuccess = "vigil_check_quorum_success";

    /// <summary>The phase label value of the whole run.</summary>
    public const string TotalPhase = "total";

    // Labels Vigil sets itself; a check label of the same name is left off rather than overriding them.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "check", "location", "type", "phase", LabelSet.MetricNameLabel };

    // A check's labels on its series: at most this many (label sets stay small; the parser bounds them too).
    private const int MaxCheckLabels = 20;

    /// <summary>Adds the samples of one result.</summary>
    public static void AddResult(List<SeriesSample> samples, CheckDefinition check, CheckResult result)
    {
        var at = result.StartedAt.ToUnixTimeMilliseconds();
        var baseLabels = BaseLabels(check, result.Location);
        samples.Add(new SeriesSample(With(baseLabels, Success), at, result.Outcome == CheckOutcome.Fail ? 0 : 1));
        samples.Add(new SeriesSample(With(baseLabels, Degraded), at, result.Outcome == CheckOutcome.Degraded ? 1 : 0));
        samples.Add(new SeriesSample(With(baseLabels, Duration, ("phase", TotalPhase)), at, result.Duration.TotalSeconds));
        foreach (var phase in result.Phases.DistinctBy(p => p.Name).Take(16))
        {
            if (phase.Name != TotalPhase && LabelName().IsMatch(phase.Name))
            {
                samples.Add(new SeriesSample(With(baseLabels, Duration, ("phase", phase.Name)), at, phase.Duration.TotalSeconds));
            }
        }
    }

    /// <summary>Adds the sample of one quorum decision made at <paramref name="atMs"/>.</summary>
    public static void AddDecision(List<SeriesSample> samples, CheckDefinition check, CheckOutcome outcome, long atMs) =>
        samples.Add(new SeriesSample(With(BaseLabels(check, location: null), QuorumSuccess), atMs, outcome == CheckOutcome.Fail ? 0 : 1));

    private static List<Label> BaseLabels(CheckDefinition check, string? location)
    {
        var labels = new List<Label>(check.Labels.Count + 4) { new("check", check.Name), new("type", CheckOutcomeNames.TypeText(check.Type)) };
        if (location is not null)
        {
            labels.Add(new Label("location", location));
        }

        foreach (var (name, value) in check.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Take(MaxCheckLabels))
        {
            if (!Reserved.Contains(name) && !name.StartsWith("__", StringComparison.Ordinal) && LabelName().IsMatch(name))
            {
                labels.Add(new Label(name, value));
            }
        }

        return labels;
    }

    private static LabelSet With(List<Label> labels, string metric, params (string Name, string Value)[] extra) =>
        LabelSet.From(labels.Append(new Label(LabelSet.MetricNameLabel, metric)).Concat(extra.Select(e => new Label(e.Name, e.Value))));

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]{0,99}$")]
    private static partial Regex LabelName();
}
