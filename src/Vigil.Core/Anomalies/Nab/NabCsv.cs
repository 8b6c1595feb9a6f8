using System.Globalization;

namespace Vigil.Core.Anomalies.Nab;

/// <summary>
/// A NAB series file: a header naming <c>timestamp</c> and <c>value</c> (and, for detector outputs,
/// <c>anomaly_score</c>), then one row per point.
/// </summary>
/// <param name="Timestamps">The rows' timestamps, as UTC.</param>
/// <param name="Values">The rows' values.</param>
/// <param name="Scores">The rows' anomaly scores, or null when the file has no <c>anomaly_score</c> column.</param>
public sealed record NabCsv(DateTime[] Timestamps, double[] Values, double[]? Scores)
{
    /// <summary>Reads a NAB CSV file.</summary>
    /// <exception cref="FormatException">A row or the header is malformed; the message names the file, line and column.</exception>
    public static NabCsv Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads NAB CSV text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="FormatException">A row or the header is malformed; the message names the source, line and column.</exception>
    public static NabCsv Read(TextReader reader, string source)
    {
        var header = reader.ReadLine() ?? throw new FormatException($"{source}: empty file; expected a header 'timestamp,value'.");
        var columns = header.Split(',').Select(c => c.Trim()).ToArray();
        var timestampColumn = Array.IndexOf(columns, "timestamp");
        var valueColumn = Array.IndexOf(columns, "value");
        var scoreColumn = Array.IndexOf(columns, "anomaly_score");
        if (timestampColumn < 0 || valueColumn < 0)
        {
            throw new FormatException($"{source}:1: the header '{header}' must name the columns 'timestamp' and 'value'.");
        }

        var timestamps = new List<DateTime>();
        var values = new List<double>();
        var scores = scoreColumn >= 0 ? new List<double>() : null;
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != columns.Length)
            {
                throw new FormatException($"{source}:{lineNumber}: expected {columns.Length} fields, found {fields.Length}.");
            }

            timestamps.Add(NabWindows.ParseTimestamp(fields[timestampColumn].Trim(), $"{source}:{lineNumber} column 'timestamp'"));
            values.Add(Number(fields[valueColumn], source, lineNumber, "value"));
            scores?.Add(Number(fields[scoreColumn], source, lineNumber, "anomaly_score"));
        }

        return new NabCsv(timestamps.ToArray(), values.ToArray(), scores?.ToArray());
    }

    private static double Number(string text, string source, int line, string column) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{source}:{line} column '{column}': '{text}' is not a number.");
}
