using Vigil.Core.PromQl;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Runs;

namespace Vigil.Core.Tests.Verification.Runs;

public sealed class QueryTemplateTests
{
    private static readonly TemplateValues Values = new("checkout", "prod", "1.4.2", "1.4.1", TimeSpan.FromSeconds(90));

    [Fact]
    public void Fill_EveryPlaceholder_IsReplaced_IntervalAsPrometheusDuration()
    {
        var filled = QueryTemplate.Fill(
            "x{s=\"{{service}}\",v=\"{{version}}\",b=\"{{baseline_version}}\",e=\"{{ environment }}\"}[{{interval}}]", Values);

        Assert.Equal("x{s=\"checkout\",v=\"1.4.2\",b=\"1.4.1\",e=\"prod\"}[1m30s]", filled);
    }

    [Theory]
    [InlineData("a\"b")]
    [InlineData("back\\slash")]
    [InlineData("\\\"} or vector(1) # ")]
    [InlineData("line\nbreak\ttab")]
    public void Fill_LabelValueWithQuotesOrBackslashes_ParsesBackToTheSameValue(string service)
    {
        var filled = QueryTemplate.Fill("m{service_name=\"{{service}}\",x=\"1\"}", Values with { Service = service });

        // The escaped value stays one string literal: the query parses to a selector whose matcher holds the raw value.
        var selector = Assert.IsType<VectorSelector>(PromQlParser.Parse(filled));
        Assert.Contains(selector.Matchers, m => m.Name == "service_name" && m.Value == service);
        Assert.Contains(selector.Matchers, m => m.Name == "x" && m.Value == "1");
    }

    [Fact]
    public void Fill_NullBaseline_IsEmpty_AndUnknownPlaceholderIsLeftAsWritten()
    {
        var filled = QueryTemplate.Fill("{{baseline_version}}|{{nope}}", Values with { BaselineVersion = null });

        Assert.Equal("|{{nope}}", filled);
    }
}
