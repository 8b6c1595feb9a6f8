using System.Net;
using System.Web;

namespace Vigil.Cli.Tests.Queries;

/// <summary><c>vigil query</c>: what it sends, how it prints each result type, and how it reports errors.</summary>
public sealed class QueryCommandTests
{
    private const string Matrix = """
        {"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"up","job":"api"},"values":[[1740826800,"1"],[1740826830,"NaN"]]}]}}
        """;

    [Fact]
    public async Task Range_SendsAFormWithStartEndAndTheDefaultStep_AndPrintsOneRowPerPoint()
    {
        var handler = StubHandler.Json(Matrix);

        var run = await CliRun.RunAsync(["query", "up", "--range", "1h"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/query_range", handler.Last.RequestUri!.AbsolutePath);
        var form = HttpUtility.ParseQueryString(handler.Bodies[^1]!);
        Assert.Equal("up", form["query"]);
        Assert.Equal((CliRun.Now.ToUnixTimeSeconds() - 3600).ToString(System.Globalization.CultureInfo.InvariantCulture), form["start"]);
        Assert.Equal(CliRun.Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), form["end"]);
        Assert.Equal("15", form["step"]); // 1h / 250 points, rounded up to whole seconds
        var rows = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("SERIES", rows[0], StringComparison.Ordinal);
        Assert.Contains("up{job=\"api\"}", rows[1], StringComparison.Ordinal);
        Assert.EndsWith("NaN", rows[2].TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instant_WithoutTime_LetsTheServerChooseNow_AndJsonPrintsTheDataObject()
    {
        var handler = StubHandler.Json("""{"status":"success","data":{"resultType":"scalar","result":[1740830400,"3"]}}""");

        var run = await CliRun.RunAsync(["query", "1+2", "--output", "json"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("/api/v1/query", handler.Last.RequestUri!.AbsolutePath);
        Assert.Null(HttpUtility.ParseQueryString(handler.Bodies[^1]!)["time"]);
        Assert.Contains("\"resultType\": \"scalar\"", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrometheusErrorEnvelope_ExitsWith5AndPrintsTypeAndMessage()
    {
        var handler = StubHandler.Json("""{"status":"error","errorType":"bad_data","error":"parse error at position 4: unclosed left parenthesis"}""", HttpStatusCode.BadRequest);

        var run = await CliRun.RunAsync(["query", "sum("], handler);

        Assert.Equal(5, run.ExitCode);
        Assert.Contains("bad_data", run.Error, StringComparison.Ordinal);
        Assert.Contains("position 4", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerOfTheWrongShape_IsReportedNotCrashed()
    {
        var handler = StubHandler.Json("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":"oops"}]}}""");

        var run = await CliRun.RunAsync(["query", "up"], handler);

        Assert.Equal(5, run.ExitCode);
        Assert.Contains("not the Prometheus API's JSON", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--time", "2025-03-01T12:00:00Z", "--range", "1h")]
    [InlineData("--step", "30s")]
    [InlineData("--range", "soon")]
    public async Task ConflictingOrBadOptions_AreUsageErrors(params string[] options)
    {
        var run = await CliRun.RunAsync(["query", "up", .. options], StubHandler.Json(Matrix));

        Assert.Equal(3, run.ExitCode);
    }
}
