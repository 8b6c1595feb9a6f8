using System.Text.Json;
using Vigil.Cli.Logs;
using Vigil.Cli.Output;
using Vigil.Cli.Series;
using Vigil.Cli.Traces;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Tests.Output;

public sealed class FormattingTests
{
    private static readonly Dictionary<string, string> NoAttributes = [];

    [Fact]
    public void LogsTable_Records_PrintsTimeSeverityServiceBody()
    {
        var response = new LogsResponse(
        [
            Log(new DateTimeOffset(2025, 3, 1, 12, 0, 1, TimeSpan.Zero), 17, "ERROR", "payment failed\nretrying", "checkout"),
            Log(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero), 9, "", "started", null),
        ], NextPageToken: null);

        var text = Render(w => LogsCommand.Write(w, OutputFormat.Table, response));

        Assert.Equal(
            "TIME                      SEVERITY  SERVICE   BODY\n" +
            "2025-03-01T12:00:01.000Z  ERROR     checkout  payment failed\\nretrying\n" +
            "2025-03-01T12:00:00.000Z  9         -         started\n",
            text);
    }

    [Fact]
    public void LogsJson_Response_IsTheApiDocumentIndented()
    {
        var response = new LogsResponse([Log(DateTimeOffset.UnixEpoch, 9, "INFO", "<b>hi</b>", "api")], "next");

        var text = Render(w => LogsCommand.Write(w, OutputFormat.Json, response));

        using var json = JsonDocument.Parse(text);
        Assert.Equal("next", json.RootElement.GetProperty("nextPageToken").GetString());
        Assert.Equal("<b>hi</b>", json.RootElement.GetProperty("records")[0].GetProperty("body").GetString());
        Assert.Contains("\n  \"records\"", text, StringComparison.Ordinal);
        Assert.Contains("<b>hi</b>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SeriesJson_NonFiniteSample_IsWrittenAsNamedLiteral()
    {
        var text = Render(w => JsonOutput.Write(w, new SamplesResponse([new SeriesSamplesDto(NoAttributes, [new SampleDto(1, double.NaN), new SampleDto(2, double.PositiveInfinity)])])));

        Assert.Contains("\"value\": \"NaN\"", text, StringComparison.Ordinal);
        Assert.Contains("\"value\": \"Infinity\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SeriesTable_Series_OneLinePerSeries()
    {
        var response = new SeriesListResponse(
        [
            new SeriesDto(new Dictionary<string, string> { ["__name__"] = "up", ["job"] = "api" }),
            new SeriesDto(new Dictionary<string, string> { ["__name__"] = "traces_span_metrics_calls_total", ["service_name"] = "checkout", ["status_code"] = "STATUS_CODE_ERROR" }),
        ]);

        var text = Render(w => SeriesCommand.Write(w, OutputFormat.Table, response));

        Assert.Equal(
            "SERIES\nup{job=\"api\"}\ntraces_span_metrics_calls_total{service_name=\"checkout\", status_code=\"STATUS_CODE_ERROR\"}\n",
            text);
    }

    [Fact]
    public void TracesTable_Summaries_PrintsOneRowPerTrace()
    {
        var response = new TracesResponse(
        [
            new TraceSummaryDto("4bf92f3577b34da6a3ce929d0e0e4736", "frontend", "GET /checkout", 1_740_830_400_000_000_000, 1.234, 12, true),
            new TraceSummaryDto("00000000000000000000000000000001", "api", "GET /health", 1_740_830_399_500_000_000, 0.0021, 1, false),
        ]);

        var text = Render(w => TracesCommand.WriteList(w, OutputFormat.Table, response));

        Assert.Equal(
            "TRACE                             START                     DURATION  SPANS  STATUS  SERVICE   OPERATION\n" +
            "4bf92f3577b34da6a3ce929d0e0e4736  2025-03-01T12:00:00.000Z  1.23s     12     error   frontend  GET /checkout\n" +
            "00000000000000000000000000000001  2025-03-01T11:59:59.500Z  2.1ms     1      ok      api       GET /health\n",
            text);
    }

    internal static string Render(Action<TextWriter> write)
    {
        using var writer = new StringWriter();
        write(writer);
        return writer.ToString().ReplaceLineEndings("\n");
    }

    private static LogRecordDto Log(DateTimeOffset time, int severity, string severityText, string body, string? service) =>
        new(time, 0, severity, severityText, body, NoAttributes, "", "",
            service is null ? NoAttributes : new Dictionary<string, string> { ["service.name"] = service }, "");
}
