namespace Vigil.Core.Telemetry;

/// <summary>One sample: a timestamp in Unix milliseconds and a value.</summary>
public readonly record struct Sample(long TimestampMs, double Value);

/// <summary>One sample of one series, as intake hands it to the store.</summary>
public readonly record struct SeriesSample(LabelSet Labels, long TimestampMs, double Value);

/// <summary>The samples of one series in a time window, oldest first.</summary>
public sealed record SeriesSamples(LabelSet Labels, IReadOnlyList<Sample> Samples);
