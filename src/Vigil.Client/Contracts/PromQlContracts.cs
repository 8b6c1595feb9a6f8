namespace Vigil.Client.Contracts;

/// <summary>One point of a PromQL result: a Unix time in seconds and the value as Prometheus writes it (<c>"NaN"</c>, <c>"+Inf"</c>, <c>"1.5"</c>).</summary>
/// <param name="Time">Unix seconds (fractional).</param>
/// <param name="Value">The value, in Prometheus's text form.</param>
public readonly record struct PromQlPoint(double Time, string Value);

/// <summary>One series of a PromQL result: its labels and points, oldest first (one point for an instant vector).</summary>
/// <param name="Metric">The labels.</param>
/// <param name="Points">The points.</param>
public sealed record PromQlSeries(IReadOnlyDictionary<string, string> Metric, IReadOnlyList<PromQlPoint> Points);

/// <summary>
/// The answer to a PromQL query through the Prometheus API (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>):
/// <see cref="ResultType"/> is <c>vector</c>, <c>matrix</c>, <c>scalar</c> or <c>string</c>; scalars and strings come as
/// one series without labels.
/// </summary>
/// <param name="ResultType">The Prometheus result type.</param>
/// <param name="Series">The series (a single unlabelled one for scalar and string results).</param>
/// <param name="RawData">The <c>data</c> object exactly as the server sent it, for JSON output.</param>
public sealed record PromQlQueryResult(string ResultType, IReadOnlyList<PromQlSeries> Series, System.Text.Json.JsonElement RawData);
