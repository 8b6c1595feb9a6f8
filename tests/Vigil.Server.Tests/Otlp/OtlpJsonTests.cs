using System.Text;
using Vigil.Server.Otlp;
using Vigil.Server.Otlp.Protos.Collector.Logs;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Collector.Trace;
using Vigil.Server.Otlp.Protos.Metrics;

namespace Vigil.Server.Tests.Otlp;

public class OtlpJsonTests
{
    private const string TraceJson = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
          "scopeSpans":[{"scope":{"name":"s"},"spans":[{
            "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"",
            "name":"GET /","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":1544712661000000001,
            "status":{"code":"STATUS_CODE_ERROR"},"futureField":{"x":1},
            "links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}]}
        """;

    [Fact]
    public void Parse_TraceJson_DecodesHexIdsStringAndLongIntegersAndEnums()
    {
        var request = OtlpJson.Parse<ExportTraceServiceRequest>(Encoding.UTF8.GetBytes(TraceJson));

        var span = request.ResourceSpans[0].ScopeSpans[0].Spans[0];
        Assert.Equal("5b8efff798038103d269b633813fc60c", OtlpValues.Hex(span.TraceId));
        Assert.Equal("eee19b7ec3c1b174", OtlpValues.Hex(span.SpanId));
        Assert.True(span.ParentSpanId.IsEmpty);
        Assert.Equal(1544712660000000000UL, span.StartTimeUnixNano);
        Assert.Equal(1544712661000000001UL, span.EndTimeUnixNano);
        Assert.Equal(Vigil.Server.Otlp.Protos.Trace.Span.Types.SpanKind.Server, span.Kind);
        Assert.Equal(Vigil.Server.Otlp.Protos.Trace.Status.Types.StatusCode.Error, span.Status.Code);
        Assert.Equal("eee19b7ec3c1b174", OtlpValues.Hex(span.Links[0].SpanId));
    }

    [Fact]
    public void Parse_MetricsJson_DecodesIntegersAsStringsAndTemporalityNumber()
    {
        const string json = """
            {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"jobs","unit":"1",
              "sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[{"asInt":"9007199254740993","timeUnixNano":"1700000000000000000"}]}}]}]}]}
            """;

        var request = OtlpJson.Parse<ExportMetricsServiceRequest>(Encoding.UTF8.GetBytes(json));

        var sum = request.ResourceMetrics[0].ScopeMetrics[0].Metrics[0].Sum;
        Assert.Equal(AggregationTemporality.Delta, sum.AggregationTemporality);
        Assert.Equal(9007199254740993L, sum.DataPoints[0].AsInt);
    }

    [Fact]
    public void Parse_LogsJson_DecodesSeverityNameAndBody()
    {
        const string json = """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN","body":{"stringValue":"disk low"},"traceId":"0102030405060708090a0b0c0d0e0f10"}]}]}]}""";

        var request = OtlpJson.Parse<ExportLogsServiceRequest>(Encoding.UTF8.GetBytes(json));

        var record = request.ResourceLogs[0].ScopeLogs[0].LogRecords[0];
        Assert.Equal(13, (int)record.SeverityNumber);
        Assert.Equal("disk low", record.Body.StringValue);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", OtlpValues.Hex(record.TraceId));
    }

    [Fact]
    public void Parse_SyntaxError_SaysLineAndColumn()
    {
        var json = "{\"resourceMetrics\":[\n  {\"scopeMetrics\": [}\n]}";

        var ex = Assert.Throws<OtlpDecodeException>(() => OtlpJson.Parse<ExportMetricsServiceRequest>(Encoding.UTF8.GetBytes(json)));

        Assert.StartsWith("invalid JSON at line 2, column 21:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongType_SaysWhatWasWrong()
    {
        var ex = Assert.Throws<OtlpDecodeException>(() => OtlpJson.Parse<ExportMetricsServiceRequest>("{\"resourceMetrics\":{\"a\":1}}"u8));

        Assert.StartsWith("invalid OTLP/JSON ExportMetricsServiceRequest:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8InsideAString_SaysWhereInsteadOfCrashing()
    {
        byte[] json = [.. "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\""u8, 0xD3, .. "\"}]}]}]}"u8];

        var ex = Assert.Throws<OtlpDecodeException>(() => OtlpJson.Parse<ExportTraceServiceRequest>(json));

        Assert.Equal("invalid JSON: the body is not valid UTF-8 (first bad byte at offset 55)", ex.Message);
    }
}
