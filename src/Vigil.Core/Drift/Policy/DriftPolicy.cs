using System.Text.RegularExpressions;

namespace Vigil.Core.Drift.Policy;

/// <summary>
/// A <c>kind: DriftPolicy</c> object: differences that are expected between environments (host names that follow a
/// pattern, replica counts), so the report counts them as ignored instead of listing them.
/// </summary>
/// <param name="Name">The object's <c>metadata.name</c>.</param>
/// <param name="Rules">The <c>spec.ignore</c> rules; a difference matching any of them is ignored.</param>
public sealed record DriftPolicy(string Name, IReadOnlyList<DriftIgnoreRule> Rules);

/// <summary>
/// One <c>spec.ignore</c> rule. Every condition that is set must hold for a difference to be ignored; at least one of
/// category, kind and key is set (a rule matching everything would hide all drift).
/// </summary>
/// <param name="Category">Only differences in this category (one of <see cref="DriftCategories"/>), or null for any.</param>
/// <param name="Kind">Only items of this kind (one of <see cref="DriftItemKinds"/>), or null for any.</param>
/// <param name="Key">Only items whose whole key matches (from <c>key</c> as a glob, or <c>keyRegex</c>), or null for any.</param>
/// <param name="ValuesMatch">
/// Only differences whose values both contain a match of this pattern and are equal once every match is cut out
/// (so <c>https://orders\.(uat|prod)\.example\.com</c> ignores <c>https://orders.uat.example.com/api</c> against
/// <c>https://orders.prod.example.com/api</c> but not a different path). A side without a value (missing, or a
/// secret) never matches. Null for any values.
/// </param>
/// <param name="Change">Only this kind of change, or null for any.</param>
/// <param name="Reason">Why the difference is expected (shown in the report's notes).</param>
public sealed record DriftIgnoreRule(string? Category, string? Kind, Regex? Key, Regex? ValuesMatch, DriftChange? Change, string Reason)
{
    /// <summary>True when this rule ignores the difference.</summary>
    public bool Matches(DriftChange change, string category, string kind, string key, string? leftValue, string? rightValue)
    {
        if ((Change is { } c && c != change)
            || (Category is not null && !string.Equals(Category, category, StringComparison.Ordinal))
            || (Kind is not null && !string.Equals(Kind, kind, StringComparison.Ordinal))
            || (Key is not null && !Key.IsMatch(key)))
        {
            return false;
        }

        if (ValuesMatch is null)
        {
            return true;
        }

        if (leftValue is null || rightValue is null)
        {
            return false;
        }

        return ValuesMatch.IsMatch(leftValue) && ValuesMatch.IsMatch(rightValue)
            && string.Equals(ValuesMatch.Replace(leftValue, "\u0000"), ValuesMatch.Replace(rightValue, "\u0000"), StringComparison.Ordinal);
    }
}
