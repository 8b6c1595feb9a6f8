using Vigil.Core.PromQl;
using Vigil.Core.Telemetry;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Core.Tests.PromQl;

public sealed class SeriesSelectorParserTests
{
    [Fact]
    public void Parse_NameAndAllMatcherKinds_ReturnsMatchers()
    {
        var matchers = SeriesSelectorParser.Parse("http_requests_total{job=\"api\", code!=\"200\", path=~\"/v1/.*\", method!~'GET|HEAD',}");

        Assert.Collection(
            matchers,
            m => Assert.Equal(("__name__", MatchType.Equal, "http_requests_total"), (m.Name, m.Type, m.Value)),
            m => Assert.Equal(("job", MatchType.Equal, "api"), (m.Name, m.Type, m.Value)),
            m => Assert.Equal(("code", MatchType.NotEqual, "200"), (m.Name, m.Type, m.Value)),
            m => Assert.Equal(("path", MatchType.Regex, "/v1/.*"), (m.Name, m.Type, m.Value)),
            m => Assert.Equal(("method", MatchType.NotRegex, "GET|HEAD"), (m.Name, m.Type, m.Value)));
    }

    [Fact]
    public void Parse_EscapesInValues_AreDecoded()
    {
        var matcher = Assert.Single(SeriesSelectorParser.Parse("{msg=\"a \\\"quoted\\\" \\n line\"}"));
        Assert.Equal("a \"quoted\" \n line", matcher.Value);
    }

    [Theory]
    [InlineData("", 0, "no expression found")]
    [InlineData("{job=~\".*\"}", 0, "non-empty matcher")]
    [InlineData("up{job=\"a\"", 2, "unclosed")]
    [InlineData("up{job=\"a}", 7, "unterminated")]
    [InlineData("up{job~\"a\"}", 6, "unexpected character")]
    [InlineData("rate(up[5m])", 0, "expected a series selector")]
    [InlineData("up offset 5m", 0, "no offset")]
    [InlineData("up{job=~\"(\"}", 8, "regular expression")]
    [InlineData("up job", 3, "unexpected")]
    public void Parse_BadSelector_ThrowsWithPosition(string text, int position, string reason)
    {
        var ex = Assert.Throws<PromQlParseException>(() => SeriesSelectorParser.Parse(text));
        Assert.Equal(position, ex.Position);
        Assert.Contains(reason, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Matcher_AbsentLabel_MatchesAsEmptyString()
    {
        var labels = LabelSet.From(("__name__", "up"), ("job", "api"));
        Assert.True(new LabelMatcher("zone", MatchType.Equal, "").Matches(labels));
        Assert.False(new LabelMatcher("zone", MatchType.NotEqual, "").Matches(labels));
        Assert.True(new LabelMatcher("job", MatchType.Regex, "a.i").Matches(labels));
        Assert.False(new LabelMatcher("job", MatchType.Regex, "a").Matches(labels)); // anchored
    }
}
