using System.Text;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;

namespace Vigil.Core.Tests.Telemetry.Exposition;

public sealed class ExpositionParserTests
{
    private const long ScrapeMs = 1_700_000_000_000;

    private static ExpositionResult Prom(string text, ExpositionParserOptions? options = null) =>
        ExpositionParser.Parse(Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, ScrapeMs, options);

    private static ExpositionResult Om(string text, ExpositionParserOptions? options = null) =>
        ExpositionParser.Parse(Encoding.UTF8.GetBytes(text), ExpositionFormat.OpenMetrics, ScrapeMs, options);

    // The fixtures are copied to the output folder by the test project (every testdata/ folder).
    private static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Telemetry", "Exposition", "testdata", name));

    private static SeriesSample Single(ExpositionResult result)
    {
        Assert.True(result.IsSuccess, result.Error);
        return Assert.Single(result.Samples);
    }

    private static void AssertError(ExpositionResult result, int line, int column, string reasonPart)
    {
        Assert.False(result.IsSuccess);
        Assert.Empty(result.Samples);
        var error = result.Errors[0];
        Assert.True(error.Line == line && error.Column == column && error.Reason.Contains(reasonPart, StringComparison.Ordinal),
            $"expected line {line}:{column}: ...{reasonPart}..., got {result.Error}");
    }

    // ---- content type ----

    [Theory]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.OpenMetrics)]
    [InlineData("Application/OpenMetrics-Text", ExpositionFormat.OpenMetrics)]
    [InlineData("text/plain; version=0.0.4; charset=utf-8", ExpositionFormat.PrometheusText)]
    [InlineData("application/json", ExpositionFormat.PrometheusText)]
    [InlineData("", ExpositionFormat.PrometheusText)]
    [InlineData(null, ExpositionFormat.PrometheusText)]
    public void FromContentType_MediaType_ChoosesFormat(string? contentType, ExpositionFormat expected)
    {
        Assert.Equal(expected, ExpositionParser.FromContentType(contentType));
    }

    // ---- fixtures ----

    [Fact]
    public void Parse_NodeExporterPage_ReadsEverySampleAndFamily()
    {
        var result = ExpositionParser.Parse(Fixture("node_exporter.prom"), ExpositionFormat.PrometheusText, ScrapeMs);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(64 + 4 + 1 + 1 + 4 + 3 + 9 + 1 + 1 + 1, result.Samples.Count);
        Assert.All(result.Samples, s => Assert.Equal(ScrapeMs, s.TimestampMs));
        var cpu = result.Metadata.Single(m => m.Name == "node_cpu_seconds_total");
        Assert.Equal(MetricType.Counter, cpu.Type);
        Assert.Equal("Seconds the CPUs spent in each mode.", cpu.Help);
        var uname = result.Samples.Single(s => s.Labels.MetricName == "node_uname_info");
        Assert.Equal("#45-Ubuntu SMP PREEMPT_DYNAMIC", uname.Labels.Get("version"));
        Assert.Equal(1.7322345678901234e+09, result.Samples.Single(s => s.Labels.MetricName == "node_time_seconds").Value);
    }

    [Fact]
    public void Parse_GoClientPage_NormalisesQuantilesAndBuckets()
    {
        var result = ExpositionParser.Parse(Fixture("go_client.prom"), ExpositionFormat.PrometheusText, ScrapeMs);

        Assert.True(result.IsSuccess, result.Error);
        var quantiles = result.Samples.Where(s => s.Labels.MetricName == "go_gc_duration_seconds").Select(s => s.Labels.Get("quantile"));
        Assert.Equal(["0.0", "0.25", "0.5", "0.75", "1.0"], quantiles);
        var les = result.Samples.Where(s => s.Labels.MetricName == "http_request_duration_seconds_bucket").Select(s => s.Labels.Get("le"));
        Assert.Equal(["0.005", "0.01", "0.1", "1.0", "10.0", "+Inf"], les);
        Assert.Equal(MetricType.Summary, result.Metadata.Single(m => m.Name == "go_gc_duration_seconds").Type);
        Assert.Equal(MetricType.Histogram, result.Metadata.Single(m => m.Name == "http_request_duration_seconds").Type);
        Assert.Equal(22, result.Samples.Count);
    }

    [Fact]
    public void Parse_OpenMetricsPage_ReadsTypesUnitsCreatedAndDropsExemplars()
    {
        var result = ExpositionParser.Parse(Fixture("openmetrics.om"), ExpositionFormat.OpenMetrics, ScrapeMs);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(23, result.Samples.Count);
        Assert.DoesNotContain(result.Samples, s => s.Labels.Get("trace_id") is not null);
        var first = result.Samples[0];
        Assert.Equal("http_requests_total", first.Labels.MetricName);
        Assert.Equal(1_700_000_000_123, first.TimestampMs);
        Assert.Equal(1027, first.Value);
        var created = result.Samples.First(s => s.Labels.MetricName == "http_requests_created");
        Assert.Equal(1699990000.5, created.Value);
        var requests = result.Metadata.Single(m => m.Name == "http_requests");
        Assert.Equal(new MetricMetadata("http_requests", MetricType.Counter, "Requests served, with \"quotes\" and a \\ backslash.", "requests"), requests);
        Assert.Equal(MetricType.GaugeHistogram, result.Metadata.Single(m => m.Name == "queue_depth").Type);
        Assert.Equal(MetricType.Info, result.Metadata.Single(m => m.Name == "build").Type);
        Assert.Equal(MetricType.StateSet, result.Metadata.Single(m => m.Name == "feature").Type);
        Assert.Equal(MetricType.Unknown, result.Metadata.Single(m => m.Name == "mystery").Type);
        Assert.Equal(["0.1", "1.0", "+Inf"], result.Samples.Where(s => s.Labels.MetricName == "request_latency_seconds_bucket").Select(s => s.Labels.Get("le")));
        Assert.True(double.IsNaN(result.Samples.Single(s => s.Labels.MetricName == "temperature_celsius").Value));
    }

    // ---- samples, names, values, timestamps ----

    [Fact]
    public void Parse_SampleWithLabels_BuildsLabelSetWithName()
    {
        var sample = Single(Prom("http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"));

        Assert.Equal(LabelSet.From(("__name__", "http_requests_total"), ("method", "post"), ("code", "200")), sample.Labels);
        Assert.Equal(1_395_066_363_000, sample.TimestampMs);
        Assert.Equal(1027, sample.Value);
    }

    [Fact]
    public void Parse_NoTimestamp_UsesScrapeTime()
    {
        Assert.Equal(ScrapeMs, Single(Prom("up 1\n")).TimestampMs);
        Assert.Equal(ScrapeMs, Single(Om("up 1\n# EOF\n")).TimestampMs);
    }

    [Fact]
    public void Parse_MetricNameWithColons_IsAccepted()
    {
        Assert.Equal("job:http_requests:rate5m", Single(Prom("job:http_requests:rate5m 3\n")).Labels.MetricName);
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-1.5", -1.5)]
    [InlineData("+3", 3.0)]
    [InlineData("1e3", 1000.0)]
    [InlineData("1.5E-3", 0.0015)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("007", 7.0)]
    [InlineData("123456789012345678", 123456789012345678.0)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("inf", double.PositiveInfinity)]
    [InlineData("+infinity", double.PositiveInfinity)]
    [InlineData("-INF", double.NegativeInfinity)]
    public void Parse_Value_ParsesAsPrometheus(string text, double expected)
    {
        Assert.Equal(expected, Single(Prom($"m {text}\n")).Value);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Nan")]
    [InlineData("NAN")]
    public void Parse_NaNVariants_AreNaN(string text)
    {
        var value = Single(Prom($"m {text}\n")).Value;
        Assert.True(double.IsNaN(value));
        Assert.NotEqual(0x7ff0000000000002UL, BitConverter.DoubleToUInt64Bits(value));
    }

    [Theory]
    [InlineData("+NaN", "invalid syntax")]
    [InlineData("0x1p3", "unsupported character in float")]
    [InlineData("1_000", "unsupported character in float")]
    [InlineData("1e400", "value out of range")]
    [InlineData("1e", "invalid syntax")]
    [InlineData("abc", "invalid syntax")]
    [InlineData("1,5", "invalid syntax")]
    public void Parse_BadValue_FailsAtValueColumn(string text, string reason)
    {
        AssertError(Prom($"m {text}\n"), 1, 3, reason);
    }

    [Fact]
    public void Parse_EmptyLabelSetAndTrailingComma_AreAccepted()
    {
        Assert.Equal(LabelSet.From(("__name__", "m")), Single(Prom("m{} 1\n")).Labels);
        Assert.Equal(LabelSet.From(("__name__", "m"), ("a", "1")), Single(Prom("m{a=\"1\",} 1\n")).Labels);
        Assert.Equal(LabelSet.From(("__name__", "m"), ("a", "1")), Single(Om("m{a=\"1\",} 1\n# EOF\n")).Labels);
        Assert.Equal(LabelSet.From(("__name__", "m")), Single(Om("m{} 1\n# EOF")).Labels);
    }

    [Fact]
    public void Parse_PrometheusWhitespace_IsFlexible()
    {
        var sample = Single(Prom("  \t m { a = \"1\" , b=\"2\" }\t 5 \t 1000 \t\n"));

        Assert.Equal(LabelSet.From(("__name__", "m"), ("a", "1"), ("b", "2")), sample.Labels);
        Assert.Equal(5, sample.Value);
        Assert.Equal(1000, sample.TimestampMs);
    }

    [Fact]
    public void Parse_CommentsAndBlankLines_AreIgnoredInPrometheusText()
    {
        var result = Prom("# just a comment\n#no space comment\n\n   \n# HELPful note\n# TYPE\nm 1\n\n");

        Assert.True(result.IsSuccess, result.Error);
        Assert.Single(result.Samples);
        Assert.Empty(result.Metadata);
    }

    [Fact]
    public void Parse_LabelValueEscapes_AreDecoded()
    {
        var sample = Single(Prom("m{path=\"C:\\\\dir\\\\\",msg=\"say \\\"hi\\\"\\nbye\",other=\"a\\tb\"} 1\n"));

        Assert.Equal("C:\\dir\\", sample.Labels.Get("path"));
        Assert.Equal("say \"hi\"\nbye", sample.Labels.Get("msg"));
        Assert.Equal("a\\tb", sample.Labels.Get("other"));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("back\\slash")]
    [InlineData("quo\"te")]
    [InlineData("new\nline")]
    [InlineData("\\n literal backslash-n")]
    [InlineData("ünïcødé ✓")]
    public void Parse_EscapedLabelValue_RoundTrips(string value)
    {
        var escaped = value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

        Assert.Equal(value, Single(Prom($"m{{v=\"{escaped}\"}} 1\n")).Labels.Get("v"));
        Assert.Equal(value, Single(Om($"m{{v=\"{escaped}\"}} 1\n# EOF\n")).Labels.Get("v"));
    }

    [Fact]
    public void Parse_HelpEscapes_AreDecodedPerFormat()
    {
        var prom = Prom("# HELP m a \\\\ b \\n c \\\" d\n# TYPE m gauge\nm 1\n");
        var om = Om("# HELP m a \\\\ b \\n c \\\" d\n# EOF\n");

        Assert.Equal("a \\ b \n c \\\" d", prom.Metadata.Single().Help);
        Assert.Equal(MetricType.Gauge, prom.Metadata.Single().Type);
        Assert.Equal("a \\ b \n c \" d", om.Metadata.Single().Help);
    }

    [Theory]
    [InlineData("counter", MetricType.Counter)]
    [InlineData("gauge", MetricType.Gauge)]
    [InlineData("histogram", MetricType.Histogram)]
    [InlineData("summary", MetricType.Summary)]
    [InlineData("untyped", MetricType.Unknown)]
    public void Parse_PrometheusType_IsRecorded(string type, MetricType expected)
    {
        var result = Prom($"# TYPE m {type}\n");

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(expected, result.Metadata.Single().Type);
    }

    [Theory]
    [InlineData("counter", MetricType.Counter)]
    [InlineData("gauge", MetricType.Gauge)]
    [InlineData("histogram", MetricType.Histogram)]
    [InlineData("gaugehistogram", MetricType.GaugeHistogram)]
    [InlineData("summary", MetricType.Summary)]
    [InlineData("info", MetricType.Info)]
    [InlineData("stateset", MetricType.StateSet)]
    [InlineData("unknown", MetricType.Unknown)]
    public void Parse_OpenMetricsType_IsRecorded(string type, MetricType expected)
    {
        var result = Om($"# TYPE m {type}\n# EOF\n");

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(expected, result.Metadata.Single().Type);
    }

    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("1.0", "1.0")]
    [InlineData("1e0", "1.0")]
    [InlineData("0", "0.0")]
    [InlineData("-1", "-1.0")]
    [InlineData("2.5", "2.5")]
    [InlineData("10", "10.0")]
    [InlineData("100000", "100000.0")]
    [InlineData("1000000", "1e+06")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("123456.7", "123456.7")]
    [InlineData("1.5e10", "1.5e+10")]
    [InlineData("+Inf", "+Inf")]
    [InlineData("+inf", "+Inf")]
    [InlineData("not-a-number", "not-a-number")]
    public void Parse_HistogramLe_IsNormalisedAsPrometheus(string le, string expected)
    {
        var result = Prom($"# TYPE h histogram\nh_bucket{{le=\"{le}\"}} 1\n");

        Assert.Equal(expected, Single(result).Labels.Get("le"));
    }

    [Fact]
    public void Parse_LeOutsideHistogram_IsKeptAsWritten()
    {
        Assert.Equal("1", Single(Prom("# TYPE g gauge\ng{le=\"1\"} 1\n")).Labels.Get("le"));
        Assert.Equal("0.50", Single(Prom("# TYPE h histogram\nh{quantile=\"0.50\"} 1\n")).Labels.Get("quantile"));
    }

    [Fact]
    public void Parse_SummaryQuantile_IsNormalised()
    {
        Assert.Equal("0.5", Single(Om("# TYPE s summary\ns{quantile=\"0.50\"} 1\n# EOF\n")).Labels.Get("quantile"));
        Assert.Equal("1.0", Single(Prom("# TYPE s summary\ns{quantile=\"1\"} 1\n")).Labels.Get("quantile"));
    }

    [Fact]
    public void Parse_OpenMetricsTimestamp_IsSecondsWithFraction()
    {
        Assert.Equal(1_700_000_000_123, Single(Om("m 1 1700000000.123456\n# EOF\n")).TimestampMs);
        Assert.Equal(1_700_000_000_000, Single(Om("m 1 1.7e9\n# EOF\n")).TimestampMs);
    }

    [Fact]
    public void Parse_Exemplars_NeverBecomeSamples()
    {
        var result = Om("""
            # TYPE c counter
            c_total 5 # {trace_id="abc",span_id="def"} 1.5 1700000000.5
            c_total{a="b"} 6 1700000000 # {} 2
            # EOF

            """.Replace("\r", ""));

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(2, result.Samples.Count);
        Assert.All(result.Samples, s => Assert.Null(s.Labels.Get("trace_id")));
        Assert.Equal(5, result.Samples[0].Value);
        Assert.Equal(1_700_000_000_000, result.Samples[1].TimestampMs);
    }

    [Fact]
    public void Parse_OpenMetricsWithoutFinalNewlineAfterEof_Succeeds()
    {
        Assert.True(Om("m 1\n# EOF").IsSuccess);
    }

    [Fact]
    public void Parse_EmptyPrometheusBody_SucceedsWithNothing()
    {
        var result = Prom("");

        Assert.True(result.IsSuccess);
        Assert.Empty(result.Samples);
    }

    [Fact]
    public void Parse_EmptyLabelValue_DropsLabel()
    {
        Assert.Equal(LabelSet.From(("__name__", "m")), Single(Prom("m{a=\"\"} 1\n")).Labels);
    }

    // ---- errors: line:col and reason ----

    [Theory]
    [InlineData("m{a=\"1\",a=\"2\"} 1\n", 1, 9, "duplicate label name \"a\"")]
    [InlineData("m{__name__=\"x\"} 1\n", 1, 3, "duplicate label name \"__name__\"")]
    [InlineData("ok 1\nm{a=\"1} 1\n", 2, 5, "unterminated label value")]
    [InlineData("m{a=1} 1\n", 1, 5, "expected label value in double quotes")]
    [InlineData("m{a} 1\n", 1, 4, "expected '=' after label name")]
    [InlineData("m{1a=\"x\"} 1\n", 1, 3, "expected label name")]
    [InlineData("m{,} 1\n", 1, 3, "expected label name")]
    [InlineData("m{a=\"1\" 1\n", 1, 9, "expected label name")]
    [InlineData("m{a=\"1\"\n", 1, 8, "unexpected end of line in label set")]
    [InlineData("m\n", 1, 2, "expected value after metric")]
    [InlineData("m 1 abc\n", 1, 5, "expected timestamp")]
    [InlineData("m 1 -5\n", 1, 5, "expected timestamp")]
    [InlineData("m 1 99999999999999999999\n", 1, 5, "timestamp out of range")]
    [InlineData("m 1 10 11\n", 1, 8, "expected end of line after timestamp")]
    [InlineData("{a=\"1\"} 1\n", 1, 1, "expected metric name before '{'")]
    [InlineData("9m 1\n", 1, 1, "expected metric name")]
    [InlineData("m{\"a\"=\"1\"} 1\n", 1, 3, "quoted label names are not supported")]
    [InlineData("# TYPE m bogus\n", 1, 10, "invalid metric type \"bogus\"")]
    [InlineData("# TYPE m gaugehistogram\n", 1, 10, "invalid metric type \"gaugehistogram\"")]
    [InlineData("# TYPE m  counter\n", 1, 10, "invalid metric type \" counter\"")]
    [InlineData("# HELP 1m text\n", 1, 8, "expected metric name after HELP")]
    [InlineData("m 1", 1, 4, "data does not end with a newline")]
    [InlineData("a 1\nb 2\r\n", 2, 3, "invalid value")]
    public void Parse_MalformedPrometheusLine_ReportsLineColumnAndReason(string text, int line, int column, string reason)
    {
        AssertError(Prom(text), line, column, reason);
    }

    [Theory]
    [InlineData("m 1\n", 2, 1, "data does not end with # EOF")]
    [InlineData("m 1\n# EOF\nm 2\n", 3, 1, "unexpected data after # EOF")]
    [InlineData("m 1\n# EOF\n\n", 3, 1, "unexpected data after # EOF")]
    [InlineData("\n# EOF\n", 1, 1, "blank lines are not allowed")]
    [InlineData("# random comment\n# EOF\n", 1, 1, "OpenMetrics allows no other comments")]
    [InlineData(" m 1\n# EOF\n", 1, 1, "expected metric name")]
    [InlineData("m  1\n# EOF\n", 1, 3, "expected value after metric")]
    [InlineData("m{a=\"1\", b=\"2\"} 1\n# EOF\n", 1, 9, "expected label name")]
    [InlineData("m{a=\"1\"b=\"2\"} 1\n# EOF\n", 1, 8, "expected ',' or '}'")]
    [InlineData("m 1 NaN\n# EOF\n", 1, 5, "invalid timestamp")]
    [InlineData("m 1 abc\n# EOF\n", 1, 5, "invalid timestamp \"abc\"")]
    [InlineData("m 1 1 2\n# EOF\n", 1, 7, "expected end of line or exemplar")]
    [InlineData("m 1 # {a=\"b\"}\n# EOF\n", 1, 14, "expected a space and a value after exemplar labels")]
    [InlineData("m 1 # {a=\"b\"} x\n# EOF\n", 1, 15, "invalid exemplar value \"x\"")]
    [InlineData("m 1 # {a=\"b\"} 1 2 3\n# EOF\n", 1, 18, "expected end of line after exemplar timestamp")]
    [InlineData("m 1 # {a=b} 1\n# EOF\n", 1, 10, "expected label value")]
    [InlineData("# TYPE m untyped\n# EOF\n", 1, 10, "invalid metric type \"untyped\"")]
    [InlineData("# UNIT m_bytes seconds\n# EOF\n", 1, 16, "unit \"seconds\" not a suffix of metric \"m_bytes\"")]
    [InlineData("# HELP m\n# EOF\n", 1, 9, "expected text in HELP")]
    public void Parse_MalformedOpenMetricsLine_ReportsLineColumnAndReason(string text, int line, int column, string reason)
    {
        AssertError(Om(text), line, column, reason);
    }

    [Fact]
    public void Parse_InvalidUtf8InLabelValue_Fails()
    {
        var bytes = new byte[] { (byte)'m', (byte)'{', (byte)'a', (byte)'=', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}', (byte)' ', (byte)'1', (byte)'\n' };

        AssertError(ExpositionParser.Parse(bytes, ExpositionFormat.PrometheusText, ScrapeMs), 1, 6, "invalid UTF-8 in label value");
    }

    [Fact]
    public void Parse_InvalidUtf8InHelp_Fails()
    {
        var bytes = Encoding.UTF8.GetBytes("# HELP m bad \0\n").ToArray();
        bytes[^2] = 0xFF;

        AssertError(ExpositionParser.Parse(bytes, ExpositionFormat.PrometheusText, ScrapeMs), 1, 10, "help text is not valid UTF-8");
    }

    [Fact]
    public void Error_Text_IsLineColonColumnColonReason()
    {
        var result = Prom("ok 1\nm{a=\"1\",a=\"2\"} 1\n");

        Assert.Equal("line 2:9: duplicate label name \"a\"", result.Error);
    }

    [Fact]
    public void Parse_SeveralBadLines_ReportsEachAndFailsWholeScrape()
    {
        var result = Prom("a 1\nb x\nc 3\nd{ 4\n");

        Assert.False(result.IsSuccess);
        Assert.Empty(result.Samples);
        Assert.Equal([2, 4], result.Errors.Select(e => e.Line));
    }

    // ---- bounds ----

    [Fact]
    public void Parse_MoreSamplesThanLimit_FailsWithSampleLimitMessage()
    {
        var result = Prom("a 1\nb 2\nc 3\n", new ExpositionParserOptions { SampleLimit = 2 });

        AssertError(result, 3, 1, "sample limit of 2 exceeded");
        Assert.Single(result.Errors);
    }

    [Fact]
    public void Parse_SamplesAtLimit_Succeeds()
    {
        Assert.True(Prom("a 1\nb 2\n", new ExpositionParserOptions { SampleLimit = 2 }).IsSuccess);
    }

    [Fact]
    public void Parse_LineLongerThanLimit_Fails()
    {
        var result = Prom($"m{{a=\"{new string('x', 100)}\"}} 1\n", new ExpositionParserOptions { MaxLineLength = 64 });

        AssertError(result, 1, 65, "line longer than 64 bytes");
    }

    [Fact]
    public void Parse_TooManyLabels_Fails()
    {
        var options = new ExpositionParserOptions { MaxLabelCount = 2 };

        Assert.True(Prom("m{a=\"1\",b=\"2\"} 1\n", options).IsSuccess);
        AssertError(Prom("m{a=\"1\",b=\"2\",c=\"3\"} 1\n", options), 1, 15, "too many labels (limit 2)");
    }

    [Fact]
    public void Parse_ManyBadLines_StopsAtMaxErrors()
    {
        var text = string.Concat(Enumerable.Repeat("bad line\n", 50));

        Assert.Equal(10, Prom(text, new ExpositionParserOptions { MaxErrors = 10 }).Errors.Count);
    }

    [Fact]
    public void Parse_OptionOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Prom("m 1\n", new ExpositionParserOptions { SampleLimit = 0 }));
    }

    [Fact]
    public async Task ParseAsync_BodyWithinCap_ParsesEverything()
    {
        var page = Fixture("node_exporter.prom");
        using var stream = new TrickleStream(page, chunk: 7);

        var result = await ExpositionParser.ParseAsync(stream, ExpositionFormat.PrometheusText, ScrapeMs);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(ExpositionParser.Parse(page, ExpositionFormat.PrometheusText, ScrapeMs).Samples, result.Samples);
    }

    [Fact]
    public async Task ParseAsync_BodyLargerThanCap_FailsWithoutParsing()
    {
        var page = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("m 1\n", 100_000)));
        using var stream = new TrickleStream(page, chunk: 4096);

        var result = await ExpositionParser.ParseAsync(stream, ExpositionFormat.PrometheusText, ScrapeMs, new ExpositionParserOptions { MaxBodyBytes = 100_000 });

        Assert.Equal("line 1:1: body larger than 100000 bytes", result.Error);
        Assert.Empty(result.Samples);
    }

    [Fact]
    public async Task ParseAsync_BodyExactlyAtCap_Succeeds()
    {
        var page = Encoding.UTF8.GetBytes("m 1\n# EOF\n");
        using var stream = new MemoryStream(page);

        var result = await ExpositionParser.ParseAsync(stream, ExpositionFormat.OpenMetrics, ScrapeMs, new ExpositionParserOptions { MaxBodyBytes = page.Length });

        Assert.True(result.IsSuccess, result.Error);
    }

    // A stream that hands out at most a few bytes per read, as a slow network does.
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    // ---- robustness ----

    [Fact]
    public void Parse_RandomMutationsOfValidPages_NeverThrow()
    {
        const int seed = 20261123;
        var random = new Random(seed);
        var pages = new (byte[] Bytes, ExpositionFormat Format)[]
        {
            (Fixture("node_exporter.prom"), ExpositionFormat.PrometheusText),
            (Fixture("go_client.prom"), ExpositionFormat.PrometheusText),
            (Fixture("openmetrics.om"), ExpositionFormat.OpenMetrics),
            (Fixture("openmetrics.om"), ExpositionFormat.PrometheusText),
        };
        var interesting = "{}\"\\=, \t\n#+-.eE_pNI0123456789\u00ff"u8.ToArray();

        for (var iteration = 0; iteration < 5000; iteration++)
        {
            var (page, format) = pages[random.Next(pages.Length)];
            var bytes = Mutate(page, random, interesting);
            try
            {
                var result = ExpositionParser.Parse(bytes, format, ScrapeMs, new ExpositionParserOptions { SampleLimit = 500 });
                Assert.True(result.IsSuccess ? result.Errors.Count == 0 : result.Errors.Count > 0 && result.Samples.Count == 0);
                Assert.All(result.Errors, e => Assert.True(e.Line >= 1 && e.Column >= 1, e.ToString()));
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, iteration {iteration}: {ex}");
            }
        }
    }

    private static byte[] Mutate(byte[] page, Random random, byte[] interesting)
    {
        var list = new List<byte>(page);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits && list.Count > 0; e++)
        {
            var at = random.Next(list.Count);
            switch (random.Next(5))
            {
                case 0:
                    list[at] = interesting[random.Next(interesting.Length)];
                    break;
                case 1:
                    list.Insert(at, interesting[random.Next(interesting.Length)]);
                    break;
                case 2:
                    list.RemoveAt(at);
                    break;
                case 3:
                    list[at] = (byte)random.Next(256);
                    break;
                default:
                    list.RemoveRange(at, Math.Min(list.Count - at, random.Next(1, 40)));
                    break;
            }
        }

        return [.. list];
    }
}
