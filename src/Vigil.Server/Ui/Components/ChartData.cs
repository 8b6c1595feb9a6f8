namespace Vigil.Server.Ui.Components;

/// <summary>One line of a <see cref="TimeSeriesChart"/>.</summary>
/// <param name="Label">The legend text, also the column header of the chart's data table.</param>
/// <param name="Values">One value per time of the chart's <see cref="ChartData.Times"/>; null where there is no sample (a gap).</param>
/// <param name="Color">A CSS colour, or null for the palette's next colour.</param>
public sealed record ChartSeries(string Label, IReadOnlyList<double?> Values, string? Color = null);

/// <summary>A vertical marker on a chart, such as a release.</summary>
/// <param name="At">When, in Unix seconds.</param>
/// <param name="Label">Short text drawn beside the marker and listed under the chart.</param>
/// <param name="Href">Where the marker's entry in the list links to, or null.</param>
public sealed record ChartMarker(long At, string Label, string? Href = null);

/// <summary>The data of one chart: shared times and one series per line.</summary>
/// <param name="Times">Sample times in Unix seconds, ascending.</param>
/// <param name="Series">The lines; each has exactly one value per time.</param>
public sealed record ChartData(IReadOnlyList<long> Times, IReadOnlyList<ChartSeries> Series)
{
    /// <summary>A chart with nothing to draw.</summary>
    public static ChartData Empty { get; } = new([], []);

    /// <summary>True when no series has a single value.</summary>
    public bool IsEmpty => Times.Count == 0 || Series.All(s => s.Values.All(v => v is null));
}
