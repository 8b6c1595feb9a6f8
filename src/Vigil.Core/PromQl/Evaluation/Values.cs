using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>A scalar during evaluation.</summary>
internal sealed record ScalarValue(double Value);

/// <summary>A string during evaluation.</summary>
internal sealed record StringValue(string Value);

/// <summary>One instant-vector element during evaluation; <paramref name="SampleTs"/> is the raw sample's time.</summary>
internal readonly record struct VSample(LabelSet Labels, double Value, long SampleTs);

/// <summary>One range-vector series during evaluation, samples oldest first.</summary>
internal sealed record MSeries(LabelSet Labels, Sample[] Samples);
