using System.Globalization;
using System.Text.Json;

namespace Vigil.Core.Anomalies.Nab;

/// <summary>One labelled anomaly window: its first and last timestamp, both inclusive.</summary>
/// <param name="Start">The first timestamp of the window.</param>
/// <param name="End">The last timestamp of the window.</param>
public readonly record struct NabWindow(DateTime Start, DateTime End);

/// <summary>
/// The labelled anomaly windows of a corpus, read from NAB's <c>combined_windows.json</c> format: an object whose keys
/// are data files relative to the data folder (<c>category/file.csv</c>) and whose values are lists of
/// <c>["start", "end"]</c> timestamp pairs.
/// </summary>
public sealed class NabWindows
{
    private readonly Dictionary<string, IReadOnlyList<NabWindow>> _byFile;

    private NabWindows(Dictionary<string, IReadOnlyList<NabWindow>> byFile) => _byFile = byFile;

    /// <summary>The files the label set covers, as <c>category/file.csv</c>.</summary>
    public IEnumerable<string> Files => _byFile.Keys;

    /// <summary>The windows of <paramref name="relativePath"/> (<c>category/file.csv</c>), or null when the file is not labelled.</summary>
    public IReadOnlyList<NabWindow>? For(string relativePath) =>
        _byFile.TryGetValue(relativePath.Replace('\\', '/'), out var windows) ? windows : null;

    /// <summary>Reads a windows file; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="FormatException">The file is not in NAB's windows format; the message says where.</exception>
    public static NabWindows Parse(string json, string source)
    {
        using var document = NabJson.ParseObject(json, source, "an object mapping 'category/file.csv' to a list of windows");
        var byFile = new Dictionary<string, IReadOnlyList<NabWindow>>(StringComparer.Ordinal);
        foreach (var file in document.RootElement.EnumerateObject())
        {
            if (file.Value.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{source}: '{file.Name}': expected a list of [start, end] pairs.");
            }

            var windows = new List<NabWindow>();
            var index = 0;
            foreach (var pair in file.Value.EnumerateArray())
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 ||
                    pair[0].ValueKind != JsonValueKind.String || pair[1].ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"{source}: '{file.Name}' window {index}: expected [\"start\", \"end\"].");
                }

                var start = ParseTimestamp(pair[0].GetString()!, $"{source}: '{file.Name}' window {index} start");
                var end = ParseTimestamp(pair[1].GetString()!, $"{source}: '{file.Name}' window {index} end");
                if (end < start)
                {
                    throw new FormatException($"{source}: '{file.Name}' window {index} ends before it starts.");
                }

                windows.Add(new NabWindow(start, end));
                index++;
            }

            windows.Sort((a, b) => a.Start.CompareTo(b.Start));
            byFile[file.Name.Replace('\\', '/')] = windows;
        }

        return new NabWindows(byFile);
    }

    private static readonly string[] TimestampFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss.fff", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.ffffff"];

    /// <summary>Parses a NAB timestamp (<c>2014-04-10 07:15:00</c>, optionally with fractional seconds), as UTC.</summary>
    /// <exception cref="FormatException">The text is not such a timestamp; the message starts with <paramref name="where"/>.</exception>
    public static DateTime ParseTimestamp(string text, string where) =>
        DateTime.TryParseExact(text, TimestampFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new FormatException($"{where}: '{text}' is not a timestamp like 2014-04-10 07:15:00.");
}
