using Vigil.Core.Declarative;

namespace Vigil.Core.Checks;

/// <summary>Reads <c>kind: Check</c> documents (ARCHITECTURE.md, "Declarative objects"); docs/checks.md is the reference.</summary>
public static class CheckYaml
{
    /// <summary>The <c>kind</c> value.</summary>
    public const string Kind = "Check";

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
        throw new NotSupportedException("CheckYaml.Parse lands with the checks-engine branch");
}
