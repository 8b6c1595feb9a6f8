namespace Vigil.Core.LogPatterns.Evaluation;

/// <summary>One Loghub dataset folder: its name and the messages (<c>Content</c>) with their true templates.</summary>
/// <param name="Name">The folder name, e.g. <c>HDFS</c>.</param>
/// <param name="LineIds">The <c>LineId</c> column.</param>
/// <param name="Contents">The <c>Content</c> column: the input of the miner, in order.</param>
/// <param name="Templates">The <c>EventTemplate</c> column: the expected output.</param>
public sealed record LoghubDataset(string Name, IReadOnlyList<string> LineIds, IReadOnlyList<string> Contents, IReadOnlyList<string> Templates)
{
    /// <summary>
    /// The datasets under <paramref name="directory"/>: every subfolder holding <c>&lt;N&gt;_2k.log_structured_corrected.csv</c>
    /// (preferred) or <c>&lt;N&gt;_2k.log_structured.csv</c>, by name.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static IReadOnlyList<LoghubDataset> LoadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Loghub data directory '{directory}' does not exist.");
        }

        var datasets = new List<LoghubDataset>();
        foreach (var folder in Directory.GetDirectories(directory).OrderBy(d => d, StringComparer.Ordinal))
        {
            var file = FindStructured(folder);
            if (file is null)
            {
                continue;
            }

            var table = CsvTable.Load(file);
            datasets.Add(new LoghubDataset(Path.GetFileName(folder), table.Column("LineId"), table.Column("Content"), table.Column("EventTemplate")));
        }

        return datasets;
    }

    private static string? FindStructured(string folder)
    {
        foreach (var suffix in new[] { "_2k.log_structured_corrected.csv", "_2k.log_structured.csv" })
        {
            var exact = Path.Combine(folder, Path.GetFileName(folder) + suffix);
            if (File.Exists(exact))
            {
                return exact;
            }

            var any = Directory.GetFiles(folder, "*" + suffix).OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();
            if (any is not null)
            {
                return any;
            }
        }

        return null;
    }
}
