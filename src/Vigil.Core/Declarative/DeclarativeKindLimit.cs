namespace Vigil.Core.Declarative;

/// <summary>
/// The most objects of one kind the server keeps, enforced at apply: an apply that would store more is rejected whole,
/// naming the setting that sets the bound (an apply that does not add objects of the kind is always accepted, so a
/// lowered bound never blocks edits or deletes).
/// </summary>
/// <param name="Kind">The document kind, e.g. <c>Check</c>.</param>
/// <param name="Max">The most objects of that kind.</param>
/// <param name="Setting">The configuration key that sets <paramref name="Max"/>, e.g. <c>checks.maxChecks</c>.</param>
public sealed record DeclarativeKindLimit(string Kind, int Max, string Setting);
