using System.Globalization;

namespace Vigil.Core.Anomalies.Watching;

/// <summary>
/// An anomaly on one watched series: it opens when the series' score reaches the threshold and closes when the score
/// has stayed below it for a number of evaluations.
/// </summary>
/// <param name="Id">The store's id (0 before it is stored).</param>
/// <param name="Watch">The watch's name.</param>
/// <param name="Labels">The series' labels (the watch's labels included, <c>__name__</c> left out).</param>
/// <param name="StartedAt">The evaluation that opened it.</param>
/// <param name="EndedAt">When it closed, or null while open.</param>
/// <param name="Score">The highest score seen while open.</param>
/// <param name="Actual">The value when it opened.</param>
/// <param name="Expected">What the detector expected then.</param>
/// <param name="Spread">The typical spread around <paramref name="Expected"/> then.</param>
/// <param name="Explanation">A sentence for people, such as <c>request rate of checkout in prod is 412/s, expected 95–130/s since 14:02 (score 0.93)</c>.</param>
public sealed record AnomalyEvent(
    long Id,
    string Watch,
    IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double Score,
    double Actual,
    double Expected,
    double Spread,
    string Explanation)
{
    /// <summary>How many spreads either side of the expected value the expected range spans: 2.</summary>
    public const double RangeSpreads = 2;

    /// <summary>The low end of the expected range.</summary>
    public double ExpectedLow => Expected - (RangeSpreads * Spread);

    /// <summary>The high end of the expected range.</summary>
    public double ExpectedHigh => Expected + (RangeSpreads * Spread);

    /// <summary>True while the event is open.</summary>
    public bool Open => EndedAt is null;

    /// <summary>The label naming the service of a series (span metrics and OTLP resources).</summary>
    public const string ServiceLabel = "service_name";

    /// <summary>The label naming the environment of a series.</summary>
    public const string EnvironmentLabel = "deployment_environment_name";

    /// <summary>
    /// The explanation of an anomaly: what, where, the actual value, the expected range, since when (UTC, HH:mm) and the score.
    /// </summary>
    public static string Explain(AnomalyWatch watch, IReadOnlyDictionary<string, string> labels, double actual, double expected, double spread, double score, DateTimeOffset since)
    {
        ArgumentNullException.ThrowIfNull(watch);
        ArgumentNullException.ThrowIfNull(labels);
        var what = watch.Description ?? watch.Name;
        var where = Subject(labels, watch);
        var low = expected - (RangeSpreads * spread);
        var high = expected + (RangeSpreads * spread);
        var u = watch.Unit;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{what}{where} is {Format(actual)}{u}, expected {FormatRange(low, high)}{u} since {since.UtcDateTime:HH:mm} (score {score:0.00})");
    }

    /// <summary>A number for people: up to four significant digits, no exponent for everyday magnitudes.</summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        var abs = Math.Abs(value);
        return abs switch
        {
            0 => "0",
            >= 1e6 or < 1e-4 => value.ToString("G3", CultureInfo.InvariantCulture),
            >= 100 => Math.Round(value).ToString("0", CultureInfo.InvariantCulture),
            >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
            _ => value.ToString("G3", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>A range for people, both ends at the precision of the larger one (<c>95–105</c>, not <c>94.69–105</c>).</summary>
    public static string FormatRange(double low, double high)
    {
        var scale = Math.Max(Math.Abs(low), Math.Abs(high));
        if (!double.IsFinite(scale) || scale >= 1e6 || scale < 1e-4)
        {
            return $"{Format(low)}–{Format(high)}";
        }

        // Three significant digits of the larger end; the smaller is rounded to the same place.
        var decimals = Math.Max(0, 2 - (int)Math.Floor(Math.Log10(scale)));
        var pattern = decimals == 0 ? "0" : "0." + new string('#', decimals);
        return $"{Math.Round(low, decimals).ToString(pattern, CultureInfo.InvariantCulture)}–{Math.Round(high, decimals).ToString(pattern, CultureInfo.InvariantCulture)}";
    }

    private static string Subject(IReadOnlyDictionary<string, string> labels, AnomalyWatch watch)
    {
        labels.TryGetValue(ServiceLabel, out var service);
        labels.TryGetValue(EnvironmentLabel, out var environment);
        if (service is { Length: > 0 })
        {
            return environment is { Length: > 0 } ? $" of {service} in {environment}" : $" of {service}";
        }

        var own = labels.Where(l => !watch.Labels.ContainsKey(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal).Take(5).ToList();
        return own.Count == 0 ? string.Empty : " {" + string.Join(", ", own.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
    }
}
