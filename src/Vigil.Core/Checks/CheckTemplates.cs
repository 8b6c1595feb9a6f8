using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Core.Checks;

/// <summary>
/// The two kinds of reference a check's text values may hold: <c>${env:NAME}</c>, a secret read from the environment
/// variable NAME by the process that runs the check, and (in flows) <c>{{name}}</c>, a flow variable.
/// </summary>
public static partial class CheckTemplates
{
    /// <summary>The longest environment variable name a secret reference may use.</summary>
    public const int MaxSecretNameLength = 128;

    /// <summary>
    /// Checks the references in <paramref name="text"/>: every <c>${</c> must be <c>${env:NAME}</c>, and, when
    /// <paramref name="variables"/> is given (flows), every <c>{{name}}</c> must name one of them. Returns false with a reason.
    /// </summary>
    public static bool TryValidate(string text, ICollection<string>? variables, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = string.Empty;
        var i = 0;
        while ((i = text.IndexOf("${", i, StringComparison.Ordinal)) >= 0)
        {
            var end = text.IndexOf('}', i);
            var reference = end < 0 ? text[i..] : text[i..(end + 1)];
            if (end < 0 || !reference.StartsWith("${env:", StringComparison.Ordinal) || !SecretName().IsMatch(reference[6..^1]))
            {
                error = $"'{Shorten(reference)}' is not a secret reference; write ${{env:NAME}} with NAME an environment variable name (letters, digits and '_', not starting with a digit)";
                return false;
            }

            i = end + 1;
        }

        if (variables is null)
        {
            return true;
        }

        foreach (Match match in Placeholder().Matches(text))
        {
            var name = match.Groups[1].Value;
            if (!variables.Contains(name))
            {
                error = $"'{{{{{name}}}}}' is not a variable defined before it (defined: {(variables.Count == 0 ? "none" : string.Join(", ", variables))})";
                return false;
            }
        }

        var open = text.IndexOf("{{", StringComparison.Ordinal);
        if (open >= 0 && !Placeholder().IsMatch(text[open..]))
        {
            error = $"'{Shorten(text[open..])}' is not a variable reference; write {{{{name}}}}";
            return false;
        }

        return true;
    }

    /// <summary>True when <paramref name="text"/> holds a secret reference or a placeholder (so it needs <see cref="Expand"/>).</summary>
    public static bool HasReferences(string text) =>
        text.Contains("${", StringComparison.Ordinal) || text.Contains("{{", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="text"/> with secrets resolved through <paramref name="resolveSecret"/> (each value added to
    /// <paramref name="secrets"/> so it can be masked) and placeholders replaced from <paramref name="variables"/>.
    /// Returns null and names the missing secret or variable in <paramref name="missing"/> when one has no value.
    /// </summary>
    public static string? Expand(string text, IReadOnlyDictionary<string, string>? variables, Func<string, string?> resolveSecret, SecretMask secrets, out string? missing)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(resolveSecret);
        ArgumentNullException.ThrowIfNull(secrets);
        missing = null;
        if (!HasReferences(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 32);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{' && text.IndexOf('}', i) is var end and > 0
                && text.AsSpan(i).StartsWith("${env:", StringComparison.Ordinal))
            {
                var name = text[(i + 6)..end];
                var value = resolveSecret(name);
                if (value is null)
                {
                    missing = $"secret {name} is not set in the environment of the process running the check";
                    return null;
                }

                secrets.Add(value);
                builder.Append(value);
                i = end + 1;
            }
            else if (variables is not null && text[i] == '{' && i + 1 < text.Length && text[i + 1] == '{'
                && Placeholder().Match(text, i) is { Success: true } match && match.Index == i)
            {
                var name = match.Groups[1].Value;
                if (!variables.TryGetValue(name, out var value))
                {
                    missing = $"variable {name} has no value";
                    return null;
                }

                builder.Append(value);
                i += match.Length;
            }
            else
            {
                builder.Append(text[i]);
                i++;
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether <paramref name="name"/> is a usable variable name.</summary>
    public static bool IsVariableName(string name) => VariableName().IsMatch(name);

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "..." : text;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();
}

/// <summary>The secret values a run resolved; text leaving the run passes through <see cref="Mask"/>.</summary>
public sealed class SecretMask
{
    /// <summary>What a secret value is replaced with.</summary>
    public const string Replacement = "***";

    private List<string>? _values;

    /// <summary>Remembers a resolved secret value (empty values are not masked).</summary>
    public void Add(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return;
        }

        _values ??= [];
        if (!_values.Contains(value, StringComparer.Ordinal))
        {
            _values.Add(value);
        }
    }

    /// <summary><paramref name="text"/> with every remembered secret value replaced by <c>***</c>.</summary>
    public string? Mask(string? text)
    {
        if (text is null || _values is null)
        {
            return text;
        }

        // Longest first, so a secret that contains another is masked whole.
        foreach (var value in _values.OrderByDescending(v => v.Length))
        {
            text = text.Replace(value, Replacement, StringComparison.Ordinal);
        }

        return text;
    }
}
