using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.Declarative;
using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Drift.Policy;

/// <summary>
/// Reads <c>kind: DriftPolicy</c> documents (<c>apiVersion: vigil/v1</c>), reporting every problem with its file, line
/// and column: unknown keys, unknown categories, kinds or changes, patterns that are not valid regular expressions,
/// rules that would match everything. <c>docs/drift.md</c> is the reference.
/// </summary>
public static partial class DriftPolicyYaml
{
    /// <summary>The document kind.</summary>
    public const string Kind = "DriftPolicy";

    /// <summary>The most rules in one policy: 1,000, far more than any set of expected differences.</summary>
    public const int MaxRules = 1000;

    /// <summary>The longest pattern (key, keyRegex, valuesMatch): 1,000 characters.</summary>
    public const int MaxPatternLength = 1000;

    /// <summary>The longest reason: 1,000 characters.</summary>
    public const int MaxReasonLength = 1000;

    /// <summary>The categories a rule may name.</summary>
    public static IReadOnlyList<string> Categories { get; } =
    [
        DriftCategories.Environment, DriftCategories.Config, DriftCategories.Runtime, DriftCategories.Dependency,
        DriftCategories.Schema, DriftCategories.Migration, DriftCategories.Resource, DriftCategories.Endpoint,
    ];

    /// <summary>The kinds a rule may name.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
    [
        DriftItemKinds.Variable, DriftItemKinds.ConfigKey, DriftItemKinds.Os, DriftItemKinds.Kernel, DriftItemKinds.RuntimeVersion,
        DriftItemKinds.Crypto, DriftItemKinds.TimeZone, DriftItemKinds.Locale, DriftItemKinds.Limit, DriftItemKinds.Package,
        DriftItemKinds.Table, DriftItemKinds.Column, DriftItemKinds.Index, DriftItemKinds.Constraint, DriftItemKinds.View,
        DriftItemKinds.Sequence, DriftItemKinds.EnumType, DriftItemKinds.Extension, DriftItemKinds.Trigger, DriftItemKinds.Function,
        DriftItemKinds.AppliedMigration, DriftItemKinds.Image, DriftItemKinds.Request, DriftItemKinds.Replicas,
        DriftItemKinds.EndpointTarget, DriftItemKinds.Unreadable,
    ];

    private static readonly string[] RootKeys = ["apiVersion", "kind", "metadata", "spec"];
    private static readonly string[] MetadataKeys = ["name"];
    private static readonly string[] SpecKeys = ["ignore"];
    private static readonly string[] RuleKeys = ["category", "kind", "key", "keyRegex", "valuesMatch", "change", "reason"];
    private static readonly string[] Changes = ["missing", "unexpected", "changed"];

    /// <summary>
    /// Parses one policy document. Returns null and adds to <paramref name="errors"/> when it is invalid.
    /// <paramref name="lineOffset"/> is added to reported lines when the document was cut from a multi-document file.
    /// </summary>
    public static DriftPolicy? Parse(string file, string yaml, List<DocumentError> errors, int lineOffset = 0) =>
        YamlFields.ParseDocument(file, yaml, errors, lineOffset, "drift policy", Read);

    /// <summary>Every valid policy among stored <paramref name="objects"/> of this kind (one that no longer reads is skipped).</summary>
    public static IReadOnlyList<DriftPolicy> ReadStored(IEnumerable<DeclarativeObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var policies = new List<DriftPolicy>();
        foreach (var stored in objects)
        {
            if (string.Equals(stored.Kind, Kind, StringComparison.OrdinalIgnoreCase)
                && Parse($"{stored.Kind}/{stored.Name}", stored.Yaml, []) is { } policy)
            {
                policies.Add(policy);
            }
        }

        return policies;
    }

    private static DriftPolicy? Read(YamlFields fields, YamlNode root)
    {
        if (fields.Mapping(root, string.Empty, RootKeys, RootKeys) is not { } top)
        {
            return null;
        }

        fields.Header(top, Kind);

        string? name = null;
        if (top.TryGetValue("metadata", out var metadata) && fields.Mapping(metadata.Value, "metadata", MetadataKeys, MetadataKeys) is { } meta
            && meta.TryGetValue("name", out var nameNode) && fields.String(nameNode.Value, "metadata.name") is { } n)
        {
            if (NamePattern().IsMatch(n))
            {
                name = n;
            }
            else
            {
                fields.Error(nameNode.Value, "metadata.name", $"'{n}' is not a valid name (1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit)");
            }
        }

        if (!top.TryGetValue("spec", out var specNode) || fields.Mapping(specNode.Value, "spec", SpecKeys, SpecKeys) is not { } spec
            || !spec.TryGetValue("ignore", out var ignoreNode) || fields.Sequence(ignoreNode.Value, "spec.ignore") is not { } list)
        {
            return null;
        }

        if (list.Count > MaxRules)
        {
            fields.Error(ignoreNode.Value, "spec.ignore", $"{list.Count} rules; a policy holds at most {MaxRules}");
            return null;
        }

        var rules = new List<DriftIgnoreRule>();
        for (var i = 0; i < list.Count; i++)
        {
            if (Rule(fields, list[i], $"spec.ignore[{i}]") is { } rule)
            {
                rules.Add(rule);
            }
        }

        return name is null ? null : new DriftPolicy(name, rules);
    }

    private static DriftIgnoreRule? Rule(YamlFields fields, YamlNode node, string path)
    {
        if (fields.Mapping(node, path, RuleKeys, ["reason"]) is not { } m)
        {
            return null;
        }

        var ok = true;
        string? category = null;
        if (m.TryGetValue("category", out var c) && fields.String(c.Value, path + ".category") is { } categoryText)
        {
            category = OneOf(fields, c.Value, path + ".category", categoryText, Categories, "category", ref ok);
        }
        else if (m.ContainsKey("category"))
        {
            ok = false;
        }

        string? kind = null;
        if (m.TryGetValue("kind", out var k) && fields.String(k.Value, path + ".kind") is { } kindText)
        {
            kind = OneOf(fields, k.Value, path + ".kind", kindText, Kinds, "kind", ref ok);
        }
        else if (m.ContainsKey("kind"))
        {
            ok = false;
        }

        Regex? key = null;
        if (m.TryGetValue("key", out var glob) && m.TryGetValue("keyRegex", out var keyRegex))
        {
            fields.Error(keyRegex.Key, path + ".keyRegex", "give key (a glob) or keyRegex (a regular expression), not both");
            ok = false;
        }
        else if (m.TryGetValue("key", out glob))
        {
            key = Pattern(fields, glob.Value, path + ".key", isGlob: true, ref ok);
        }
        else if (m.TryGetValue("keyRegex", out keyRegex))
        {
            key = Pattern(fields, keyRegex.Value, path + ".keyRegex", isGlob: false, ref ok);
        }

        Regex? values = null;
        if (m.TryGetValue("valuesMatch", out var valuesNode))
        {
            values = Pattern(fields, valuesNode.Value, path + ".valuesMatch", isGlob: false, ref ok, anchored: false);
        }

        DriftChange? change = null;
        if (m.TryGetValue("change", out var changeNode) && fields.String(changeNode.Value, path + ".change") is { } changeText)
        {
            switch (changeText)
            {
                case "missing": change = DriftChange.Missing; break;
                case "unexpected": change = DriftChange.Unexpected; break;
                case "changed": change = DriftChange.Changed; break;
                default:
                    fields.Error(changeNode.Value, path + ".change", $"unknown change '{changeText}' (known: {string.Join(", ", Changes)})");
                    ok = false;
                    break;
            }
        }
        else if (m.ContainsKey("change"))
        {
            ok = false;
        }

        string? reason = null;
        if (m.TryGetValue("reason", out var reasonNode) && fields.String(reasonNode.Value, path + ".reason") is { } r)
        {
            if (r.Length > MaxReasonLength)
            {
                fields.Error(reasonNode.Value, path + ".reason", $"at most {MaxReasonLength} characters");
                ok = false;
            }

            reason = r;
        }

        if (!m.ContainsKey("category") && !m.ContainsKey("kind") && !m.ContainsKey("key") && !m.ContainsKey("keyRegex"))
        {
            fields.Error(node, path, "a rule needs at least one of category, kind, key or keyRegex; one matching every item would hide all drift");
            ok = false;
        }

        return ok && reason is not null ? new DriftIgnoreRule(category, kind, key, values, change, reason) : null;
    }

    private static string? OneOf(YamlFields fields, YamlNode node, string path, string text, IReadOnlyList<string> known, string what, ref bool ok)
    {
        if (known.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        fields.Error(node, path, $"unknown {what} '{text}' (known: {string.Join(", ", known)})");
        ok = false;
        return null;
    }

    /// <summary>
    /// A key glob (<c>*</c> any run of characters, <c>?</c> one; anchored) or a regular expression (keys: anchored,
    /// the whole key must match; values: searched). Regular expressions run with the non-backtracking engine, so no
    /// pattern can make a comparison slow; constructs it lacks (backreferences, lookarounds) are reported.
    /// </summary>
    private static Regex? Pattern(YamlFields fields, YamlNode node, string path, bool isGlob, ref bool ok, bool anchored = true)
    {
        if (fields.String(node, path) is not { } text)
        {
            ok = false;
            return null;
        }

        if (text.Length > MaxPatternLength)
        {
            fields.Error(node, path, $"at most {MaxPatternLength} characters");
            ok = false;
            return null;
        }

        const RegexOptions options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;
        try
        {
            if (isGlob)
            {
                return new Regex(GlobToRegex(text), options);
            }

            // Parsed as written first, so an error's offset points into what the user wrote, then anchored for keys.
            var regex = new Regex(text, options);
            return anchored ? new Regex($"^(?:{text})$", options) : regex;
        }
        catch (RegexParseException ex)
        {
            fields.Error(node, path, $"not a valid regular expression: {ex.Error} at offset {ex.Offset}");
            ok = false;
            return null;
        }
        catch (NotSupportedException ex)
        {
            fields.Error(node, path, $"not supported: patterns here run in linear time, without backreferences, lookarounds or atomic groups ({ex.Message})");
            ok = false;
            return null;
        }
        catch (ArgumentException ex)
        {
            fields.Error(node, path, $"not usable as a regular expression: {ex.Message}");
            ok = false;
            return null;
        }
    }

    private static string GlobToRegex(string glob)
    {
        var builder = new StringBuilder("^");
        foreach (var ch in glob)
        {
            builder.Append(ch switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(ch.ToString()),
            });
        }

        return builder.Append('$').ToString();
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
