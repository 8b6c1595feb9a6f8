using Vigil.Cli.Output;
using Vigil.Core.Declarative;

namespace Vigil.Cli.Apply;

/// <summary>
/// Reads the documents of one kind from a local YAML file, validated as <c>vigil apply</c> would validate them, for
/// commands that use a definition without a server (<c>vigil checks run -f</c>, <c>vigil bench judge --plan</c>).
/// </summary>
internal static class LocalDocuments
{
    /// <summary>
    /// The documents of <paramref name="kind"/> in <paramref name="path"/>, each parsed by <paramref name="parse"/>
    /// (file, text, errors, line offset). Null after printing every error as <c>file:line:col: reason</c> when the file
    /// cannot be read, any document is invalid, or none is of that kind.
    /// </summary>
    public static async Task<IReadOnlyList<T>?> ReadAsync<T>(
        CliContext context,
        string path,
        string kind,
        Func<string, string, List<DocumentError>, int, T?> parse,
        CancellationToken cancellationToken)
        where T : class
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await context.Error.WriteLineAsync($"error: cannot read '{Display.Safe(path)}': {Display.Safe(e.Message)}");
            return null;
        }

        var errors = new List<DocumentError>();
        var documents = DeclarativeReader.Read([new DeclarativeFile(path, text)], DeclarativeKinds.Default, DeclarativeValidationContext.Offline, errors);
        var parsed = new List<T>();
        foreach (var document in documents.Where(d => d.Kind == kind))
        {
            if (parse(document.Source.File, document.Source.Text, errors, document.Source.LineOffset) is { } item)
            {
                parsed.Add(item);
            }
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync(Display.Safe(error.ToString()));
            }

            await context.Error.WriteLineAsync($"error: {errors.Count} {(errors.Count == 1 ? "error" : "errors")} in '{Display.Safe(path)}'; nothing was run.");
            return null;
        }

        if (parsed.Count == 0)
        {
            await context.Error.WriteLineAsync($"error: '{Display.Safe(path)}' holds no kind: {kind} documents.");
            return null;
        }

        return parsed;
    }
}
