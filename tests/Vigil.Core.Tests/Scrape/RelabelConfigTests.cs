using Vigil.Core.Scrape;

namespace Vigil.Core.Tests.Scrape;

public sealed class RelabelConfigTests
{
    [Fact]
    public void TryCreate_Defaults_AreThoseOfPrometheus()
    {
        var step = RelabelConfig.Create(RelabelAction.Replace, targetLabel: "x");
        Assert.Equal(";", step.Separator);
        Assert.Equal("(.*)", step.RegexText);
        Assert.Equal("$1", step.Replacement);
    }

    [Theory]
    [InlineData("(unclosed", "invalid regex")]
    [InlineData("a++", "invalid regex")]
    [InlineData("(a)\\1", "regex")]
    [InlineData("(?=x)", "regex")]
    public void TryCreate_InvalidOrBacktrackingRegex_IsRejected(string regex, string expected)
    {
        var step = RelabelConfig.TryCreate(RelabelAction.Keep, ["a"], null, null, regex, null, null, out var errors);
        Assert.Null(step);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal) && e.Contains(regex, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(RelabelAction.Replace, null, null, "requires 'target_label'")]
    [InlineData(RelabelAction.HashMod, "t", null, "non-zero modulus")]
    [InlineData(RelabelAction.Lowercase, "1bad", null, "invalid 'target_label'")]
    [InlineData(RelabelAction.Replace, "bad-name", null, "invalid 'target_label'")]
    [InlineData(RelabelAction.LabelDrop, "t", null, "requires only 'regex'")]
    [InlineData(RelabelAction.KeepEqual, null, null, "requires 'target_label'")]
    [InlineData(RelabelAction.DropEqual, "t", "x", "requires only 'source_labels' and 'target_label'")]
    public void TryCreate_InvalidCombination_IsRejectedWithPrometheusReason(RelabelAction action, string? target, string? regex, string expected)
    {
        var step = RelabelConfig.TryCreate(action, ["a"], null, target, regex, null, null, out var errors);
        Assert.Null(step);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TryCreate_InvalidSourceLabel_IsRejected()
    {
        Assert.Null(RelabelConfig.TryCreate(RelabelAction.Keep, ["ok", "not-ok"], null, null, null, null, null, out var errors));
        Assert.Contains(errors, e => e.Contains("\"not-ok\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("REPLACE", RelabelAction.Replace)]
    [InlineData("labelmap", RelabelAction.LabelMap)]
    [InlineData("KeepEqual", RelabelAction.KeepEqual)]
    public void TryParseAction_IsCaseInsensitive(string text, RelabelAction expected)
    {
        Assert.True(RelabelConfig.TryParseAction(text, out var action));
        Assert.Equal(expected, action);
    }

    [Fact]
    public void TryParseAction_Unknown_IsFalse() => Assert.False(RelabelConfig.TryParseAction("rename", out _));
}
