using System.Text.RegularExpressions;

namespace Vigil.Core.Scrape;

/// <summary>What a relabeling step does, as Prometheus's <c>action</c> field names it.</summary>
public enum RelabelAction
{
    /// <summary><c>replace</c> (the default): sets <c>target_label</c> to the expanded replacement when the regex matches.</summary>
    Replace,

    /// <summary><c>keep</c>: drops the target or sample unless the joined source values match.</summary>
    Keep,

    /// <summary><c>drop</c>: drops the target or sample when the joined source values match.</summary>
    Drop,

    /// <summary><c>keepequal</c>: drops unless the joined source values equal the value of <c>target_label</c>.</summary>
    KeepEqual,

    /// <summary><c>dropequal</c>: drops when the joined source values equal the value of <c>target_label</c>.</summary>
    DropEqual,

    /// <summary><c>hashmod</c>: sets <c>target_label</c> to the MD5 of the joined source values modulo <c>modulus</c>.</summary>
    HashMod,

    /// <summary><c>labelmap</c>: copies every label whose name matches to the name given by the expanded replacement.</summary>
    LabelMap,

    /// <summary><c>labeldrop</c>: removes every label whose name matches.</summary>
    LabelDrop,

    /// <summary><c>labelkeep</c>: removes every label whose name does not match.</summary>
    LabelKeep,

    /// <summary><c>lowercase</c>: sets <c>target_label</c> to the joined source values in lower case.</summary>
    Lowercase,

    /// <summary><c>uppercase</c>: sets <c>target_label</c> to the joined source values in upper case.</summary>
    Uppercase,
}

/// <summary>
/// One validated relabeling step (<c>relabel_configs</c> or <c>metric_relabel_configs</c> entry), with Prometheus's
/// defaults: action <c>replace</c>, separator <c>;</c>, regex <c>(.*)</c>, replacement <c>$1</c>. The regex is fully
/// anchored and runs without backtracking (linear time, like Go's RE2), so a pattern cannot stall a scrape.
/// Build one with <see cref="TryCreate"/>, which rejects what Prometheus rejects.
/// </summary>
public sealed class RelabelConfig
{
    /// <summary>The default regex, <c>(.*)</c>.</summary>
    public const string DefaultRegex = "(.*)";

    /// <summary>The default separator, <c>;</c>.</summary>
    public const string DefaultSeparator = ";";

    /// <summary>The default replacement, <c>$1</c>.</summary>
    public const string DefaultReplacement = "$1";

    private static readonly Regex LabelNamePattern = new("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant);
    private static readonly Regex TargetTemplatePattern = new(@"^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$", RegexOptions.CultureInvariant);

    private RelabelConfig(RelabelAction action, IReadOnlyList<string> sourceLabels, string separator, string? targetLabel, string regexText, AnchoredRegex regex, ulong modulus, string replacement)
    {
        Action = action;
        SourceLabels = sourceLabels;
        Separator = separator;
        TargetLabel = targetLabel;
        RegexText = regexText;
        Regex = regex;
        Modulus = modulus;
        Replacement = replacement;
    }

    /// <summary>The action.</summary>
    public RelabelAction Action { get; }

    /// <summary>Labels whose values are joined with <see cref="Separator"/> (a missing label counts as empty).</summary>
    public IReadOnlyList<string> SourceLabels { get; }

    /// <summary>The separator between joined source values.</summary>
    public string Separator { get; }

    /// <summary>The label written (or compared, for keepequal/dropequal); may hold <c>$1</c> templates for <c>replace</c>.</summary>
    public string? TargetLabel { get; }

    /// <summary>The regex as written, unanchored.</summary>
    public string RegexText { get; }

    /// <summary>The compiled, fully anchored regex.</summary>
    public AnchoredRegex Regex { get; }

    /// <summary>The modulus for <c>hashmod</c>; zero otherwise.</summary>
    public ulong Modulus { get; }

    /// <summary>The replacement template (<c>$1</c>, <c>${1}</c>, <c>$name</c>, <c>$$</c> for a dollar).</summary>
    public string Replacement { get; }

    /// <summary>Parses an action name (case-insensitive, as Prometheus).</summary>
    public static bool TryParseAction(string text, out RelabelAction action)
    {
        switch (text.ToLowerInvariant())
        {
            case "replace": action = RelabelAction.Replace; return true;
            case "keep": action = RelabelAction.Keep; return true;
            case "drop": action = RelabelAction.Drop; return true;
            case "keepequal": action = RelabelAction.KeepEqual; return true;
            case "dropequal": action = RelabelAction.DropEqual; return true;
            case "hashmod": action = RelabelAction.HashMod; return true;
            case "labelmap": action = RelabelAction.LabelMap; return true;
            case "labeldrop": action = RelabelAction.LabelDrop; return true;
            case "labelkeep": action = RelabelAction.LabelKeep; return true;
            case "lowercase": action = RelabelAction.Lowercase; return true;
            case "uppercase": action = RelabelAction.Uppercase; return true;
            default: action = RelabelAction.Replace; return false;
        }
    }

    /// <summary>The action's name as written in configuration.</summary>
    public static string ActionName(RelabelAction action) => action.ToString().ToLowerInvariant();

    /// <summary>True when <paramref name="name"/> is a valid Prometheus label name.</summary>
    public static bool IsValidLabelName(string name) => LabelNamePattern.IsMatch(name);

    /// <summary>
    /// Validates and builds a step. Null fields take Prometheus's defaults. On failure returns null and the reasons.
    /// </summary>
    public static RelabelConfig? TryCreate(
        RelabelAction action,
        IReadOnlyList<string>? sourceLabels,
        string? separator,
        string? targetLabel,
        string? regex,
        ulong? modulus,
        string? replacement,
        out IReadOnlyList<string> errors)
    {
        var found = new List<string>();
        var regexText = regex ?? DefaultRegex;
        var compiled = AnchoredRegex.TryCreate(regexText, out var regexError);
        if (compiled is null)
        {
            found.Add(regexError);
        }

        foreach (var source in sourceLabels ?? [])
        {
            if (!IsValidLabelName(source))
            {
                found.Add($"source_labels: \"{source}\" is not a valid label name");
            }
        }

        var name = ActionName(action);
        var needsTarget = action is RelabelAction.Replace or RelabelAction.HashMod or RelabelAction.Lowercase or RelabelAction.Uppercase or RelabelAction.KeepEqual or RelabelAction.DropEqual;
        if (needsTarget && string.IsNullOrEmpty(targetLabel))
        {
            found.Add($"relabel configuration for {name} action requires 'target_label' value");
        }
        else if (needsTarget && action == RelabelAction.Replace && !TargetTemplatePattern.IsMatch(targetLabel!))
        {
            found.Add($"\"{targetLabel}\" is invalid 'target_label' for {name} action");
        }
        else if (needsTarget && action != RelabelAction.Replace && !IsValidLabelName(targetLabel!))
        {
            found.Add($"\"{targetLabel}\" is invalid 'target_label' for {name} action");
        }

        if (action == RelabelAction.HashMod && (modulus ?? 0) == 0)
        {
            found.Add("relabel configuration for hashmod requires non-zero modulus");
        }

        if (action == RelabelAction.LabelMap && replacement is not null && !TargetTemplatePattern.IsMatch(replacement))
        {
            found.Add($"\"{replacement}\" is invalid 'replacement' for {name} action");
        }

        if (action is RelabelAction.LabelDrop or RelabelAction.LabelKeep &&
            (sourceLabels is { Count: > 0 } || targetLabel is not null || modulus is not null || separator is not null || replacement is not null))
        {
            found.Add($"{name} action requires only 'regex', and no other fields");
        }

        if (action is RelabelAction.KeepEqual or RelabelAction.DropEqual && (regex is not null || modulus is not null || replacement is not null))
        {
            found.Add($"{name} action requires only 'source_labels' and 'target_label', and no other fields");
        }

        errors = found;
        if (found.Count > 0)
        {
            return null;
        }

        return new RelabelConfig(action, sourceLabels ?? [], separator ?? DefaultSeparator, targetLabel, regexText, compiled!, modulus ?? 0, replacement ?? DefaultReplacement);
    }

    /// <summary>A step that cannot fail validation (for code and tests); throws <see cref="ArgumentException"/> otherwise.</summary>
    public static RelabelConfig Create(
        RelabelAction action,
        IReadOnlyList<string>? sourceLabels = null,
        string? separator = null,
        string? targetLabel = null,
        string? regex = null,
        ulong? modulus = null,
        string? replacement = null) =>
        TryCreate(action, sourceLabels, separator, targetLabel, regex, modulus, replacement, out var errors)
            ?? throw new ArgumentException(string.Join("; ", errors));
}
