using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vigil.Server.Tests.Grafana;

/// <summary>One HTTP answer: status, content type and body.</summary>
internal sealed record CapturedResponse(int Status, string? ContentType, string Body)
{
    /// <summary>The body parsed as JSON, or null when it is not JSON.</summary>
    public JsonDocument? TryParse()
    {
        try
        {
            return JsonDocument.Parse(Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Compares Vigil's answer to a Prometheus API request with Prometheus's, the way Grafana would notice a difference:
/// status code, envelope, JSON structure, and (by mode) values. Returns every difference found, each naming the
/// JSON path, so one run shows all of them.
/// </summary>
internal static class PrometheusResponseComparer
{
    private const double RelativeTolerance = 1e-9;

    /// <summary>Compares according to <paramref name="mode"/>; an empty list means they agree.</summary>
    public static List<string> Compare(GrafanaRequest request, CapturedResponse prometheus, CapturedResponse vigil, int? limit)
    {
        var diffs = new List<string>();
        if (prometheus.Status != vigil.Status)
        {
            diffs.Add($"HTTP status: Prometheus {prometheus.Status}, Vigil {vigil.Status}");
        }

        if (!IsJson(vigil.ContentType))
        {
            diffs.Add($"Content-Type: Vigil '{vigil.ContentType}', expected application/json");
        }

        using var p = prometheus.TryParse();
        using var v = vigil.TryParse();
        if (p is null || v is null)
        {
            diffs.Add($"body is not JSON: Prometheus {(p is null ? "no" : "yes")}, Vigil {(v is null ? "no" : "yes")}");
            return diffs;
        }

        var pr = p.RootElement;
        var vr = v.RootElement;
        CompareEnvelope(pr, vr, diffs, request.Compare == CompareMode.Error);
        if (diffs.Count > 0)
        {
            return diffs;
        }

        if (request.Compare != CompareMode.Error && !(pr.TryGetProperty("data", out _) && vr.TryGetProperty("data", out _)))
        {
            diffs.Add($"the list expects success, Prometheus answered {Truncate(pr.GetRawText())}");
            return diffs;
        }

        var isMetadata = request.Path == "/api/v1/metadata";
        switch (request.Compare)
        {
            case CompareMode.Error:
                return diffs;
            case CompareMode.Shape:
                Shape(pr.GetProperty("data"), vr.GetProperty("data"), "data", diffs, dataIsMap: isMetadata);
                return diffs;
            case CompareMode.LimitSubset:
                LimitSubset(pr.GetProperty("data"), vr.GetProperty("data"), limit ?? throw new InvalidOperationException("limit-subset needs a limit parameter"), diffs);
                return diffs;
            default:
                var pType = pr.GetProperty("data").ValueKind == JsonValueKind.Object ? StringProperty(pr.GetProperty("data"), "resultType") : null;
                var vType = vr.GetProperty("data").ValueKind == JsonValueKind.Object ? StringProperty(vr.GetProperty("data"), "resultType") : null;
                if (pType != vType)
                {
                    diffs.Add($"data.resultType: Prometheus {pType}, Vigil {vType}");
                    return diffs;
                }

                Shape(pr.GetProperty("data"), vr.GetProperty("data"), "data", diffs, dataIsMap: isMetadata);
                if (diffs.Count == 0)
                {
                    Values(pr.GetProperty("data"), vr.GetProperty("data"), diffs, compareSamples: request.Compare == CompareMode.Values);
                }

                return diffs;
        }
    }

    /// <summary>A canonical, sorted text of a label object, for matching series between the two answers.</summary>
    public static string LabelKey(JsonElement labels)
    {
        var text = new StringBuilder("{");
        foreach (var property in labels.EnumerateObject().OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            text.Append(property.Name).Append('=').Append(JsonSerializer.Serialize(property.Value.GetString())).Append(',');
        }

        return text.Append('}').ToString();
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    private static void CompareEnvelope(JsonElement p, JsonElement v, List<string> diffs, bool expectError)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            diffs.Add($"envelope: Vigil's body is a {v.ValueKind}, not an object");
            return;
        }

        var pKeys = p.EnumerateObject().Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
        var vKeys = v.EnumerateObject().Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var key in pKeys.Except(vKeys).Order(StringComparer.Ordinal))
        {
            diffs.Add($"envelope: Vigil lacks \"{key}\" (Prometheus: {Truncate(p.GetProperty(key).GetRawText())})");
        }

        foreach (var key in vKeys.Except(pKeys).Order(StringComparer.Ordinal))
        {
            diffs.Add($"envelope: Vigil has \"{key}\" that Prometheus does not send ({Truncate(v.GetProperty(key).GetRawText())})");
        }

        var pStatus = StringProperty(p, "status");
        var vStatus = StringProperty(v, "status");
        if (pStatus != vStatus)
        {
            diffs.Add($"envelope status: Prometheus \"{pStatus}\", Vigil \"{vStatus}\"");
        }

        if (expectError && pStatus != "error")
        {
            diffs.Add($"Prometheus did not answer an error: {Truncate(p.GetRawText())}");
        }

        if (pStatus == "error" && vStatus == "error")
        {
            var pType = StringProperty(p, "errorType");
            var vType = StringProperty(v, "errorType");
            if (pType != vType)
            {
                diffs.Add($"errorType: Prometheus \"{pType}\", Vigil \"{vType}\"");
            }

            if (string.IsNullOrWhiteSpace(StringProperty(v, "error")))
            {
                diffs.Add("error: Vigil's error message is empty");
            }
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()) : null;

    // Structure: value kinds, object keys, and the run-collapsed shapes of array elements.
    private static void Shape(JsonElement p, JsonElement v, string path, List<string> diffs, bool dataIsMap = false)
    {
        if (Kind(p) != Kind(v))
        {
            diffs.Add($"{path}: Prometheus has {Kind(p)}, Vigil {Kind(v)} ({Truncate(v.GetRawText())})");
            return;
        }

        switch (p.ValueKind)
        {
            case JsonValueKind.Object when dataIsMap:
                var pValues = p.EnumerateObject().Select(x => Signature(x.Value)).ToHashSet(StringComparer.Ordinal);
                var vValues = v.EnumerateObject().Select(x => Signature(x.Value)).ToHashSet(StringComparer.Ordinal);
                if (!pValues.SetEquals(vValues))
                {
                    diffs.Add($"{path}: entry shapes differ: Prometheus {string.Join(" ", pValues)}, Vigil {string.Join(" ", vValues)}");
                }

                break;
            case JsonValueKind.Object:
                var pKeys = p.EnumerateObject().Select(x => x.Name).ToList();
                var vKeys = v.EnumerateObject().Select(x => x.Name).ToList();
                foreach (var key in pKeys.Except(vKeys))
                {
                    diffs.Add($"{path}: Vigil lacks key \"{key}\"");
                }

                foreach (var key in vKeys.Except(pKeys))
                {
                    diffs.Add($"{path}: Vigil has key \"{key}\" that Prometheus does not");
                }

                foreach (var key in pKeys.Intersect(vKeys))
                {
                    Shape(p.GetProperty(key), v.GetProperty(key), path + "." + key, diffs);
                }

                break;
            case JsonValueKind.Array:
                var ps = Signature(p);
                var vs = Signature(v);
                if (ps != vs)
                {
                    diffs.Add($"{path}: array shapes differ: Prometheus {Truncate(ps)}, Vigil {Truncate(vs)}");
                }

                break;
        }
    }

    // Label-name keys are part of an object's signature. An array of scalars keeps its order with equal neighbours
    // collapsed (a point stays "[number,string]", a list of names is "[string]"); an array of objects or arrays is the
    // sorted set of its element signatures, so series order does not matter and a list of points is "[[number,string]]".
    private static string Signature(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return "{" + string.Join(",", element.EnumerateObject().OrderBy(x => x.Name, StringComparer.Ordinal).Select(x => x.Name + ":" + Signature(x.Value))) + "}";
            case JsonValueKind.Array when element.EnumerateArray().Any(e => e.ValueKind is JsonValueKind.Object or JsonValueKind.Array):
                return "[" + string.Join(",", element.EnumerateArray().Select(Signature).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) + "]";
            case JsonValueKind.Array:
                var parts = new List<string>();
                foreach (var item in element.EnumerateArray())
                {
                    var signature = Signature(item);
                    if (parts.Count == 0 || parts[^1] != signature)
                    {
                        parts.Add(signature);
                    }
                }

                return "[" + string.Join(",", parts) + "]";
            default:
                return Kind(element);
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "bool",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    private static void Values(JsonElement p, JsonElement v, List<string> diffs, bool compareSamples)
    {
        if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("resultType", out var resultType))
        {
            var type = resultType.GetString();
            if (type != v.GetProperty("resultType").GetString())
            {
                diffs.Add($"data.resultType: Prometheus {type}, Vigil {v.GetProperty("resultType").GetString()}");
                return;
            }

            var pResult = p.GetProperty("result");
            var vResult = v.GetProperty("result");
            if (type is "matrix" or "vector")
            {
                Series(pResult, vResult, type == "matrix" ? "values" : "value", diffs, compareSamples);
            }
            else
            {
                Point(pResult, vResult, "data.result", diffs, compareSamples);
            }

            return;
        }

        if (p.ValueKind == JsonValueKind.Array && p.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object) && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object))
        {
            // /api/v1/series (label objects) and /api/v1/query_exemplars: a set, order not specified.
            var pSet = p.EnumerateArray().Select(Canonical).Order(StringComparer.Ordinal).ToList();
            var vSet = v.EnumerateArray().Select(Canonical).Order(StringComparer.Ordinal).ToList();
            SetDiff(pSet, vSet, "data", diffs);
            return;
        }

        // Label names and values (sorted by Prometheus, so order counts) and metadata objects: exactly equal.
        var pc = Canonical(p);
        var vc = Canonical(v);
        if (pc != vc)
        {
            diffs.Add($"data: Prometheus {Truncate(pc)}, Vigil {Truncate(vc)}");
        }
    }

    private static void Series(JsonElement p, JsonElement v, string pointsKey, List<string> diffs, bool compareSamples)
    {
        var pByLabels = p.EnumerateArray().ToDictionary(s => LabelKey(s.GetProperty("metric")), StringComparer.Ordinal);
        var vByLabels = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var series in v.EnumerateArray())
        {
            if (!vByLabels.TryAdd(LabelKey(series.GetProperty("metric")), series))
            {
                diffs.Add($"data.result: Vigil answers the series {LabelKey(series.GetProperty("metric"))} twice");
            }
        }

        SetDiff(pByLabels.Keys.Order(StringComparer.Ordinal).ToList(), vByLabels.Keys.Order(StringComparer.Ordinal).ToList(), "data.result", diffs);
        foreach (var (labels, pSeries) in pByLabels)
        {
            if (!vByLabels.TryGetValue(labels, out var vSeries))
            {
                continue;
            }

            if (pointsKey == "value")
            {
                Point(pSeries.GetProperty("value"), vSeries.GetProperty("value"), $"data.result{labels}.value", diffs, compareSamples);
                continue;
            }

            var pPoints = pSeries.GetProperty("values").EnumerateArray().ToList();
            var vPoints = vSeries.GetProperty("values").EnumerateArray().ToList();
            if (pPoints.Count != vPoints.Count)
            {
                diffs.Add($"data.result{labels}.values: Prometheus {pPoints.Count} points, Vigil {vPoints.Count}");
                continue;
            }

            for (var i = 0; i < pPoints.Count; i++)
            {
                var before = diffs.Count;
                Point(pPoints[i], vPoints[i], $"data.result{labels}.values[{i}]", diffs, compareSamples);
                if (diffs.Count > before)
                {
                    break; // One point per series is enough to see the pattern.
                }
            }
        }
    }

    private static void Point(JsonElement p, JsonElement v, string path, List<string> diffs, bool compareSamples)
    {
        var pt = p[0].GetDouble();
        var vt = v[0].GetDouble();
        if (Math.Abs(pt - vt) > 1e-6)
        {
            diffs.Add($"{path} timestamp: Prometheus {p[0].GetRawText()}, Vigil {v[0].GetRawText()}");
        }

        if (!compareSamples)
        {
            return;
        }

        var pv = p[1].GetString()!;
        var vv = v[1].GetString()!;
        if (pv == vv)
        {
            return;
        }

        if (double.TryParse(pv, NumberStyles.Float, CultureInfo.InvariantCulture, out var pd)
            && double.TryParse(vv, NumberStyles.Float, CultureInfo.InvariantCulture, out var vd)
            && (pd == vd || (double.IsNaN(pd) && double.IsNaN(vd)) || Math.Abs(pd - vd) <= RelativeTolerance * Math.Max(Math.Abs(pd), Math.Abs(vd))))
        {
            return;
        }

        diffs.Add($"{path} value: Prometheus \"{pv}\", Vigil \"{vv}\"");
    }

    private static void LimitSubset(JsonElement p, JsonElement v, int limit, List<string> diffs)
    {
        if (v.GetArrayLength() != Math.Min(limit, p.GetArrayLength()))
        {
            diffs.Add($"data: Vigil answers {v.GetArrayLength()} items for limit={limit}; Prometheus has {p.GetArrayLength()} in all");
            return;
        }

        if (p.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
        {
            var expected = p.EnumerateArray().Select(e => e.GetString()).Take(limit).ToList();
            var actual = v.EnumerateArray().Select(e => e.GetString()).ToList();
            if (!expected.SequenceEqual(actual))
            {
                diffs.Add($"data: Vigil [{string.Join(", ", actual)}], expected the first {limit} of Prometheus's sorted list [{string.Join(", ", expected)}]");
            }

            return;
        }

        var all = p.EnumerateArray().Select(Canonical).ToHashSet(StringComparer.Ordinal);
        foreach (var item in v.EnumerateArray().Select(Canonical).Where(c => !all.Contains(c)))
        {
            diffs.Add($"data: Vigil answers {Truncate(item)}, which Prometheus does not have");
        }
    }

    private static void SetDiff(List<string> p, List<string> v, string path, List<string> diffs)
    {
        foreach (var missing in p.Except(v, StringComparer.Ordinal).Take(5))
        {
            diffs.Add($"{path}: Vigil lacks {Truncate(missing)}");
        }

        foreach (var extra in v.Except(p, StringComparer.Ordinal).Take(5))
        {
            diffs.Add($"{path}: Vigil has {Truncate(extra)} that Prometheus does not");
        }

        if (p.Count != v.Count && p.Except(v, StringComparer.Ordinal).Any() == false && v.Except(p, StringComparer.Ordinal).Any() == false)
        {
            diffs.Add($"{path}: Prometheus {p.Count} items, Vigil {v.Count} (duplicates)");
        }
    }

    // JSON text with object keys sorted and arrays of objects sorted, so map order does not matter.
    private static string Canonical(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return "{" + string.Join(",", element.EnumerateObject().OrderBy(x => x.Name, StringComparer.Ordinal)
                    .Select(x => JsonSerializer.Serialize(x.Name) + ":" + Canonical(x.Value))) + "}";
            case JsonValueKind.Array:
                var items = element.EnumerateArray().Select(Canonical);
                if (element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object))
                {
                    items = items.Order(StringComparer.Ordinal);
                }

                return "[" + string.Join(",", items) + "]";
            case JsonValueKind.String:
                return JsonSerializer.Serialize(element.GetString());
            default:
                return element.GetRawText();
        }
    }

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
