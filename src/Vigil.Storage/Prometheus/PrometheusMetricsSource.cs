using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;

namespace Vigil.Storage.Prometheus;

/// <summary>
/// Runs queries on an external Prometheus-compatible server (Prometheus, VictoriaMetrics, Mimir, Thanos) through its
/// HTTP API: <c>/api/v1/query</c>, <c>query_range</c>, <c>series</c> and <c>labels</c> as POST forms (long queries fit),
/// <c>label/NAME/values</c> and <c>metadata</c> as GET (the only method Prometheus serves them on). Answers are parsed
/// into Vigil's result types; the server's errors keep their <c>errorType</c> and HTTP status, and a server that cannot
/// be reached is <c>unavailable</c> (503). One <see cref="HttpClient"/> with the configured credentials; answers are
/// read up to <see cref="PrometheusSourceSettings.MaxResponseBytes"/>.
/// </summary>
public sealed class PrometheusMetricsSource : IMetricsSource, IDisposable
{
    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement;
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;
    private readonly HttpClient _http;
    private readonly PrometheusSourceSettings _settings;

    /// <summary>Creates the source; <paramref name="handler"/> replaces the default socket handler (tests).</summary>
    public PrometheusMetricsSource(PrometheusSourceSettings settings, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        var baseAddress = settings.BaseAddress.AbsoluteUri.EndsWith('/') ? settings.BaseAddress : new Uri(settings.BaseAddress.AbsoluteUri + "/");
        Name = new UriBuilder(baseAddress) { UserName = string.Empty, Password = string.Empty }.Uri.AbsoluteUri.TrimEnd('/');
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = settings.Timeout,
            MaxResponseContentBufferSize = (int)Math.Min(int.MaxValue, settings.MaxResponseBytes),
        };
        _http.DefaultRequestHeaders.Authorization = settings.Authorization;
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("vigil");
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public async Task<PromQlResult> InstantQueryAsync(string query, long timeMs, CancellationToken cancellationToken)
    {
        using var document = await PostAsync("api/v1/query", [("query", query), ("time", Seconds(timeMs))], cancellationToken).ConfigureAwait(false);
        return Shape(() => ParseResult(Data(document, JsonValueKind.Object)));
    }

    /// <inheritdoc />
    public async Task<MatrixResult> RangeQueryAsync(string query, long startMs, long endMs, long stepMs, CancellationToken cancellationToken)
    {
        using var document = await PostAsync(
            "api/v1/query_range",
            [("query", query), ("start", Seconds(startMs)), ("end", Seconds(endMs)), ("step", Seconds(stepMs))],
            cancellationToken).ConfigureAwait(false);
        return Shape(() => ParseResult(Data(document, JsonValueKind.Object))) as MatrixResult
            ?? throw BadAnswer("query_range answered with a result that is not a matrix");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LabelSet>> SeriesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        using var document = await PostAsync("api/v1/series", [.. Matches(selectors), .. Window(startMs, endMs)], cancellationToken).ConfigureAwait(false);
        return Shape(() =>
        {
            var result = new List<LabelSet>();
            foreach (var element in Data(document, JsonValueKind.Array).EnumerateArray())
            {
                if (result.Count >= limit)
                {
                    break;
                }

                result.Add(ParseLabels(element));
            }

            return result;
        });
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> LabelNamesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        using var document = await PostAsync("api/v1/labels", [.. Matches(selectors), .. Window(startMs, endMs)], cancellationToken).ConfigureAwait(false);
        return Shape(() => Strings(Data(document, JsonValueKind.Array), limit));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> LabelValuesAsync(string name, IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        var path = "api/v1/label/" + Uri.EscapeDataString(name) + "/values";
        using var document = await GetAsync(path, [.. Matches(selectors), .. Window(startMs, endMs)], cancellationToken).ConfigureAwait(false);
        return Shape(() => Strings(Data(document, JsonValueKind.Array), limit));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MetricMetadata>> MetadataAsync(string? metric, int limit, CancellationToken cancellationToken)
    {
        var parameters = new List<(string, string)>();
        if (!string.IsNullOrEmpty(metric))
        {
            parameters.Add(("metric", metric));
        }

        using var document = await GetAsync("api/v1/metadata", parameters, cancellationToken).ConfigureAwait(false);
        return Shape(() =>
        {
            var result = new List<MetricMetadata>();
            var families = 0;
            foreach (var family in Data(document, JsonValueKind.Object).EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                if (families >= limit)
                {
                    break;
                }

                if (family.Value.ValueKind != JsonValueKind.Array || family.Value.GetArrayLength() == 0)
                {
                    continue;
                }

                families++;

                // Prometheus lists each distinct (type, help, unit) a family was seen with.
                foreach (var entry in family.Value.EnumerateArray())
                {
                    result.Add(new MetricMetadata(
                        family.Name,
                        ParseType(OptionalString(entry, "type")),
                        OptionalString(entry, "help"),
                        OptionalString(entry, "unit")));
                }
            }

            return (IReadOnlyList<MetricMetadata>)result;
        });
    }

    /// <summary>Closes the HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    /// <summary>Parses the <c>data</c> object of a query answer (<c>resultType</c> and <c>result</c>).</summary>
    internal static PromQlResult ParseResult(JsonElement data)
    {
        var type = data.TryGetProperty("resultType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (!data.TryGetProperty("result", out var result))
        {
            throw BadAnswer("the answer has no data.result");
        }

        switch (type)
        {
            case "scalar":
                {
                    var (ts, value) = ParsePoint(result);
                    return new ScalarResult(ts, ParseValue(value));
                }

            case "string":
                {
                    var (ts, value) = ParsePoint(result);
                    return new StringResult(ts, value);
                }

            case "vector":
                {
                    var elements = new List<VectorElement>(result.GetArrayLength());
                    foreach (var element in result.EnumerateArray())
                    {
                        if (!element.TryGetProperty("value", out var point))
                        {
                            throw Unsupported(element);
                        }

                        var (ts, value) = ParsePoint(point);
                        elements.Add(new VectorElement(ParseLabels(element.GetProperty("metric")), ts, ParseValue(value)));
                    }

                    return new VectorResult(elements);
                }

            case "matrix":
                {
                    var series = new List<SeriesSamples>(result.GetArrayLength());
                    foreach (var element in result.EnumerateArray())
                    {
                        if (!element.TryGetProperty("values", out var values))
                        {
                            throw Unsupported(element);
                        }

                        var samples = new List<Sample>(values.GetArrayLength());
                        foreach (var point in values.EnumerateArray())
                        {
                            var (ts, value) = ParsePoint(point);
                            samples.Add(new Sample(ts, ParseValue(value)));
                        }

                        series.Add(new SeriesSamples(ParseLabels(element.GetProperty("metric")), samples));
                    }

                    return new MatrixResult(series);
                }

            default:
                throw BadAnswer($"unknown resultType '{type}'");
        }
    }

    /// <summary>A sample value as Prometheus writes it: a decimal number, <c>NaN</c>, <c>+Inf</c> or <c>-Inf</c>.</summary>
    internal static double ParseValue(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw BadAnswer($"'{Truncate(text)}' is not a sample value"),
    };

    /// <summary>A selector in PromQL notation: <c>{__name__="up",job=~"a|b"}</c>, values escaped.</summary>
    internal static string FormatSelector(IReadOnlyList<LabelMatcher> matchers)
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < matchers.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            var m = matchers[i];
            sb.Append(m.Name).Append(m.Type switch
            {
                Core.Telemetry.MatchType.Equal => "=",
                Core.Telemetry.MatchType.NotEqual => "!=",
                Core.Telemetry.MatchType.Regex => "=~",
                _ => "!~",
            });
            sb.Append('"');
            foreach (var c in m.Value)
            {
                _ = c switch
                {
                    '\\' => sb.Append(@"\\"),
                    '"' => sb.Append("\\\""),
                    '\n' => sb.Append(@"\n"),
                    _ => sb.Append(c),
                };
            }

            sb.Append('"');
        }

        return sb.Append('}').ToString();
    }

    private static (long TimestampMs, string Value) ParsePoint(JsonElement point)
    {
        if (point.ValueKind != JsonValueKind.Array || point.GetArrayLength() != 2 ||
            point[0].ValueKind != JsonValueKind.Number || point[1].ValueKind != JsonValueKind.String)
        {
            throw BadAnswer("a point is not [unix seconds, \"value\"]");
        }

        // Decimal keeps the millisecond digits exact (1435781451.781 as a double times 1000 is not an integer).
        var ms = decimal.Round(point[0].GetDecimal() * 1000m, MidpointRounding.AwayFromZero);
        return ((long)ms, point[1].GetString()!);
    }

    private static LabelSet ParseLabels(JsonElement metric)
    {
        if (metric.ValueKind != JsonValueKind.Object)
        {
            throw BadAnswer("a label set is not an object");
        }

        var labels = new List<Label>();
        foreach (var property in metric.EnumerateObject())
        {
            labels.Add(new Label(property.Name, property.Value.GetString() ?? string.Empty));
        }

        return LabelSet.From(labels);
    }

    private static List<string> Strings(JsonElement data, int limit)
    {
        var result = new List<string>();
        foreach (var element in data.EnumerateArray())
        {
            if (result.Count >= limit)
            {
                break;
            }

            result.Add(element.GetString() ?? string.Empty);
        }

        return result;
    }

    private static MetricType ParseType(string type) => type switch
    {
        "counter" => MetricType.Counter,
        "gauge" => MetricType.Gauge,
        "histogram" => MetricType.Histogram,
        "gaugehistogram" => MetricType.GaugeHistogram,
        "summary" => MetricType.Summary,
        "info" => MetricType.Info,
        "stateset" => MetricType.StateSet,
        _ => MetricType.Unknown,
    };

    private static string OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static JsonElement Data(JsonDocument document, JsonValueKind kind)
    {
        if (!document.RootElement.TryGetProperty("data", out var data) || (data.ValueKind != kind && data.ValueKind != JsonValueKind.Null))
        {
            throw BadAnswer($"data is not {(kind == JsonValueKind.Array ? "an array" : "an object")}");
        }

        // Some servers answer null for an empty list.
        return data.ValueKind == JsonValueKind.Null ? (kind == JsonValueKind.Array ? EmptyArray : EmptyObject) : data;
    }

    private static IEnumerable<(string, string)> Matches(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors) =>
        selectors.Select(s => ("match[]", FormatSelector(s)));

    private static IEnumerable<(string, string)> Window(long startMs, long endMs) =>
        [("start", Seconds(startMs)), ("end", Seconds(endMs))];

    private static string Seconds(long ms) => (ms / 1000m).ToString("0.###", CultureInfo.InvariantCulture);

    private Task<JsonDocument> PostAsync(string path, IEnumerable<(string Name, string Value)> form, CancellationToken cancellationToken)
    {
        var content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)));
        return SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, cancellationToken);
    }

    private Task<JsonDocument> GetAsync(string path, IEnumerable<(string Name, string Value)> query, CancellationToken cancellationToken)
    {
        var text = string.Join('&', query.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));
        return SendAsync(() => new HttpRequestMessage(HttpMethod.Get, text.Length == 0 ? path : path + "?" + text), cancellationToken);
    }

    private async Task<JsonDocument> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using var message = request();
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MetricsSourceException("timeout", 503, $"metrics source {Name} did not answer within {_settings.Timeout}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new MetricsSourceException("unavailable", 503, $"metrics source {Name} unreachable: {Describe(ex)}", ex);
        }

        using (response)
        {
            byte[] body;
            try
            {
                body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MetricsSourceException("timeout", 503, $"metrics source {Name} did not answer within {_settings.Timeout}", ex);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                throw new MetricsSourceException("unavailable", 503, $"metrics source {Name} broke off its answer: {ex.Message}", ex);
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                var status = (int)response.StatusCode;
                throw new MetricsSourceException(
                    "unavailable",
                    503,
                    $"metrics source {Name} answered HTTP {status} {response.ReasonPhrase} without a Prometheus API body{(status is 401 or 403 ? " (check metricsSource credentials)" : string.Empty)}: {Truncate(Encoding.UTF8.GetString(body))}");
            }

            var root = document.RootElement;
            var envelope = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (envelope == "success" && response.IsSuccessStatusCode)
            {
                return document;
            }

            using (document)
            {
                var errorType = root.ValueKind == JsonValueKind.Object ? OptionalString(root, "errorType") : string.Empty;
                var error = root.ValueKind == JsonValueKind.Object ? OptionalString(root, "error") : string.Empty;
                if (errorType.Length == 0)
                {
                    throw new MetricsSourceException("unavailable", 503, $"metrics source {Name} answered HTTP {(int)response.StatusCode} without a Prometheus API envelope: {Truncate(Encoding.UTF8.GetString(body))}");
                }

                var code = (int)response.StatusCode >= 400 ? (int)response.StatusCode : StatusFor(errorType);
                throw new MetricsSourceException(errorType, code, error);
            }
        }
    }

    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var max = _settings.MaxResponseBytes;
        if (response.Content.Headers.ContentLength is { } declared && declared > max)
        {
            throw TooBig(max);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > max)
            {
                throw TooBig(max);
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    // A well-formed JSON answer of the wrong shape (a missing member, a number where a string belongs).
    private static T Shape<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw BadAnswer(ex.Message);
        }
    }

    private static MetricsSourceException TooBig(long max) =>
        new("execution", 422, $"the metrics source's answer is larger than metricsSource.maxResponseBytes ({max} bytes); narrow the query or the time range");

    private static int StatusFor(string errorType) => errorType switch
    {
        "bad_data" => 400,
        "execution" => 422,
        "not_found" => 404,
        "canceled" => 499,
        "timeout" or "unavailable" => 503,
        _ => 500,
    };

    private static string Describe(HttpRequestException ex)
    {
        var socket = ex.InnerException as SocketException ?? ex.InnerException?.InnerException as SocketException;
        return socket is not null ? socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.TimedOut => "connection timed out",
            _ => socket.Message,
        } : ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : ex.HttpRequestError.ToString();
    }

    private static MetricsSourceException Unsupported(JsonElement element) =>
        new("execution", 422, element.TryGetProperty("histogram", out _) || element.TryGetProperty("histograms", out _)
            ? "unsupported: native histograms from the metrics source"
            : "the metrics source answered a series without values");

    private static MetricsSourceException BadAnswer(string what) =>
        new("internal", (int)HttpStatusCode.InternalServerError, "the metrics source's answer is not a Prometheus API answer: " + what);

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
