namespace Vigil.Server.Tests.Grafana;

/// <summary>The Grafana request list itself and the comparer, without servers.</summary>
public sealed class GrafanaRequestListTests
{
    [Fact]
    public void RequestList_CoversWhatGrafanaSends()
    {
        var requests = GrafanaRequestList.Load();
        bool Has(string method, string path, params string[] parameters) => requests.Any(r =>
            r.Method == method && r.Path == path && r.Compare != CompareMode.Error && parameters.All(p => r.Parameters.Any(x => x.Key == p)));

        Assert.True(Has("POST", "/api/v1/query", "query", "time"), "instant query, POST form");
        Assert.True(Has("GET", "/api/v1/query", "query", "time"), "instant query, GET");
        Assert.True(Has("POST", "/api/v1/query_range", "query", "start", "end", "step"), "range query, POST form");
        Assert.True(Has("GET", "/api/v1/query_range", "query", "start", "end", "step"), "range query, GET");
        Assert.True(Has("POST", "/api/v1/labels", "start", "end", "limit"), "labels with limit, POST form");
        Assert.True(Has("POST", "/api/v1/labels", "start", "end", "match[]"), "labels with match[], POST form");
        Assert.True(Has("GET", "/api/v1/labels", "start", "end", "match[]"), "labels with match[], GET");
        Assert.True(Has("GET", "/api/v1/label/__name__/values", "start", "end", "limit"), "metric names");
        Assert.True(requests.Any(r => r.Path.StartsWith("/api/v1/label/", StringComparison.Ordinal) && r.Parameters.Any(p => p.Key == "match[]")), "label values with match[]");
        Assert.True(Has("POST", "/api/v1/series", "start", "end", "match[]", "limit"), "series, POST form");
        Assert.True(Has("GET", "/api/v1/series", "start", "end", "match[]"), "series, GET");
        Assert.True(Has("GET", "/api/v1/metadata"), "metadata without parameters");
        Assert.True(Has("GET", "/api/v1/metadata", "limit"), "metadata with limit");
        Assert.True(Has("GET", "/api/v1/metadata", "metric"), "metadata with metric");
        Assert.True(Has("POST", "/api/v1/query_exemplars", "query", "start", "end"), "exemplars, POST form");
        Assert.True(Has("GET", "/api/v1/query_exemplars", "query", "start", "end"), "exemplars probe, GET");
        Assert.True(Has("GET", "/api/v1/status/buildinfo"), "buildinfo");
        Assert.True(requests.Count(r => r.Compare == CompareMode.Error) >= 10, "error requests");
        Assert.Contains(requests, r => r.Compare == CompareMode.LimitSubset);
    }

    [Fact]
    public void Comparer_FindsTheDifferencesGrafanaWouldNotice()
    {
        var request = GrafanaRequestList.Parse(["[r]", "method = GET", "path = /api/v1/query", "compare = values"])[0];
        const string Prometheus = """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[10,"1.5"]},{"metric":{"a":"2"},"value":[10,"NaN"]}]}}""";

        // Same data, other series order, value equal within tolerance: no difference.
        Assert.Empty(Compare(request, Prometheus, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"2"},"value":[10,"NaN"]},{"metric":{"a":"1"},"value":[10,"1.5000000000000002"]}]}}"""));

        Assert.Contains(Compare(request, Prometheus, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[10,"1.6"]},{"metric":{"a":"2"},"value":[10,"NaN"]}]}}"""), d => d.Contains("value", StringComparison.Ordinal));
        Assert.Contains(Compare(request, Prometheus, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[10,"1.5"]}]}}"""), d => d.Contains("lacks", StringComparison.Ordinal));
        Assert.Contains(Compare(request, Prometheus, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[10,1.5]},{"metric":{"a":"2"},"value":[10,"NaN"]}]}}"""), d => d.Contains("array shapes", StringComparison.Ordinal));
        Assert.Contains(Compare(request, Prometheus, """{"status":"success","warnings":["w"],"data":{"resultType":"vector","result":[]}}"""), d => d.Contains("warnings", StringComparison.Ordinal));
        Assert.Contains(Compare(request, Prometheus, """{"status":"success","data":{"resultType":"matrix","result":[]}}"""), d => d.Contains("resultType", StringComparison.Ordinal));
    }

    [Fact]
    public void Comparer_ErrorMode_ComparesStatusAndErrorTypeNotWording()
    {
        var request = GrafanaRequestList.Parse(["[e]", "method = GET", "path = /api/v1/query", "compare = error"])[0];
        var prometheus = new CapturedResponse(400, "application/json", """{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}""");

        Assert.Empty(PrometheusResponseComparer.Compare(request, prometheus, new CapturedResponse(400, "application/json", """{"status":"error","errorType":"bad_data","error":"parse error at position 5"}"""), null));
        Assert.Contains(PrometheusResponseComparer.Compare(request, prometheus, new CapturedResponse(422, "application/json", """{"status":"error","errorType":"execution","error":"x"}"""), null), d => d.StartsWith("errorType", StringComparison.Ordinal));
        Assert.Contains(PrometheusResponseComparer.Compare(request, prometheus, new CapturedResponse(400, "application/problem+json", """{"status":400,"title":"Bad Request"}"""), null), d => d.StartsWith("Content-Type", StringComparison.Ordinal));
    }

    [Fact]
    public void Comparer_LimitSubset_WantsTheFirstNOfPrometheusSortedList()
    {
        var request = GrafanaRequestList.Parse(["[l]", "method = GET", "path = /api/v1/labels", "param limit = 2", "compare = limit-subset"])[0];
        var prometheus = new CapturedResponse(200, "application/json", """{"status":"success","data":["a","b","c"]}""");

        Assert.Empty(PrometheusResponseComparer.Compare(request, prometheus, new CapturedResponse(200, "application/json", """{"status":"success","data":["a","b"]}"""), 2));
        Assert.NotEmpty(PrometheusResponseComparer.Compare(request, prometheus, new CapturedResponse(200, "application/json", """{"status":"success","data":["a","c"]}"""), 2));
        Assert.NotEmpty(PrometheusResponseComparer.Compare(request, prometheus, new CapturedResponse(200, "application/json", """{"status":"success","data":["a","b","c"]}"""), 2));
    }

    [Fact]
    public async Task RequestList_PostWithUrlParameters_SendsBothPlaces()
    {
        var request = GrafanaRequestList.Parse(["[p]", "method = POST", "path = /api/v1/query", "urlparam dedup = false", "param query = up{a=\"1 2\"}", "compare = values"])[0];

        using var message = request.ToHttpRequest(x => x);

        Assert.Equal("api/v1/query?dedup=false", message.RequestUri!.OriginalString);
        Assert.Equal("query=up%7Ba%3D%221+2%22%7D", await message.Content!.ReadAsStringAsync());
    }

    private static List<string> Compare(GrafanaRequest request, string prometheus, string vigil) =>
        PrometheusResponseComparer.Compare(request, new CapturedResponse(200, "application/json", prometheus), new CapturedResponse(200, "application/json", vigil), limit: null);

}
