using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>The result of a PromQL query: a scalar, a string, an instant vector or a matrix.</summary>
public abstract record PromQlResult;

/// <summary>A scalar result.</summary>
/// <param name="TimestampMs">The evaluation time, Unix milliseconds.</param>
/// <param name="Value">The value.</param>
public sealed record ScalarResult(long TimestampMs, double Value) : PromQlResult;

/// <summary>A string result.</summary>
/// <param name="TimestampMs">The evaluation time, Unix milliseconds.</param>
/// <param name="Value">The value.</param>
public sealed record StringResult(long TimestampMs, string Value) : PromQlResult;

/// <summary>One element of an instant vector.</summary>
/// <param name="Labels">The series labels.</param>
/// <param name="TimestampMs">The evaluation time, Unix milliseconds.</param>
/// <param name="Value">The value.</param>
public readonly record struct VectorElement(LabelSet Labels, long TimestampMs, double Value);

/// <summary>An instant vector result.</summary>
/// <param name="Elements">The elements, in evaluation order.</param>
public sealed record VectorResult(IReadOnlyList<VectorElement> Elements) : PromQlResult;

/// <summary>A matrix result: per series, points oldest first. Range queries always return one.</summary>
/// <param name="Series">The series, ordered by labels.</param>
public sealed record MatrixResult(IReadOnlyList<SeriesSamples> Series) : PromQlResult;
