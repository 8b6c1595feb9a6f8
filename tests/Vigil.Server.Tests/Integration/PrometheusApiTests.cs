using System.Net;
using System.Text.Json;

namespace Vigil.Server.Tests.Integration;

/// <summary>The Prometheus HTTP API over the embedded store: shapes, envelope and status codes, GET and POST form.</summary>
public sealed class PrometheusApiTests
{
    [Fact]
    public async Task QueryAndMetadataEndpoints_AnswerInPrometheusShapes()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var now = TimeProvider.System.GetUtcNow();
        var t0 = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() - 120);
        for (var i = 0; i < 3; i++)
        {
            var payload = OtlpPayloads.Gauges("promsvc", t0.AddSeconds(30 * i), ("prom_probe", "a", 10 * (i + 1)), ("prom_probe", "b", 1));
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(payload))).StatusCode);
        }

        var at = t0.AddSeconds(60).ToUnixTimeSeconds();
        using (var instant = await GetJsonAsync(client, $"/api/v1/query?query={Uri.EscapeDataString("sum by (point) (prom_probe)")}&time={at}"))
        {
            var data = instant.RootElement.GetProperty("data");
            Assert.Equal("vector", data.GetProperty("resultType").GetString());
            var a = data.GetProperty("result").EnumerateArray().Single(r => r.GetProperty("metric").GetProperty("point").GetString() == "a");
            Assert.Equal(at, a.GetProperty("value")[0].GetDouble());
            Assert.Equal("30", a.GetProperty("value")[1].GetString());
        }

        using (var form = new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["query"] = "prom_probe{point=\"a\"}",
                   ["start"] = t0.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                   ["end"] = t0.AddSeconds(60).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                   ["step"] = "30s",
               }))
        {
            var response = await client.PostAsync("/api/v1/query_range", form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var range = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var series = Assert.Single(range.RootElement.GetProperty("data").GetProperty("result").EnumerateArray());
            Assert.Equal(["10", "20", "30"], series.GetProperty("values").EnumerateArray().Select(v => v[1].GetString()));
        }

        using (var labels = await GetJsonAsync(client, "/api/v1/labels?match[]=prom_probe"))
        {
            var names = labels.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()).ToList();
            Assert.Contains("__name__", names);
            Assert.Contains("service_name", names);
            Assert.Contains("point", names);
        }

        using (var values = await GetJsonAsync(client, "/api/v1/label/point/values?match[]=prom_probe"))
        {
            Assert.Equal(["a", "b"], values.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()));
        }

        using (var series = await GetJsonAsync(client, "/api/v1/series?match[]=" + Uri.EscapeDataString("prom_probe{point=\"b\"}")))
        {
            Assert.Equal("b", Assert.Single(series.RootElement.GetProperty("data").EnumerateArray()).GetProperty("point").GetString());
        }

        using (var build = await GetJsonAsync(client, "/api/v1/status/buildinfo"))
        {
            Assert.False(string.IsNullOrEmpty(build.RootElement.GetProperty("data").GetProperty("version").GetString()));
        }
    }

    [Fact]
    public async Task ScalarsStringsMetadataAndExemplars_AnswerInPrometheusShapes()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();

        // Prometheus writes a scalar or string result as one bare [time, "value"] pair, not a list of them.
        using (var scalar = await GetJsonAsync(client, "/api/v1/query?query=1%2B2&time=100"))
        {
            var data = scalar.RootElement.GetProperty("data");
            Assert.Equal("scalar", data.GetProperty("resultType").GetString());
            Assert.Equal(100, data.GetProperty("result")[0].GetDouble());
            Assert.Equal("3", data.GetProperty("result")[1].GetString());
        }

        using (var text = await GetJsonAsync(client, "/api/v1/query?query=%22hello%22&time=100"))
        {
            Assert.Equal("hello", text.RootElement.GetProperty("data").GetProperty("result")[1].GetString());
        }

        // Metadata learned at intake (here from OTLP): type, help and unit per family.
        var now = TimeProvider.System.GetUtcNow().AddSeconds(-5);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(OtlpPayloads.Gauges("metasvc", now, ("meta_probe", "a", 1))))).StatusCode);
        using (var metadata = await GetJsonAsync(client, "/api/v1/metadata"))
        {
            var family = Assert.Single(metadata.RootElement.GetProperty("data").GetProperty("meta_probe").EnumerateArray());
            Assert.Equal("gauge", family.GetProperty("type").GetString());
            Assert.True(family.TryGetProperty("help", out _));
            Assert.True(family.TryGetProperty("unit", out _));
        }

        using (var none = await GetJsonAsync(client, "/api/v1/metadata?metric=no_such_metric"))
        {
            Assert.Empty(none.RootElement.GetProperty("data").EnumerateObject());
        }

        using (var exemplars = await GetJsonAsync(client, "/api/v1/query_exemplars?query=meta_probe&start=0&end=100"))
        {
            Assert.Equal(JsonValueKind.Array, exemplars.RootElement.GetProperty("data").ValueKind);
        }
    }

    [Theory]
    [InlineData("/api/v1/query?query=sum(", 400, "bad_data", "parse error at position")]
    [InlineData("/api/v1/query", 400, "bad_data", "\"query\": missing")]
    [InlineData("/api/v1/query_range?query=up&start=1&end=100&step=0", 400, "bad_data", "step")]
    [InlineData("/api/v1/query?query=up&time=yesterday", 400, "bad_data", "\"time\"")]
    [InlineData("/api/v1/series", 400, "bad_data", "match[]")]
    [InlineData("/api/v1/query_exemplars?query=rate(x[5m]", 400, "bad_data", "parse error at position")]
    [InlineData("/api/v1/label/0bad/values", 400, "bad_data", "invalid label name")]
    [InlineData("/api/v1/metadata?limit=-1", 400, "bad_data", "\"limit\"")]
    public async Task BadRequests_AnswerThePrometheusErrorEnvelope(string path, int status, string errorType, string fragment)
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(status, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(errorType, body.RootElement.GetProperty("errorType").GetString());
        Assert.Contains(fragment, body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        var document = JsonDocument.Parse(body);
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document;
    }
}
