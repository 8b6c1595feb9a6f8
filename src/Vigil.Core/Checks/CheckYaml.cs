using Vigil.Core.Declarative;

namespace Vigil.Core.Checks;

/// <summary>Reads <c>kind: Check</c> documents (ARCHITECTURE.md, "Declarative objects"); docs/checks.md is the reference.</summary>
public static class CheckYaml
{
    /// <summary>The <c>kind</c> value.</summary>
    public const string Kind = "Check";

    /// <summary>The interval when none is given.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(60);

    /// <summary>The shortest interval.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest interval: a day.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(24);

    /// <summary>The timeout when none is given (80% of the interval when the interval is this or shorter).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The longest a regular expression in a check may take on one match; a slower match fails its assertion.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Parses one document into a check, adding every problem to <paramref name="errors"/> as <c>file:line:col</c>
    /// (unknown keys and check types, bad durations, invalid regexes and JSON paths, ...). Returns null when any error
    /// was found.
    /// </summary>
    /// <param name="file">The file name used in errors.</param>
    /// <param name="text">The document's YAML text.</param>
    /// <param name="errors">Receives every problem.</param>
    /// <param name="lineOffset">Added to line numbers (the document's first line in its file, minus one).</param>
    public static CheckDefinition? Parse(string file, string text, List<DocumentError> errors, int lineOffset = 0) =>
        YamlFields.ParseDocument(file, text, errors, lineOffset, "check", (fields, root) => new CheckReader(fields).Read(root));
}

/// <summary>The <c>Check</c> kind of declarative object: <c>vigil apply -f</c> validates checks through it.</summary>
public sealed class CheckKind : IDeclarativeKind
{
    /// <inheritdoc />
    public string Kind => CheckYaml.Kind;

    /// <inheritdoc />
    public void Validate(YamlDocumentText document, DeclarativeValidationContext context, List<DocumentError> errors)
    {
        ArgumentNullException.ThrowIfNull(document);
        _ = CheckYaml.Parse(document.File, document.Text, errors, document.LineOffset);
    }
}
