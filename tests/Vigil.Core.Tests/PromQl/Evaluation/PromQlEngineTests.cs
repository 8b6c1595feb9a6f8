using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.PromQl.Evaluation;

public sealed class PromQlEngineTests
{
    private static InMemorySeriesSource Source(int series, int samplesPerSeries)
    {
        var source = new InMemorySeriesSource();
        for (var s = 0; s < series; s++)
        {
            for (var i = 0; i < samplesPerSeries; i++)
            {
                source.Add(LabelSet.From(("__name__", "m"), ("i", s.ToString(System.Globalization.CultureInfo.InvariantCulture))), i * 15_000L, i);
            }
        }

        return source;
    }

    [Fact]
    public void InstantQuery_TooManySamples_Throws()
    {
        var engine = new PromQlEngine(Source(3, 10), new PromQlEngineOptions { MaxSamples = 20 });

        var ex = Assert.Throws<PromQlEvaluationException>(() => engine.InstantQuery("sum_over_time(m[10m])", 150_000));

        Assert.Contains("query processing would load too many samples", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RangeQuery_RangeVectorExpression_ThrowsParseException()
    {
        // Prometheus answers bad_data (400) here, not execution (422): the API maps parse exceptions to bad_data.
        var engine = new PromQlEngine(Source(1, 4), new PromQlEngineOptions());

        var ex = Assert.Throws<PromQlParseException>(() => engine.RangeQuery("m[5m]", 0, 60_000, 15_000));

        Assert.Contains("invalid expression type \"range vector\" for range query", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void InstantQuery_WithinSampleLimit_Succeeds()
    {
        var engine = new PromQlEngine(Source(3, 10), new PromQlEngineOptions { MaxSamples = 30 });

        var result = Assert.IsType<VectorResult>(engine.InstantQuery("sum_over_time(m[10m])", 150_000));

        Assert.Equal(3, result.Elements.Count);
    }

    [Fact]
    public void InstantQuery_TooManySeries_Throws()
    {
        var engine = new PromQlEngine(Source(3, 1), new PromQlEngineOptions { MaxSeries = 2 });

        var ex = Assert.Throws<PromQlEvaluationException>(() => engine.InstantQuery("m", 0));

        Assert.Contains("more than 2 series", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("holt_winters(m[5m], 0.5, 0.5)", "unsupported: function holt_winters")]
    [InlineData("histogram_count(m)", "unsupported: function histogram_count")]
    [InlineData("limitk(1, m)", "unsupported: aggregation limitk")]
    public void InstantQuery_UnsupportedFeature_ThrowsUnsupported(string query, string message)
    {
        var engine = new PromQlEngine(Source(1, 1), new PromQlEngineOptions());

        var ex = Record.Exception(() => engine.InstantQuery(query, 0));

        Assert.True(ex is PromQlEvaluationException or PromQlParseException, ex?.ToString());
        Assert.Contains(message, ex!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RangeQuery_FetchesEachSelectorOnce()
    {
        var source = Source(2, 100);
        var engine = new PromQlEngine(source, new PromQlEngineOptions());

        var result = engine.RangeQuery("rate(m[1m]) + m", 60_000, 600_000, 15_000);

        Assert.Equal(2, source.SelectSamplesCalls);
        Assert.Equal(2, result.Series.Count);
        Assert.Equal(37, result.Series[0].Samples.Count);
    }

    [Fact]
    public void RangeQuery_FetchWindow_CoversRangeLookbackAndOffset()
    {
        var source = Source(1, 10);
        var engine = new PromQlEngine(source, new PromQlEngineOptions());

        engine.RangeQuery("rate(m[1m] offset 30s) + m", 60_000, 600_000, 15_000);

        // Left-open windows: the first sample that can matter is just after start - range - offset (or - lookback).
        Assert.Equal([(-29_999L, 570_000L), (-239_999L, 600_000L)], source.Windows);
    }

    [Fact]
    public void InstantQuery_AtModifier_FetchesAroundTheAtTime()
    {
        var source = Source(1, 10);
        var engine = new PromQlEngine(source, new PromQlEngineOptions());

        engine.InstantQuery("m @ 100", 1_000_000);

        Assert.Equal([(-199_999L, 100_000L)], source.Windows);
    }

    [Fact]
    public void InstantQuery_String_ReturnsString()
    {
        var engine = new PromQlEngine(Source(1, 1), new PromQlEngineOptions());

        var result = Assert.IsType<StringResult>(engine.InstantQuery("\"hello\"", 5_000));

        Assert.Equal(new StringResult(5_000, "hello"), result);
    }

    [Fact]
    public void InstantQuery_VectorElements_CarryEvaluationTime()
    {
        var engine = new PromQlEngine(Source(1, 3), new PromQlEngineOptions());

        var result = Assert.IsType<VectorResult>(engine.InstantQuery("m", 40_000));

        Assert.Equal(40_000, result.Elements.Single().TimestampMs);
        Assert.Equal(2, result.Elements.Single().Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void RangeQuery_NonPositiveStep_Throws(long step)
    {
        var engine = new PromQlEngine(Source(1, 1), new PromQlEngineOptions());

        Assert.Throws<PromQlEvaluationException>(() => engine.RangeQuery("m", 0, 10, step));
    }

    [Fact]
    public void RangeQuery_StepsAtLimit_Succeeds()
    {
        var engine = new PromQlEngine(Source(1, 1), new PromQlEngineOptions { MaxSteps = 10 });

        var result = engine.RangeQuery("vector(1)", 0, 10_000, 1_000);

        Assert.Equal(11, result.Series.Single().Samples.Count);
    }

    [Fact]
    public void RangeQuery_TooManySteps_Throws()
    {
        var engine = new PromQlEngine(Source(1, 1), new PromQlEngineOptions { MaxSteps = 10 });

        var ex = Assert.Throws<PromQlEvaluationException>(() => engine.RangeQuery("m", 0, 100_000, 1_000));

        Assert.Contains("exceeded maximum resolution", ex.Message, StringComparison.Ordinal);
    }
}
