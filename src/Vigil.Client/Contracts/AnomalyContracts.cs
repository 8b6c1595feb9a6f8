namespace Vigil.Client.Contracts;

/// <summary>
/// An anomaly event on one watched series: the value <see cref="Actual"/> when it opened, against the expected range
/// [<see cref="ExpectedLow"/>, <see cref="ExpectedHigh"/>]; open while <see cref="EndedAt"/> is null.
/// </summary>
public sealed record AnomalyEventDto(
    long Id,
    string Watch,
    IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    bool Open,
    double Score,
    double Actual,
    double Expected,
    double ExpectedLow,
    double ExpectedHigh,
    string Explanation);

/// <summary>Anomaly events, newest first.</summary>
public sealed record AnomalyEventsResponse(IReadOnlyList<AnomalyEventDto> Events);

/// <summary>
/// One output series of a watch, as of its last evaluation: the score, the value and what was expected. While
/// <see cref="Points"/> is below <see cref="AnomalySeriesDto.WarmUpPoints"/> the series is warming up and scores 0.
/// </summary>
public sealed record AnomalySeriesDto(
    IReadOnlyDictionary<string, string> Labels,
    long Points,
    DateTimeOffset? EvaluatedAt,
    double? Value,
    double Score,
    double Expected,
    double ExpectedLow,
    double ExpectedHigh,
    long? OpenEventId)
{
    /// <summary>Points a series needs before it can score above 0 (the detector's warm-up): 150.</summary>
    public const int WarmUpPoints = 150;
}

/// <summary>A watched expression and its series; <see cref="Source"/> is <c>default</c>, <c>config</c> or <c>object</c>.</summary>
public sealed record AnomalyWatchDto(string Name, string Query, string Source, IReadOnlyDictionary<string, string> Labels, string? Error, IReadOnlyList<AnomalySeriesDto> Series);

/// <summary>Every watched expression; <see cref="SeriesLeftOut"/> counts series not watched because of <c>anomalies.maxSeries</c>.</summary>
public sealed record AnomalyWatchesResponse(double EvaluationIntervalSeconds, int MaxSeries, int SeriesLeftOut, IReadOnlyList<AnomalyWatchDto> Watches);

/// <summary>
/// A forecast of when a series crosses a threshold. <see cref="CrossesAt"/> is null when it does not within the
/// horizon; <see cref="Model"/> is <c>linear</c> or <c>seasonal</c>; <see cref="FitQuality"/> is R² of the fit in [0, 1].
/// </summary>
public sealed record ForecastDto(
    string Query,
    double Threshold,
    string Model,
    double FitQuality,
    double SlopePerHour,
    double LastValue,
    DateTimeOffset? CrossesAt,
    double? HoursUntilCrossing,
    double HorizonHours,
    string Summary);
