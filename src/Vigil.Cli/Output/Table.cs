namespace Vigil.Cli.Output;

/// <summary>
/// A plain text table: a header row and rows, columns left-aligned and separated by two spaces, no trailing spaces.
/// Cells are made safe for a terminal (<see cref="Display.Safe"/>) because they carry text from telemetry.
/// </summary>
internal sealed class Table
{
    private const string Gap = "  ";
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public Table(params string[] headers) => _headers = headers;

    public int RowCount => _rows.Count;

    /// <summary>Adds a row; null cells print as <c>-</c>. The row must have one cell per header.</summary>
    public void Add(params string?[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"A row has {cells.Length} cells for {_headers.Length} columns.", nameof(cells));
        }

        _rows.Add(Array.ConvertAll(cells, c => string.IsNullOrEmpty(c) ? "-" : Display.Safe(c)));
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[_headers.Length];
        for (var c = 0; c < widths.Length; c++)
        {
            widths[c] = _headers[c].Length;
            foreach (var row in _rows)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        WriteRow(writer, _headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        for (var c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                writer.Write(Gap);
            }

            // The last column is not padded: no trailing spaces.
            writer.Write(c == cells.Length - 1 ? cells[c] : cells[c].PadRight(widths[c]));
        }

        writer.WriteLine();
    }
}
