using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>A scalar during evaluation.</summary>
internal sealed record ScalarValue(double Value);

/// <summary>A string during evaluation.</summary>
internal sealed record StringValue(string Value);

/// <summary>One instant-vector element during evaluation; <paramref name="SampleTs"/> is the raw sample's time.</summary>
internal readonly record struct VSample(LabelSet Labels, double Value, long SampleTs);

/// <summary>
/// One range-vector series during evaluation, samples oldest first. <paramref name="Samples"/> is usually a slice of the
/// prefetched samples of the series (a window), not a copy.
/// </summary>
internal sealed record MSeries(LabelSet Labels, ArraySegment<Sample> Samples);

/// <summary>
/// A range function over one series' window (samples oldest first, never empty), the range and the window's end;
/// null when the function gives no value for this window.
/// </summary>
internal delegate double? WindowFunction(ReadOnlySpan<Sample> window, long rangeMs, long refT);
