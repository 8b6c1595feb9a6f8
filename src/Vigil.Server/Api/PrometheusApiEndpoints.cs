using System.Globalization;
using System.Text.Json;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Core.Telemetry.Intake;
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

    /// <summary>
    /// Maps <c>/api/v1/query</c>, <c>query_range</c>, <c>series</c>, <c>labels</c>, <c>label/{name}/values</c>,
    /// <c>metadata</c>, <c>query_exemplars</c> and <c>status/buildinfo</c>, all answered from the configured
    /// <see cref="IMetricsSource"/> (the embedded store or an external Prometheus-compatible server).
    /// </summary>
    public static IEndpointRouteBuilder MapPrometheusApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1").RequireScope(ApiKeyScope.Read).WithTags("Prometheus API");
        group.MapMethods("/query", ["GET", "POST"], QueryAsync).WithSummary("PromQL instant query (Prometheus API).");
        group.MapMethods("/query_range", ["GET", "POST"], QueryRangeAsync).WithSummary("PromQL range query (Prometheus API).");
        group.MapMethods("/series", ["GET", "POST"], SeriesAsync).WithSummary("Series matching match[] selectors (Prometheus API).");
        group.MapMethods("/labels", ["GET", "POST"], LabelsAsync).WithSummary("Label names (Prometheus API).");
        group.MapMethods("/label/{name}/values", ["GET"], LabelValuesAsync).WithSummary("Values of one label (Prometheus API).");
        group.MapMethods("/metadata", ["GET"], MetadataAsync).WithSummary("Metric metadata: type, help, unit (Prometheus API).");
        group.MapMethods("/query_exemplars", ["GET", "POST"], QueryExemplarsAsync).WithSummary("Exemplars (Prometheus API; Vigil keeps none, so always empty).");
        group.MapGet("/status/buildinfo", BuildInfo).WithSummary("Build information (Prometheus API).");
        return endpoints;
    }

    private static Task QueryAsync(HttpContext context, IMetricsSource source, TimeProvider time) => RespondAsync(context, async form =>
    {
        var query = Required(form, "query");
        var at = Time(form, "time") ?? time.GetUtcNow();
        var result = await source.InstantQueryAsync(query, at.ToUnixTimeMilliseconds(), context.RequestAborted);
        return writer =>
        {
            writer.WriteStartObject("data");
            WriteResult(writer, result);
            writer.WriteEndObject();
        };
    });

    private static Task QueryRangeAsync(HttpContext context, IMetricsSource source) => RespondAsync(context, async form =>
    {
        var query = Required(form, "query");
        var start = Time(form, "start") ?? throw new PrometheusApiException("bad_data", "invalid parameter \"start\": missing");
        var end = Time(form, "end") ?? throw new PrometheusApiException("bad_data", "invalid parameter \"end\": missing");
        var step = Step(Required(form, "step"));
        if (end < start)
        {
            throw new PrometheusApiException("bad_data", "end timestamp must not be before start time");
        }

        var result = await source.RangeQueryAsync(query, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(), (long)step.TotalMilliseconds, context.RequestAborted);
        return writer =>
        {
            writer.WriteStartObject("data");
            WriteResult(writer, result);
            writer.WriteEndObject();
        };
    });

    private static Task SeriesAsync(HttpContext context, IMetricsSource source, TimeProvider time, Configuration.QueryOptions options) => RespondAsync(context, async form =>
    {
        var selectors = Selectors(form, required: true);
        var (start, end) = Window(form, time);
        var series = await source.SeriesAsync(selectors, start, end, Limit(form, options.MaxSeries), context.RequestAborted);
        return writer =>
        {
            writer.WriteStartArray("data");
            foreach (var labels in series.Order(Comparer<LabelSet>.Create(LabelSet.Compare)))
            {
                WriteLabels(writer, labels);
            }

            writer.WriteEndArray();
        };
    });

    private static Task LabelsAsync(HttpContext context, IMetricsSource source, TimeProvider time) => RespondAsync(context, async form =>
    {
        var (start, end) = Window(form, time);
        var names = await source.LabelNamesAsync(Selectors(form, required: false), start, end, Limit(form, int.MaxValue), context.RequestAborted);
        return writer => WriteStrings(writer, names);
    });

    private static Task LabelValuesAsync(HttpContext context, string name, IMetricsSource source, TimeProvider time) => RespondAsync(context, async form =>
    {
        if (!PrometheusNaming.IsValidLabelName(name))
        {
            throw new PrometheusApiException("bad_data", $"invalid label name: \"{name}\"");
        }

        var (start, end) = Window(form, time);
        var values = await source.LabelValuesAsync(name, Selectors(form, required: false), start, end, Limit(form, int.MaxValue), context.RequestAborted);
        return writer => WriteStrings(writer, values);
    });

    private static Task MetadataAsync(HttpContext context, IMetricsSource source) => RespondAsync(context, async form =>
    {
        var metric = form.TryGetValue("metric", out var names) && names.Count > 0 && names[0].Length > 0 ? names[0] : null;
        var families = await source.MetadataAsync(metric, Limit(form, int.MaxValue), context.RequestAborted);
        var perMetric = Limit(form, int.MaxValue, "limit_per_metric");
        return writer =>
        {
            writer.WriteStartObject("data");
            foreach (var family in families.GroupBy(f => f.Name, StringComparer.Ordinal))
            {
                writer.WriteStartArray(family.Key);
                foreach (var entry in family.Take(perMetric))
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", MetricTypeName(entry.Type));
                    writer.WriteString("help", entry.Help);
                    writer.WriteString("unit", entry.Unit);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        };
    });

    // Vigil keeps no exemplars; the query is still validated so a typo is reported as Prometheus would.
    private static Task QueryExemplarsAsync(HttpContext context, TimeProvider time) => RespondAsync(context, form =>
    {
        var query = Required(form, "query");
        var (start, end) = Window(form, time);
        if (end < start)
        {
            throw new PrometheusApiException("bad_data", "end timestamp must not be before start time");
        }

        PromQlParser.Parse(query);
        return Task.FromResult<Action<Utf8JsonWriter>>(writer =>
        {
            writer.WriteStartArray("data");
            writer.WriteEndArray();
        });
    });

    private static Task BuildInfo(HttpContext context) => RespondAsync(context, _ =>
    {
        var version = SystemEndpoints.Version();
        return Task.FromResult<Action<Utf8JsonWriter>>(writer =>
        {
            writer.WriteStartObject("data");
            writer.WriteString("version", version.Version);
            writer.WriteString("revision", version.Commit);
            writer.WriteString("branch", string.Empty);
            writer.WriteString("buildUser", string.Empty);
            writer.WriteString("buildDate", string.Empty);
            writer.WriteString("goVersion", version.Runtime);
            writer.WriteEndObject();
        });
    });

    private static TimeSpan Step(string text)
    {
        if (!DurationParser.TryParse(text, out var step, out var error, allowBareSeconds: true))
        {
            throw new PrometheusApiException("bad_data", $"invalid parameter \"step\": {error}");
        }

        return step > TimeSpan.Zero
            ? step
            : throw new PrometheusApiException("bad_data", "zero or negative query resolution step widths are not accepted. Try a positive integer");
    }

    private static string MetricTypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        MetricType.GaugeHistogram => "gaugehistogram",
        MetricType.Summary => "summary",
        MetricType.Info => "info",
        MetricType.StateSet => "stateset",
        _ => "unknown",
    };

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

    // Reads the parameters, computes the answer, then writes it in the Prometheus envelope; known failures become
    // Prometheus errors (400 bad_data for bad input, 422 execution for a failed evaluation, the source's own otherwise).
    private static async Task RespondAsync(HttpContext context, Func<Dictionary<string, List<string>>, Task<Action<Utf8JsonWriter>>> produce)
    {
        using var buffer = new MemoryStream();
        int status;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            try
            {
                var form = await ReadParametersAsync(context.Request);
                var writeData = await produce(form);
                writer.WriteString("status", "success");
                writeData(writer);
                status = StatusCodes.Status200OK;
            }
            catch (Exception ex) when (ex is PrometheusApiException or PromQlParseException or PromQlEvaluationException or MetricsSourceException
                or System.Text.RegularExpressions.RegexMatchTimeoutException or InvalidDataException)
            {
                (status, var type, var message) = ex switch
                {
                    PrometheusApiException api => (StatusCodes.Status400BadRequest, api.ErrorType, api.Message),
                    PromQlParseException parse => (StatusCodes.Status400BadRequest, "bad_data", $"invalid parameter \"query\": parse error at position {parse.Position}: {parse.Reason}"),
                    PromQlEvaluationException evaluation => (StatusCodes.Status422UnprocessableEntity, "execution", evaluation.Message),
                    MetricsSourceException source => (source.StatusCode, source.ErrorType, source.Message),
                    InvalidDataException form => (StatusCodes.Status400BadRequest, "bad_data", "invalid form body: " + form.Message),
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
                writer.WritePropertyName("result");
                WritePoint(writer, scalar.TimestampMs, FormatValue(scalar.Value));
                break;
            case StringResult text:
                writer.WriteString("resultType", "string");
                writer.WritePropertyName("result");
                WritePoint(writer, text.TimestampMs, text.Value);
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

    private static void WriteStrings(Utf8JsonWriter writer, IEnumerable<string> values)
    {
        writer.WriteStartArray("data");
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
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

        return TimestampParser.TryParse(values[0], out var time, out var error, clampToRange: true)
            ? time
            : throw new PrometheusApiException("bad_data", $"invalid parameter \"{name}\": {error}");
    }

    private static (long Start, long End) Window(Dictionary<string, List<string>> form, TimeProvider time)
    {
        var end = Time(form, "end") ?? time.GetUtcNow();
        var start = Time(form, "start") ?? end - DefaultMetadataWindow;
        return (start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds());
    }

    private static int Limit(Dictionary<string, List<string>> form, int cap, string name = "limit")
    {
        if (!form.TryGetValue(name, out var values) || values.Count == 0 || values[0].Length == 0)
        {
            return cap;
        }

        return int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 0
            ? (limit == 0 ? cap : Math.Min(limit, cap))
            : throw new PrometheusApiException("bad_data", $"invalid parameter \"{name}\": '{values[0]}' is not a whole number");
    }

    private static IReadOnlyList<IReadOnlyList<LabelMatcher>> Selectors(Dictionary<string, List<string>> form, bool required)
    {
        if (!form.TryGetValue("match[]", out var values) || values.Count == 0)
        {
            return required
                ? throw new PrometheusApiException("bad_data", "no match[] parameter provided")
                : [];
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
