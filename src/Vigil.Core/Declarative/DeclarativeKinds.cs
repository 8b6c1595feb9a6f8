namespace Vigil.Core.Declarative;

/// <summary>What a kind's validation may consult beyond the document itself.</summary>
/// <param name="KnownMetricNames">
/// Metric names with series in the metrics source, or null to skip the check (offline validation). Names Vigil derives
/// itself are always known (see <see cref="DerivedMetricNames"/>).
/// </param>
public sealed record DeclarativeValidationContext(IReadOnlySet<string>? KnownMetricNames = null)
{
    /// <summary>No outside knowledge: every check that needs the server is skipped.</summary>
    public static DeclarativeValidationContext Offline { get; } = new();
}

/// <summary>The metric names Vigil derives itself, which exist before any data has arrived.</summary>
public static class DerivedMetricNames
{
    private static readonly string[] Prefixes = ["traces_span_metrics_", "vigil_"];
    private static readonly string[] Names = ["target_info", "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"];

    /// <summary>True for span metrics (<c>traces_span_metrics_*</c>), Vigil's own series (<c>vigil_*</c>), <c>target_info</c> and the scrape series such as <c>up</c>.</summary>
    public static bool IsDerived(string name) =>
        Prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) || Names.Contains(name, StringComparer.Ordinal);
}

/// <summary>A kind of declarative object (<c>VerificationPlan</c>, later <c>Check</c>, <c>Slo</c>, ...): it validates its documents.</summary>
public interface IDeclarativeKind
{
    /// <summary>The <c>kind</c> value, such as <c>VerificationPlan</c>.</summary>
    string Kind { get; }

    /// <summary>
    /// Validates one document of this kind (its header already checked) and adds every problem to
    /// <paramref name="errors"/> with its file position.
    /// </summary>
    void Validate(YamlDocumentText document, DeclarativeValidationContext context, List<DocumentError> errors);
}

/// <summary>The kinds Vigil knows; documents of any other kind are rejected.</summary>
public sealed class DeclarativeKinds
{
    /// <summary>The one API version of declarative documents.</summary>
    public const string ApiVersion = "vigil/v1";

    private readonly Dictionary<string, IDeclarativeKind> _kinds = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A registry of <paramref name="kinds"/>.</summary>
    public DeclarativeKinds(IEnumerable<IDeclarativeKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        foreach (var kind in kinds)
        {
            _kinds.Add(kind.Kind, kind);
        }
    }

    /// <summary>Every kind Vigil has now: <c>VerificationPlan</c>.</summary>
    public static DeclarativeKinds Default { get; } = new([new Verification.Plans.VerificationPlanKind(), new Checks.CheckKind()]);

    /// <summary>The kind names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _kinds.Values.Select(k => k.Kind).Order(StringComparer.Ordinal)];

    /// <summary>The kind called <paramref name="name"/> (case-insensitive, so <c>verificationplan</c> works in URLs), or null.</summary>
    public IDeclarativeKind? Find(string name) => _kinds.GetValueOrDefault(name);
}
