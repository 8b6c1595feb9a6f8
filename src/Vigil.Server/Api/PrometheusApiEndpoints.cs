using System.Globalization;
using System.Text.Json;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Core.Time;
using Vigil.Server.Security;

namespace Vigil.Server.Api;

/// <summary>
/// The Prometheus HTTP API over the embedded store, with Prometheus's JSON shapes, envelope and status codes
/// (<c>{"status":"success","data":…}</c>; errors <c>{"status":"error","errorType":…,"error":…}</c> with 400 for bad
/// input and 422 for a failed evaluation), GET and POST form alike.
/// </summary>
public static class PrometheusApiEndpoints
{
    private static readonly TimeSpan DefaultMetadataWindow = TimeSpan.FromDays(3650);

    /// <summary>Maps <c>/api/v1/query</c>, <c>query_range</c>, <c>series</c>, <c>labels</c>, <c>label/{name}/values</c> and <c>status/buildinfo</c>.</summary>
    public static IEndpointRouteBuilder MapPrometheusApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1").RequireScope(ApiKeyScope.Read).WithTags("Prometheus API");
        group.MapMethods("/query", ["GET", "POST"], QueryAsync).WithSummary("PromQL instant query (Prometheus API).");
        group.MapMethods("/query_range", ["GET", "POST"], QueryRangeAsync).WithSummary("PromQL range query (Prometheus API).");
        group.MapMethods("/series", ["GET", "POST"], SeriesAsync).WithSummary("Series matching match[] selectors (Prometheus API).");
        group.MapMethods("/labels", ["GET", "POST"], LabelsAsync).WithSummary("Label names (Prometheus API).");
        group.MapGet("/label/{name}/values", LabelValuesAsync).WithSummary("Values of one label (Prometheus API).");
        group.MapGet("/status/buildinfo", BuildInfo).WithSummary("Build information (Prometheus API).");
        return endpoints;
    }

    private static async Task QueryAsync(HttpContext context, ISeriesSource source, TimeProvider time)
    {
        var form = await ReadParametersAsync(context.Request);
        await RespondAsync(context, writer =>
        {
            var query = Required(form, "query");
            var at = Time(form, "time") ?? time.GetUtcNow();
            var result = Engine(source).InstantQuery(query, at.ToUnixTimeMilliseconds());
            writer.WriteStartObject("data");
            WriteResult(writer, result);
            writer.WriteEndObject();
        });
    }

    private static async Task QueryRangeAsync(HttpContext context, ISeriesSource source)
    {
        var form = await ReadParametersAsync(context.Request);
        await RespondAsync(context, writer =>
        {
            var query = Required(form, "query");
            var start = Time(form, "start") ?? throw new PrometheusApiException("bad_data", "invalid parameter \"start\": missing");
            var end = Time(form, "end") ?? throw new PrometheusApiException("bad_data", "invalid parameter \"end\": missing");
            var stepText = Required(form, "step");
            if (!DurationParser.TryParse(stepText, out var step, out var error))
            {
                throw new PrometheusApiException("bad_data", $"invalid parameter \"step\": {error}");
            }

            if (step <= TimeSpan.Zero)
            {
                throw new PrometheusApiException("bad_data", "zero or negative query resolution step widths are not accepted. Try a positive integer");
            }

            if (end < start)
            {
                throw new PrometheusApiException("bad_data", "end timestamp must not be before start time");
            }

            var result = Engine(source).RangeQuery(query, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(), (long)step.TotalMilliseconds);
            writer.WriteStartObject("data");
            WriteResult(writer, result);
            writer.WriteEndObject();
        });
    }

    private static async Task SeriesAsync(HttpContext context, ISeriesSource source, TimeProvider time, Configuration.QueryOptions options)
    {
        var form = await ReadParametersAsync(context.Request);
        await RespondAsync(context, writer =>
        {
            var selectors = Selectors(form, required: true);
            var (start, end) = Window(form, time);
            writer.WriteStartArray("data");
            foreach (var labels in Select(source, selectors, start, end, Limit(form, options.MaxSeries)))
            {
                WriteLabels(writer, labels);
            }

            writer.WriteEndArray();
        });
    }

    private static async Task LabelsAsync(HttpContext context, ISeriesSource source, TimeProvider time, Configuration.QueryOptions options)
    {
        var form = await ReadParametersAsync(context.Request);
        await RespondAsync(context, writer =>
        {
            var (start, end) = Window(form, time);
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var labels in Select(source, Selectors(form, required: false), start, end, options.MaxSeries))
            {
                foreach (var label in labels.Labels)
                {
                    names.Add(label.Name);
                }
            }

            WriteStrings(writer, names, Limit(form, int.MaxValue));
        });
    }

    private static async Task LabelValuesAsync(HttpContext context, string name, ISeriesSource source, TimeProvider time, Configuration.QueryOptions options)
    {
        var form = await ReadParametersAsync(context.Request);
        await RespondAsync(context, writer =>
        {
            var (start, end) = Window(form, time);
            var values = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var labels in Select(source, Selectors(form, required: false), start, end, options.MaxSeries))
            {
                if (labels.Get(name) is { } value)
                {
                    values.Add(value);
                }
            }

            WriteStrings(writer, values, Limit(form, int.MaxValue));
        });
    }

    private static Task BuildInfo(HttpContext context) => RespondAsync(context, writer =>
    {
        var version = SystemEndpoints.Version();
        writer.WriteStartObject("data");
        writer.WriteString("version", version.Version);
        writer.WriteString("revision", version.Commit);
        writer.WriteString("branch", string.Empty);
        writer.WriteString("buildUser", string.Empty);
        writer.WriteString("buildDate", string.Empty);
        writer.WriteString("goVersion", version.Runtime);
        writer.WriteEndObject();
    });

    private static PromQlEngine Engine(ISeriesSource source) => new(source, new PromQlEngineOptions());

    private static async Task<Dictionary<string, List<string>>> ReadParametersAsync(HttpRequest request)
    {
        var parameters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string key, IEnumerable<string?> values)
        {
            if (!parameters.TryGetValue(key, out var list))
            {
                list = [];
                parameters[key] = list;
            }

            list.AddRange(values.Where(v => v is not null)!);
        }

        foreach (var (key, values) in request.Query)
        {
            Add(key, values);
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            foreach (var (key, values) in form)
            {
                Add(key, values);
            }
        }

        return parameters;
    }

    private static async Task RespondAsync(HttpContext context, Action<Utf8JsonWriter> writeData)
    {
        using var buffer = new MemoryStream();
        int status;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            try
            {
                writer.WriteString("status", "success");
                writeData(writer);
                status = StatusCodes.Status200OK;
            }
            catch (Exception ex) when (ex is PrometheusApiException or PromQlParseException or PromQlEvaluationException or System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                (status, var type, var message) = ex switch
                {
                    PrometheusApiException api => (StatusCodes.Status400BadRequest, api.ErrorType, api.Message),
                    PromQlParseException parse => (StatusCodes.Status400BadRequest, "bad_data", $"invalid parameter \"query\": parse error at position {parse.Position}: {parse.Reason}"),
                    PromQlEvaluationException evaluation => (StatusCodes.Status422UnprocessableEntity, "execution", evaluation.Message),
                    _ => (StatusCodes.Status422UnprocessableEntity, "execution", "a regular expression matcher took too long"),
                };
                writer.Reset();
                buffer.SetLength(0);
                writer.WriteStartObject();
                writer.WriteString("status", "error");
                writer.WriteString("errorType", type);
                writer.WriteString("error", message);
            }

            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    private static void WriteResult(Utf8JsonWriter writer, PromQlResult result)
    {
        switch (result)
        {
            case ScalarResult scalar:
                writer.WriteString("resultType", "scalar");
                writer.WriteStartArray("result");
                WritePoint(writer, scalar.TimestampMs, FormatValue(scalar.Value));
                writer.WriteEndArray();
                break;
            case StringResult text:
                writer.WriteString("resultType", "string");
                writer.WriteStartArray("result");
                WritePoint(writer, text.TimestampMs, text.Value);
                writer.WriteEndArray();
                break;
            case VectorResult vector:
                writer.WriteString("resultType", "vector");
                writer.WriteStartArray("result");
                foreach (var element in vector.Elements)
                {
                    writer.WriteStartObject();
                    writer.WritePropertyName("metric");
                    WriteLabels(writer, element.Labels);
                    writer.WritePropertyName("value");
                    WritePoint(writer, element.TimestampMs, FormatValue(element.Value));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                break;
            case MatrixResult matrix:
                writer.WriteString("resultType", "matrix");
                writer.WriteStartArray("result");
                foreach (var series in matrix.Series)
                {
                    writer.WriteStartObject();
                    writer.WritePropertyName("metric");
                    WriteLabels(writer, series.Labels);
                    writer.WriteStartArray("values");
                    foreach (var sample in series.Samples)
                    {
                        WritePoint(writer, sample.TimestampMs, FormatValue(sample.Value));
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                break;
        }
    }

    // Prometheus writes a point as [unix seconds as a number, value as a string].
    private static void WritePoint(Utf8JsonWriter writer, long timestampMs, string value)
    {
        writer.WriteStartArray();
        writer.WriteRawValue((timestampMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture));
        writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    /// <summary>Formats a sample value as Prometheus does (Go's shortest <c>'f'</c>/<c>'e'</c> form, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>).</summary>
    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture).Replace("E+", "e+", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal),
    };

    private static void WriteLabels(Utf8JsonWriter writer, LabelSet labels)
    {
        writer.WriteStartObject();
        foreach (var label in labels.Labels)
        {
            writer.WriteString(label.Name, label.Value);
        }

        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, IEnumerable<string> values, int limit)
    {
        writer.WriteStartArray("data");
        foreach (var value in values.Take(limit))
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static IEnumerable<LabelSet> Select(ISeriesSource source, IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long start, long end, int limit)
    {
        var seen = new HashSet<LabelSet>();
        foreach (var selector in selectors)
        {
            foreach (var labels in source.SelectSeries(selector, start, end, limit))
            {
                if (seen.Count < limit && seen.Add(labels))
                {
                    yield return labels;
                }
            }
        }
    }

    private static string Required(Dictionary<string, List<string>> form, string name) =>
        form.TryGetValue(name, out var values) && values.Count > 0 && values[0].Length > 0
            ? values[0]
            : throw new PrometheusApiException("bad_data", $"invalid parameter \"{name}\": missing");

    private static DateTimeOffset? Time(Dictionary<string, List<string>> form, string name)
    {
        if (!form.TryGetValue(name, out var values) || values.Count == 0 || values[0].Length == 0)
        {
            return null;
        }

        return TimestampParser.TryParse(values[0], out var time, out var error)
            ? time
            : throw new PrometheusApiException("bad_data", $"invalid parameter \"{name}\": {error}");
    }

    private static (long Start, long End) Window(Dictionary<string, List<string>> form, TimeProvider time)
    {
        var end = Time(form, "end") ?? time.GetUtcNow();
        var start = Time(form, "start") ?? end - DefaultMetadataWindow;
        return (start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds());
    }

    private static int Limit(Dictionary<string, List<string>> form, int cap)
    {
        if (!form.TryGetValue("limit", out var values) || values.Count == 0 || values[0].Length == 0)
        {
            return cap;
        }

        return int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 0
            ? (limit == 0 ? cap : Math.Min(limit, cap))
            : throw new PrometheusApiException("bad_data", $"invalid parameter \"limit\": '{values[0]}' is not a whole number");
    }

    private static IReadOnlyList<IReadOnlyList<LabelMatcher>> Selectors(Dictionary<string, List<string>> form, bool required)
    {
        if (!form.TryGetValue("match[]", out var values) || values.Count == 0)
        {
            return required
                ? throw new PrometheusApiException("bad_data", "no match[] parameter provided")
                : [[new LabelMatcher(LabelSet.MetricNameLabel, Core.Telemetry.MatchType.Regex, ".+")]];
        }

        return values.Select(v =>
        {
            try
            {
                return SeriesSelectorParser.Parse(v);
            }
            catch (PromQlParseException ex)
            {
                throw new PrometheusApiException("bad_data", $"invalid parameter \"match[]\": parse error at position {ex.Position}: {ex.Reason}");
            }
        }).ToList();
    }

    private sealed class PrometheusApiException(string errorType, string message) : Exception(message)
    {
        public string ErrorType { get; } = errorType;
    }
}
