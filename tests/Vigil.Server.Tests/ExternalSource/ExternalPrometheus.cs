using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.ExternalSource;

/// <summary>
/// Scenario data for the external-source tests, as an OpenMetrics file for <c>promtool tsdb create-blocks-from
/// openmetrics</c>: two hours at 15s ending a minute before now, sample times 123 ms off the step grid. Counters
/// (one with a reset), gauges and a classic histogram; values from a fixed seed.
/// </summary>
internal static class ExternalPrometheus
{
    public const int Seed = 3_14159;
    public static readonly TimeSpan Span = TimeSpan.FromHours(2);
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Writes the scenario file; returns the last sample time in Unix milliseconds.</summary>
    public static long WriteOpenMetrics(string path, DateTimeOffset now)
    {
        var random = new Random(Seed);
        var endMs = ((now.ToUnixTimeMilliseconds() - 60_000) / 15_000 * 15_000) + 123;
        var startMs = endMs - (long)Span.TotalMilliseconds;
        var times = new List<long>();
        for (var t = startMs; t <= endMs; t += (long)Interval.TotalMilliseconds)
        {
            times.Add(t);
        }

        var sb = new StringBuilder();
        sb.Append("# TYPE vigil_ext_requests counter\n# HELP vigil_ext_requests Requests served.\n");
        var requests = new (string Labels, double Value, double Rate)[]
        {
            ("job=\"api\",instance=\"a\"", 100, 3),
            ("job=\"api\",instance=\"b\"", 0, 1.5),
            ("job=\"worker\",instance=\"c\"", 10, 0.25),
        };
        for (var i = 0; i < times.Count; i++)
        {
            for (var s = 0; s < requests.Length; s++)
            {
                // instance b restarts half way: a counter reset.
                requests[s].Value = s == 1 && i == times.Count / 2 ? 2 : requests[s].Value + (requests[s].Rate * 15 * (0.5 + random.NextDouble()));
                sb.Append(CultureInfo.InvariantCulture, $"vigil_ext_requests_total{{{requests[s].Labels}}} {requests[s].Value:R} {Seconds(times[i])}\n");
            }
        }

        sb.Append("# TYPE vigil_ext_temperature_celsius gauge\n# HELP vigil_ext_temperature_celsius Temperature.\n");
        foreach (var t in times)
        {
            foreach (var room in new[] { "lab", "office" })
            {
                var value = (room == "lab" ? 21 : 19) + (3 * Math.Sin(t / 600_000.0)) + random.NextDouble();
                sb.Append(CultureInfo.InvariantCulture, $"vigil_ext_temperature_celsius{{room=\"{room}\"}} {value:R} {Seconds(t)}\n");
            }
        }

        sb.Append("# TYPE vigil_ext_latency_seconds histogram\n# HELP vigil_ext_latency_seconds Latency.\n");
        var bounds = new[] { "0.1", "0.5", "1", "+Inf" };
        var counts = new double[bounds.Length];
        var sum = 0.0;
        foreach (var t in times)
        {
            for (var n = 0; n < 20; n++)
            {
                var latency = random.NextDouble() * random.NextDouble() * 2;
                sum += latency;
                for (var b = 0; b < bounds.Length; b++)
                {
                    if (b == bounds.Length - 1 || latency <= double.Parse(bounds[b], CultureInfo.InvariantCulture))
                    {
                        counts[b]++;
                    }
                }
            }

            for (var b = 0; b < bounds.Length; b++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"vigil_ext_latency_seconds_bucket{{job=\"api\",le=\"{bounds[b]}\"}} {counts[b]:R} {Seconds(t)}\n");
            }

            sb.Append(CultureInfo.InvariantCulture, $"vigil_ext_latency_seconds_count{{job=\"api\"}} {counts[^1]:R} {Seconds(t)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"vigil_ext_latency_seconds_sum{{job=\"api\"}} {sum:R} {Seconds(t)}\n");
        }

        sb.Append("# EOF\n");
        File.WriteAllText(path, sb.ToString());
        return endMs;
    }

    public static string Seconds(long ms) => (ms / 1000m).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The environment that points a Vigil at <paramref name="prometheus"/>, span metrics flushed every second.</summary>
    public static Dictionary<string, string> VigilEnvironment(Uri prometheus) => new()
    {
        ["VIGIL__METRICSSOURCE__KIND"] = "prometheus",
        ["VIGIL__METRICSSOURCE__URL"] = prometheus.AbsoluteUri,
        ["VIGIL__METRICSSOURCE__MAXBACKOFF"] = "500ms",
        ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "1s",
    };

    /// <summary>Sends one request and returns the status and the parsed Prometheus envelope.</summary>
    public static async Task<(int Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, IEnumerable<(string Name, string Value)> parameters)
    {
        var encoded = string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));
        using var request = method == HttpMethod.Get
            ? new HttpRequestMessage(method, encoded.Length == 0 ? path : path + "?" + encoded)
            : new HttpRequestMessage(method, path) { Content = new StringContent(encoded, Encoding.UTF8, "application/x-www-form-urlencoded") };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var document = JsonDocument.Parse(text);
            return ((int)response.StatusCode, document.RootElement.Clone());
        }
        catch (JsonException)
        {
            Assert.Fail($"{method} {path}: {(int)response.StatusCode} is not JSON: {text}");
            throw;
        }
    }

    /// <summary>
    /// The meaning of a Prometheus API answer as text, independent of number formatting and of series order (except
    /// for the order of points): values parsed to doubles and written back round-trippable.
    /// </summary>
    public static string Canonical(JsonElement body)
    {
        var sb = new StringBuilder();
        sb.Append(body.GetProperty("status").GetString()).Append('\n');
        if (body.GetProperty("status").GetString() != "success")
        {
            sb.Append(body.GetProperty("errorType").GetString()).Append(": ").Append(body.GetProperty("error").GetString());
            return sb.ToString();
        }

        var data = body.GetProperty("data");
        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("resultType", out var type))
        {
            sb.Append(type.GetString()).Append('\n');
            var result = data.GetProperty("result");
            switch (type.GetString())
            {
                case "scalar":
                case "string":
                    sb.Append(Point(result));
                    break;
                case "vector":
                    foreach (var line in result.EnumerateArray().Select(e => Labels(e.GetProperty("metric")) + " " + Point(e.GetProperty("value"))).Order(StringComparer.Ordinal))
                    {
                        sb.Append(line).Append('\n');
                    }

                    break;
                default:
                    foreach (var line in result.EnumerateArray()
                        .Select(e => Labels(e.GetProperty("metric")) + " " + string.Join(' ', e.GetProperty("values").EnumerateArray().Select(Point)))
                        .Order(StringComparer.Ordinal))
                    {
                        sb.Append(line).Append('\n');
                    }

                    break;
            }

            return sb.ToString();
        }

        if (data.ValueKind == JsonValueKind.Array)
        {
            foreach (var line in data.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object ? Labels(e) : e.GetString()!).Order(StringComparer.Ordinal))
            {
                sb.Append(line).Append('\n');
            }

            return sb.ToString();
        }

        return sb.Append(data.GetRawText()).ToString();
    }

    private static string Labels(JsonElement metric) =>
        "{" + string.Join(',', metric.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()).Order(StringComparer.Ordinal)) + "}";

    private static string Point(JsonElement point)
    {
        var ms = decimal.Round(point[0].GetDecimal() * 1000m);
        var text = point[1].GetString()!;
        var value = text switch
        {
            "NaN" or "+Inf" or "-Inf" => text,
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d.ToString("R", CultureInfo.InvariantCulture),
            _ => "\"" + text + "\"",
        };
        return $"{ms}@{value}";
    }
}
