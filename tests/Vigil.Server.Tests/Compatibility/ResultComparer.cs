using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vigil.Server.Tests.Compatibility;

/// <summary>
/// A parsed <c>query_range</c> answer, or an instant <c>query</c>'s (a vector element or a scalar is one point, a
/// matrix keeps its raw samples): the series (label text, points) in answer order, or the error.
/// </summary>
/// <param name="Series">The series in answer order, each with its canonical label text and points.</param>
/// <param name="ErrorType">The Prometheus <c>errorType</c> when the query failed.</param>
/// <param name="Error">The error message when the query failed.</param>
internal sealed record RangeAnswer(IReadOnlyList<(string Labels, IReadOnlyList<(double Time, string Value)> Points)> Series, string? ErrorType, string? Error)
{
    /// <summary>Parses a Prometheus API envelope; anything that is not one becomes an error answer saying so.</summary>
    public static RangeAnswer Parse(int status, string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return new RangeAnswer([], "not_json", $"HTTP {status}: {Truncate(body)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var s))
            {
                return new RangeAnswer([], "no_envelope", $"HTTP {status}: {Truncate(body)}");
            }

            if (s.GetString() != "success")
            {
                return new RangeAnswer(
                    [],
                    root.TryGetProperty("errorType", out var et) ? et.GetString() : "missing",
                    root.TryGetProperty("error", out var e) ? e.GetString() : "missing");
            }

            var data = root.GetProperty("data");
            var resultType = data.GetProperty("resultType").GetString();
            if (resultType is "scalar" or "string")
            {
                // An instant query's scalar or string: one unlabelled point, told apart by its type.
                var point = data.GetProperty("result");
                return new RangeAnswer([($"<{resultType}>", [(point[0].GetDouble(), point[1].GetString() ?? string.Empty)])], null, null);
            }

            if (resultType is not ("matrix" or "vector"))
            {
                return new RangeAnswer([], "unexpected_result_type", "resultType " + resultType);
            }

            var series = new List<(string, IReadOnlyList<(double, string)>)>();
            foreach (var item in data.GetProperty("result").EnumerateArray())
            {
                var labels = item.GetProperty("metric").EnumerateObject()
                    .Select(p => (p.Name, Value: p.Value.GetString() ?? string.Empty))
                    .OrderBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => $"{p.Name}={JsonSerializer.Serialize(p.Value)}");
                // An instant vector's element is one point.
                var points = resultType == "vector"
                    ? [(item.GetProperty("value")[0].GetDouble(), item.GetProperty("value")[1].GetString() ?? string.Empty)]
                    : item.GetProperty("values").EnumerateArray()
                        .Select(v => (v[0].GetDouble(), v[1].GetString() ?? string.Empty))
                        .ToList();
                series.Add(("{" + string.Join(", ", labels) + "}", points));
            }

            return new RangeAnswer(series, null, null);
        }
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "...";
}

/// <summary>
/// Compares the answers of Prometheus and Vigil to one range query: both fail with the same <c>errorType</c>, or
/// both succeed with the same label sets, the same point timestamps and values equal within 1e-9 relative (NaN
/// equals NaN, ±Inf exactly; below 1e-12 in magnitude, equal within 1e-12 absolute, so a sum that cancels to 0 on
/// one side and 1e-17 on the other matches). The order of the series counts only for <c>sort</c> and
/// <c>sort_desc</c>.
/// </summary>
internal static class ResultComparer
{
    private const double RelativeTolerance = 1e-9;
    private const double AbsoluteTolerance = 1e-12;

    /// <summary>The first difference, described for a failure message, or null when the answers agree.</summary>
    /// <param name="query">The query.</param>
    /// <param name="prometheus">Prometheus's answer.</param>
    /// <param name="vigil">Vigil's answer.</param>
    /// <param name="instantAtMs">The time of an instant query, or null for the query's range.</param>
    public static string? FirstDifference(CompatibilityQuery query, RangeAnswer prometheus, RangeAnswer vigil, long? instantAtMs = null)
    {
        var when = instantAtMs is { } at
            ? $"instant query at {at / 1000.0:R}"
            : $"range {query.StartMs / 1000.0:R}..{query.EndMs / 1000.0:R} step {query.StepMs / 1000.0:R}s";
        var header = $"{query}\n  {when}\n  ";
        if (prometheus.ErrorType is not null || vigil.ErrorType is not null)
        {
            if (prometheus.ErrorType == vigil.ErrorType)
            {
                return null;
            }

            return header + $"prometheus: {Describe(prometheus)}\n  vigil: {Describe(vigil)}";
        }

        var promByLabels = prometheus.Series.ToDictionary(s => s.Labels, s => s.Points, StringComparer.Ordinal);
        var vigilByLabels = vigil.Series.ToDictionary(s => s.Labels, s => s.Points, StringComparer.Ordinal);
        foreach (var (labels, _) in prometheus.Series)
        {
            if (!vigilByLabels.ContainsKey(labels))
            {
                return header + $"series {labels} only on prometheus\n  prometheus series: {List(prometheus)}\n  vigil series: {List(vigil)}";
            }
        }

        foreach (var (labels, _) in vigil.Series)
        {
            if (!promByLabels.ContainsKey(labels))
            {
                return header + $"series {labels} only on vigil\n  prometheus series: {List(prometheus)}\n  vigil series: {List(vigil)}";
            }
        }

        if (query.Ordered)
        {
            for (var i = 0; i < prometheus.Series.Count; i++)
            {
                if (prometheus.Series[i].Labels != vigil.Series[i].Labels)
                {
                    return header + $"series order differs at index {i}\n  prometheus: {List(prometheus)}\n  vigil: {List(vigil)}";
                }
            }
        }

        foreach (var (labels, promPoints) in prometheus.Series)
        {
            var vigilPoints = vigilByLabels[labels];
            for (var i = 0; i < Math.Max(promPoints.Count, vigilPoints.Count); i++)
            {
                if (i >= promPoints.Count || i >= vigilPoints.Count || promPoints[i].Time != vigilPoints[i].Time)
                {
                    var p = i < promPoints.Count ? Point(promPoints[i]) : "none";
                    var v = i < vigilPoints.Count ? Point(vigilPoints[i]) : "none";
                    return header + $"series {labels}: point {i} prometheus {p}, vigil {v} (prometheus has {promPoints.Count} points, vigil {vigilPoints.Count})";
                }

                if (!ValuesEqual(promPoints[i].Value, vigilPoints[i].Value))
                {
                    return header + $"series {labels} at {promPoints[i].Time.ToString("R", CultureInfo.InvariantCulture)}: prometheus {promPoints[i].Value}, vigil {vigilPoints[i].Value}";
                }
            }
        }

        return null;
    }

    /// <summary>True when two sample values printed by the API are equal within the tolerance.</summary>
    public static bool ValuesEqual(string a, string b)
    {
        if (a == b)
        {
            return true;
        }

        var x = ParseValue(a);
        var y = ParseValue(b);
        if (double.IsNaN(x) || double.IsNaN(y))
        {
            return double.IsNaN(x) && double.IsNaN(y);
        }

        if (double.IsInfinity(x) || double.IsInfinity(y))
        {
            return x == y;
        }

        var diff = Math.Abs(x - y);
        return diff <= AbsoluteTolerance || diff <= RelativeTolerance * Math.Max(Math.Abs(x), Math.Abs(y));
    }

    private static double ParseValue(string s) => s switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string Point((double Time, string Value) p) => $"[{p.Time.ToString("R", CultureInfo.InvariantCulture)}, {p.Value}]";

    private static string Describe(RangeAnswer a) =>
        a.ErrorType is not null ? $"error {a.ErrorType}: {a.Error}" : $"success with {a.Series.Count} series";

    private static string List(RangeAnswer a)
    {
        var sb = new StringBuilder();
        foreach (var (labels, points) in a.Series.Take(12))
        {
            sb.Append("\n    ").Append(labels).Append(" (").Append(points.Count).Append(" points)");
        }

        if (a.Series.Count > 12)
        {
            sb.Append("\n    ... ").Append(a.Series.Count - 12).Append(" more");
        }

        return a.Series.Count == 0 ? "none" : sb.ToString();
    }
}
