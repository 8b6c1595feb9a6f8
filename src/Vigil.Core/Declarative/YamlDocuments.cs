namespace Vigil.Core.Declarative;

/// <summary>One YAML document cut from a file: its text and the number of file lines before it.</summary>
/// <param name="File">The file name, as reported in errors.</param>
/// <param name="Text">The document's text (from its <c>---</c> line, if any, up to the next one).</param>
/// <param name="LineOffset">Lines of the file before <paramref name="Text"/>: line 1 of the text is file line <c>LineOffset + 1</c>.</param>
public sealed record YamlDocumentText(string File, string Text, int LineOffset);

/// <summary>Splits a file into its YAML documents, keeping each document's line offset so errors point into the file.</summary>
public static class YamlDocuments
{
    /// <summary>
    /// The documents of <paramref name="text"/>, separated by lines that start with <c>---</c> (a marker line stays
    /// with the document it opens, so line numbers need only the offset). Documents holding nothing but comments and
    /// blank lines are left out. Line ends are normalised to <c>\n</c>.
    /// </summary>
    public static IReadOnlyList<YamlDocumentText> Split(string file, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var documents = new List<YamlDocumentText>();
        var start = 0;
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i == lines.Length || (i > start && IsMarker(lines[i])))
            {
                var chunk = lines.AsSpan(start, i - start);
                if (HasContent(chunk))
                {
                    documents.Add(new YamlDocumentText(file, string.Join('\n', chunk.ToArray()).TrimEnd() + "\n", start));
                }

                start = i;
            }
        }

        return documents;
    }

    /// <summary>The document's text without a leading bare <c>---</c> line and trailing blanks, as stored.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = text.ReplaceLineEndings("\n").TrimEnd();
        if (normalized.StartsWith("---", StringComparison.Ordinal))
        {
            var newline = normalized.IndexOf('\n', StringComparison.Ordinal);
            var first = newline < 0 ? normalized : normalized[..newline];
            if (first.TrimEnd() == "---")
            {
                normalized = newline < 0 ? string.Empty : normalized[(newline + 1)..];
            }
        }

        return normalized.TrimStart('\n') + "\n";
    }

    private static bool IsMarker(string line) =>
        line.StartsWith("---", StringComparison.Ordinal) && (line.Length == 3 || line[3] is ' ' or '\t');

    private static bool HasContent(ReadOnlySpan<string> lines)
    {
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0 && trimmed[0] != '#' && !(IsMarker(trimmed) && trimmed[3..].Trim().Length == 0) && trimmed != "...")
            {
                return true;
            }
        }

        return false;
    }
}
