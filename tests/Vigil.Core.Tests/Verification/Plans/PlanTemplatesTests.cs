using Vigil.Core.PromQl;
using Vigil.Core.Verification.Plans;

namespace Vigil.Core.Tests.Verification.Plans;

public sealed class PlanTemplatesTests
{
    [Fact]
    public void Find_ReturnsKnownAndUnknownPlaceholdersWithOffsets()
    {
        var found = PlanTemplates.Find("a{x=\"{{service}}\"}[{{ window }}]");

        Assert.Equal([new PlanPlaceholder("service", 5, 11), new PlanPlaceholder(" window ", 19, 12)], found);
    }

    [Fact]
    public void Fill_ReplacesPlaceholders_AndMapsEveryCharacterBackToTheTemplate()
    {
        var template = "rate(m{s=\"{{service}}\"}[{{interval}}]) +";
        var filled = PlanTemplates.Fill(template, PlanTemplates.SampleValues(TimeSpan.FromSeconds(30)), out var map);

        Assert.Equal("rate(m{s=\"checkout\"}[30s]) +", filled);
        Assert.Equal(filled.Length + 1, map.Length);
        Assert.Equal(template.IndexOf('}', StringComparison.Ordinal) + 2, map[filled.IndexOf('"', 11)]); // the quote after the service
        Assert.Equal(template.IndexOf("{{interval", StringComparison.Ordinal), map[filled.IndexOf("30s", StringComparison.Ordinal)]);
        Assert.Equal(template.Length, map[^1]);
    }

    [Fact]
    public void SelectedMetricNames_FindsNamesInEveryPartOfAQuery()
    {
        var expr = PromQlParser.Parse("sum(rate(a_total[5m])) / on() group_left max_over_time(b[1m:10s]) + {__name__=\"c\"} - count(d) + -e + (f) + topk(1, g) unless {__name__=~\"h.*\"}");

        Assert.Equal(["a_total", "b", "c", "d", "e", "f", "g"], PlanTemplates.SelectedMetricNames(expr));
    }
}
