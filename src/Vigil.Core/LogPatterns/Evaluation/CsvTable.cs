using System.Text;

namespace Vigil.Core.LogPatterns.Evaluation;

/// <summary>
/// A CSV file read whole (RFC 4180: comma separated, fields optionally in double quotes, a quote inside a quoted field
/// doubled, quoted fields may hold commas and line breaks). The first row is the header.
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;

    private CsvTable(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        Header = header;
        Rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            _columns.TryAdd(header[i], i);
        }
    }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The data rows (each as long as the header; missing trailing fields are empty).</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>The values of one column, in row order.</summary>
    /// <exception cref="InvalidDataException">The column does not exist.</exception>
    public IReadOnlyList<string> Column(string name)
    {
        if (!_columns.TryGetValue(name, out var index))
        {
            throw new InvalidDataException($"The CSV has no column '{name}' (columns: {string.Join(", ", Header)}).");
        }

        return Rows.Select(r => r[index]).ToList();
    }

    /// <summary>Reads a file.</summary>
    public static CsvTable Load(string path) => Parse(File.ReadAllText(path, Encoding.UTF8), path);

    /// <summary>Parses CSV text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A quoted field is not closed, or a row has more fields than the header.</exception>
    public static CsvTable Parse(string text, string source = "CSV")
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var i = 0;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            i = 1;
        }

        var atRecordStart = true;
        while (i < text.Length)
        {
            var c = text[i];
            atRecordStart = false;
            if (c == '"' && field.Length == 0)
            {
                var openedAt = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new InvalidDataException($"{source}: line {openedAt}: a quoted field is not closed.");
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    if (text[i] == '\n')
                    {
                        line++;
                    }

                    field.Append(text[i++]);
                }

                continue;
            }

            if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                i++;
                continue;
            }

            if (c is '\r' or '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                line++;
                atRecordStart = true;
                continue;
            }

            field.Append(c);
            i++;
        }

        if (!atRecordStart)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }

        if (records.Count == 0)
        {
            throw new InvalidDataException($"{source}: the file is empty (no header row).");
        }

        var header = records[0];
        var rows = new List<string[]>(records.Count - 1);
        for (var r = 1; r < records.Count; r++)
        {
            var record = records[r];
            if (record.Length == 1 && record[0].Length == 0)
            {
                continue; // a blank line
            }

            if (record.Length > header.Length)
            {
                throw new InvalidDataException($"{source}: record {r + 1} has {record.Length} fields, the header {header.Length}.");
            }

            if (record.Length < header.Length)
            {
                Array.Resize(ref record, header.Length);
                for (var k = 0; k < record.Length; k++)
                {
                    record[k] ??= string.Empty;
                }
            }

            rows.Add(record);
        }

        return new CsvTable(header, rows);
    }

    /// <summary>Quotes a field when it holds a comma, quote or line break.</summary>
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
