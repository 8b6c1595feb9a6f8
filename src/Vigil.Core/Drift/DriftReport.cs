namespace Vigil.Core.Drift;

/// <summary>How an item differs between the left (reference, e.g. UAT) and the right (e.g. Prod) snapshot.</summary>
public enum DriftChange
{
    /// <summary>On the left, not on the right.</summary>
    Missing,

    /// <summary>On the right, not on the left.</summary>
    Unexpected,

    /// <summary>On both, with different values.</summary>
    Changed,
}

/// <summary>How likely the difference is to break the release.</summary>
public enum DriftRisk
{
    /// <summary>Worth knowing.</summary>
    Low,

    /// <summary>Likely to change behaviour.</summary>
    Medium,

    /// <summary>Likely to break: missing table or column, migration not applied, runtime major or crypto differs, ...</summary>
    High,
}

/// <summary>One difference.</summary>
/// <param name="Change">Missing, Unexpected or Changed.</param>
/// <param name="Category">One of <see cref="DriftCategories"/>.</param>
/// <param name="Kind">One of <see cref="DriftItemKinds"/>.</param>
/// <param name="Key">The item's key.</param>
/// <param name="Left">The left value (secrets as <c>secret (sha …)</c> or <c>secret</c>), or null when missing there.</param>
/// <param name="Right">The right value, or null when missing there.</param>
/// <param name="Risk">High, medium or low.</param>
/// <param name="Why">One sentence saying why it matters.</param>
public sealed record DriftItem(DriftChange Change, string Category, string Kind, string Key, string? Left, string? Right, DriftRisk Risk, string Why);

/// <summary>The differences between two snapshots, highest risk first.</summary>
/// <param name="Left">The left snapshot's environment (and time, as <c>prod@2026-11-01T00:00:00Z</c> for history).</param>
/// <param name="Right">The right snapshot's environment.</param>
/// <param name="LeftTakenAt">When the left snapshot was taken.</param>
/// <param name="RightTakenAt">When the right snapshot was taken.</param>
/// <param name="Items">The differences, highest risk first, then by category and key.</param>
/// <param name="Ignored">How many differences a <c>DriftPolicy</c> declared expected.</param>
/// <param name="Notes">
/// What the items cannot say, in sentences: secrets compared by fingerprint ("same secret"), secrets that could not be
/// compared (taken without <c>VIGIL_DRIFT_KEY</c>), what each policy ignored. Null or empty when there is nothing to add.
/// </param>
public sealed record DriftReport(string Left, string Right, DateTimeOffset LeftTakenAt, DateTimeOffset RightTakenAt, IReadOnlyList<DriftItem> Items, int Ignored, IReadOnlyList<string>? Notes = null);
