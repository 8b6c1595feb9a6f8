namespace Vigil.Core.Anomalies.Nab;

/// <summary>One data file of a NAB corpus with its labels.</summary>
/// <param name="RelativePath">The file relative to the data folder, with '/' (<c>category/file.csv</c>), as the windows file names it.</param>
/// <param name="Data">The file's rows.</param>
/// <param name="Labels">The rows placed against the file's windows.</param>
public sealed record NabCorpusFile(string RelativePath, NabCsv Data, NabLabelledFile Labels)
{
    /// <summary>The category folder (<c>realKnownCause</c>).</summary>
    public string Category => RelativePath.Contains('/', StringComparison.Ordinal) ? RelativePath[..RelativePath.LastIndexOf('/')] : "";

    /// <summary>The file name (<c>nyc_taxi.csv</c>).</summary>
    public string FileName => RelativePath[(RelativePath.LastIndexOf('/') + 1)..];
}

/// <summary>Reads a NAB corpus: every CSV under a data folder, each with its windows from a windows file.</summary>
public static class NabCorpus
{
    /// <summary>Reads every <c>*.csv</c> under <paramref name="dataDirectory"/> (sorted by relative path) and labels it.</summary>
    /// <exception cref="FormatException">A file is malformed or has no entry in the windows file; the message says which.</exception>
    /// <exception cref="DirectoryNotFoundException">The data folder does not exist.</exception>
    public static IReadOnlyList<NabCorpusFile> Load(string dataDirectory, NabWindows windows)
    {
        if (!Directory.Exists(dataDirectory))
        {
            throw new DirectoryNotFoundException($"The NAB data folder '{dataDirectory}' does not exist.");
        }

        var files = new List<NabCorpusFile>();
        foreach (var path in Directory.EnumerateFiles(dataDirectory, "*.csv", SearchOption.AllDirectories)
                     .Select(p => (Full: p, Relative: Path.GetRelativePath(dataDirectory, p).Replace('\\', '/')))
                     .OrderBy(p => p.Relative, StringComparer.Ordinal))
        {
            var labels = windows.For(path.Relative)
                ?? throw new FormatException($"{path.Full}: the windows file has no entry '{path.Relative}'.");
            var data = NabCsv.Read(path.Full);
            files.Add(new NabCorpusFile(path.Relative, data, NabLabelledFile.Create(path.Relative, data.Timestamps, labels)));
        }

        if (files.Count == 0)
        {
            throw new FormatException($"The NAB data folder '{dataDirectory}' holds no *.csv files.");
        }

        return files;
    }

    /// <summary>
    /// Reads a detector's published outputs for <paramref name="corpus"/> in NAB's results layout
    /// (<c>DIR/category/DETECTOR_file.csv</c> with an <c>anomaly_score</c> column).
    /// </summary>
    /// <exception cref="FormatException">An output is missing, has no scores, or does not match its data file's rows.</exception>
    public static IReadOnlyList<NabDetectorOutput> LoadOutputs(string resultsDirectory, string detector, IReadOnlyList<NabCorpusFile> corpus)
    {
        var outputs = new List<NabDetectorOutput>(corpus.Count);
        foreach (var file in corpus)
        {
            var path = Path.Combine(resultsDirectory, file.Category, $"{detector}_{file.FileName}");
            if (!File.Exists(path))
            {
                throw new FormatException($"{path}: missing; expected the output of '{detector}' for {file.RelativePath}.");
            }

            var output = NabCsv.Read(path);
            if (output.Scores is null)
            {
                throw new FormatException($"{path}: no 'anomaly_score' column.");
            }

            if (output.Scores.Length != file.Labels.Length)
            {
                throw new FormatException($"{path}: {output.Scores.Length} rows, but {file.RelativePath} has {file.Labels.Length}.");
            }

            outputs.Add(new NabDetectorOutput(file.Labels, output.Scores));
        }

        return outputs;
    }
}
