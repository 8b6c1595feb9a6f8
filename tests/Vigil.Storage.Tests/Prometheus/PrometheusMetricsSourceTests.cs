using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Storage.Prometheus;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Storage.Tests.Prometheus;

/// <summary>
/// Parsing and error mapping over answers shaped as Prometheus 2.42 writes them. The behaviour against a real Prometheus
/// is covered by Vigil.Server.Tests/ExternalSource.
/// </summary>
public sealed class PrometheusMetricsSourceTests
{
    [Fact]
    public async Task InstantQueryAsync_Vector_ParsesLabelsMillisecondsAndSpecialValues()
    {
        var handler = new RecordedHandler(HttpStatusCode.OK, """
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"up","job":"node"},"value":[1435781451.781,"1"]},
              {"metric":{"job":"a"},"value":[1435781451.781,"NaN"]},
              {"metric":{"job":"b"},"value":[1435781451.781,"+Inf"]},
              {"metric":{"job":"c"},"value":[1435781451.781,"-Inf"]},
              {"metric":{"job":"d"},"value":[1435781451.781,"1.5e-7"]}]}}
            """);
        using var source = Source(handler);

        var result = Assert.IsType<VectorResult>(await source.InstantQueryAsync("up", 1_435_781_451_781, CancellationToken.None));

        Assert.Equal(LabelSet.From(("__name__", "up"), ("job", "node")), result.Elements[0].Labels);
        Assert.All(result.Elements, e => Assert.Equal(1_435_781_451_781, e.TimestampMs));
        Assert.True(double.IsNaN(result.Elements[1].Value));
        Assert.Equal(double.PositiveInfinity, result.Elements[2].Value);
        Assert.Equal(double.NegativeInfinity, result.Elements[3].Value);
        Assert.Equal(1.5e-7, result.Elements[4].Value);
        Assert.Equal(HttpMethod.Post, handler.Method);
        Assert.Equal("/api/v1/query", handler.Path);
        Assert.Equal("query=up&time=1435781451.781", handler.Body);
    }

    [Fact]
    public async Task RangeQueryAsync_Matrix_ParsesEveryPointAndSendsStepInSeconds()
    {
        var handler = new RecordedHandler(HttpStatusCode.OK, """
            {"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"up","instance":"x"},"values":[[1000,"1"],[1015.5,"0"]]}]}}
            """);
        using var source = Source(handler);

        var result = await source.RangeQueryAsync("sum(rate(x[5m]))", 1_000_000, 1_015_500, 15_500, CancellationToken.None);

        Assert.Equal([new Sample(1_000_000, 1), new Sample(1_015_500, 0)], result.Series.Single().Samples);
        Assert.Equal("query=sum%28rate%28x%5B5m%5D%29%29&start=1000&end=1015.5&step=15.5", handler.Body);
    }

    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"scalar","result":[12.5,"3"]}}""", 12_500, "3")]
    [InlineData("""{"status":"success","data":{"resultType":"string","result":[12.5,"hello"]}}""", 12_500, "hello")]
    public async Task InstantQueryAsync_ScalarAndString_KeepTimeAndValue(string json, long ms, string value)
    {
        using var source = Source(new RecordedHandler(HttpStatusCode.OK, json));

        var result = await source.InstantQueryAsync("x", ms, CancellationToken.None);

        switch (result)
        {
            case ScalarResult scalar:
                Assert.Equal((ms, double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)), (scalar.TimestampMs, scalar.Value));
                break;
            case StringResult text:
                Assert.Equal((ms, value), (text.TimestampMs, text.Value));
                break;
            default:
                Assert.Fail($"unexpected {result}");
                break;
        }
    }

    [Fact]
    public async Task SeriesAsync_SendsEachSelectorAsMatchAndHonoursTheLimit()
    {
        var handler = new RecordedHandler(HttpStatusCode.OK, """
            {"status":"success","data":[{"__name__":"up","job":"a"},{"__name__":"up","job":"b"},{"__name__":"up","job":"c"}]}
            """);
        using var source = Source(handler);
        IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors =
        [
            [LabelMatcher.MetricName("up"), new LabelMatcher("job", MatchType.Regex, "a|\"b\\d\"")],
            [new LabelMatcher("job", MatchType.NotEqual, "")],
        ];

        var series = await source.SeriesAsync(selectors, 0, 60_000, 2, CancellationToken.None);

        Assert.Equal(2, series.Count);
        Assert.Equal(
            "match%5B%5D=%7B__name__%3D%22up%22%2Cjob%3D~%22a%7C%5C%22b%5C%5Cd%5C%22%22%7D&match%5B%5D=%7Bjob%21%3D%22%22%7D&start=0&end=60",
            handler.Body);
        Assert.Equal("{__name__=\"up\",job=~\"a|\\\"b\\\\d\\\"\"}", PrometheusMetricsSource.FormatSelector(selectors[0]));
    }

    [Fact]
    public async Task LabelValuesAsync_IsAGetWithTheNameEscaped()
    {
        var handler = new RecordedHandler(HttpStatusCode.OK, """{"status":"success","data":["a","b"]}""");
        using var source = Source(handler);

        var values = await source.LabelValuesAsync("job", [], 1000, 2000, 10, CancellationToken.None);

        Assert.Equal(["a", "b"], values);
        Assert.Equal(HttpMethod.Get, handler.Method);
        Assert.Equal("/api/v1/label/job/values?start=1&end=2", handler.PathAndQuery);
    }

    [Fact]
    public async Task MetadataAsync_MapsTypesAndSortsFamilies()
    {
        using var source = Source(new RecordedHandler(HttpStatusCode.OK, """
            {"status":"success","data":{"zeta":[{"type":"gauge","help":"Z.","unit":""}],"alpha_seconds":[{"type":"histogram","help":"A.","unit":"seconds"}]}}
            """));

        var metadata = await source.MetadataAsync(null, 10, CancellationToken.None);

        Assert.Equal(
            [new MetricMetadata("alpha_seconds", MetricType.Histogram, "A.", "seconds"), new MetricMetadata("zeta", MetricType.Gauge, "Z.", "")],
            metadata);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "bad_data", "invalid parameter \\\"query\\\": 1:5: parse error: unexpected end of input", 400)]
    [InlineData(HttpStatusCode.UnprocessableEntity, "execution", "query processing would load too many samples into memory", 422)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "timeout", "query timed out in expression evaluation", 503)]
    public async Task Errors_KeepThePrometheusErrorTypeAndStatus(HttpStatusCode status, string errorType, string error, int expected)
    {
        using var source = Source(new RecordedHandler(status, $$"""{"status":"error","errorType":"{{errorType}}","error":"{{error}}"}"""));

        var ex = await Assert.ThrowsAsync<MetricsSourceException>(() => source.InstantQueryAsync("sum(", 0, CancellationToken.None));

        Assert.Equal((errorType, expected), (ex.ErrorType, ex.StatusCode));
        Assert.Equal(error.Replace("\\\"", "\"", StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public async Task Errors_ANonJsonAnswer_IsUnavailableAndNamesTheStatus()
    {
        using var source = Source(new RecordedHandler(HttpStatusCode.Unauthorized, "Unauthorized"));

        var ex = await Assert.ThrowsAsync<MetricsSourceException>(() => source.LabelNamesAsync([], 0, 1, 10, CancellationToken.None));

        Assert.Equal(("unavailable", 503), (ex.ErrorType, ex.StatusCode));
        Assert.Contains("HTTP 401", ex.Message, StringComparison.Ordinal);
        Assert.Contains("credentials", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_AnAnswerOfTheWrongShape_IsInternalNotACrash()
    {
        using var source = Source(new RecordedHandler(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["x",1]}]}}"""));

        var ex = await Assert.ThrowsAsync<MetricsSourceException>(() => source.InstantQueryAsync("x", 0, CancellationToken.None));

        Assert.Equal("internal", ex.ErrorType);
    }

    [Fact]
    public async Task Errors_AnAnswerBeyondMaxResponseBytes_IsRefused()
    {
        var big = "{\"status\":\"success\",\"data\":[" + string.Join(',', Enumerable.Repeat("\"value\"", 1000)) + "]}";
        using var source = Source(new RecordedHandler(HttpStatusCode.OK, big), maxResponseBytes: 1000);

        var ex = await Assert.ThrowsAsync<MetricsSourceException>(() => source.LabelNamesAsync([], 0, 1, 10, CancellationToken.None));

        Assert.Equal(("execution", 422), (ex.ErrorType, ex.StatusCode));
        Assert.Contains("maxResponseBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_AClosedPort_IsUnavailableWithTheAddressButNotTheCredentials()
    {
        var port = ClosedPort();
        using var source = new PrometheusMetricsSource(new PrometheusSourceSettings
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Authorization = new AuthenticationHeaderValue("Bearer", "s3cr3t-token"),
            Timeout = TimeSpan.FromSeconds(10),
        });

        var ex = await Assert.ThrowsAsync<MetricsSourceException>(() => source.InstantQueryAsync("up", 0, CancellationToken.None));

        Assert.Equal(("unavailable", 503), (ex.ErrorType, ex.StatusCode));
        Assert.Equal($"metrics source http://127.0.0.1:{port} unreachable: connection refused", ex.Message);
        Assert.DoesNotContain("s3cr3t", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_CarryTheAuthorizationHeader()
    {
        var handler = new RecordedHandler(HttpStatusCode.OK, """{"status":"success","data":[]}""");
        using var source = new PrometheusMetricsSource(
            new PrometheusSourceSettings
            {
                BaseAddress = new Uri("http://prometheus.example:9090/prefix"),
                Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pass"))),
            },
            handler);

        await source.LabelNamesAsync([], 0, 1, 10, CancellationToken.None);

        Assert.Equal("Basic dXNlcjpwYXNz", handler.Authorization);
        Assert.Equal("/prefix/api/v1/labels", handler.Path);
        Assert.Equal("http://prometheus.example:9090/prefix", source.Name);
    }

    private static PrometheusMetricsSource Source(HttpMessageHandler handler, long maxResponseBytes = PrometheusSourceSettings.DefaultMaxResponseBytes) =>
        new(new PrometheusSourceSettings { BaseAddress = new Uri("http://prometheus.test:9090"), MaxResponseBytes = maxResponseBytes }, handler);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Answers every request with one recorded body and remembers the request.</summary>
    private sealed class RecordedHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public HttpMethod? Method { get; private set; }

        public string? Path { get; private set; }

        public string? PathAndQuery { get; private set; }

        public string? Body { get; private set; }

        public string? Authorization { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Method = request.Method;
            Path = request.RequestUri!.AbsolutePath;
            PathAndQuery = request.RequestUri.PathAndQuery;
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Authorization = request.Headers.Authorization?.ToString();
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }
}
