using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl;

/// <summary>
/// Parses a PromQL series selector, <c>metric{label="value", other=~"re.*"}</c> or <c>{label="value"}</c>, into
/// label matchers, for <c>match[]</c> parameters. It is the PromQL parser's selector grammar: anything else (an
/// expression, a range, <c>offset</c> or <c>@</c>) is refused with the position where it starts.
/// </summary>
public static class SeriesSelectorParser
{
    /// <summary>Parses a selector; throws <see cref="PromQlParseException"/> with the position of the error.</summary>
    public static IReadOnlyList<LabelMatcher> Parse(string text)
    {
        var expr = PromQlParser.Parse(text);
        return expr switch
        {
            VectorSelector { Offset.Ticks: 0, At: null } selector => selector.Matchers,
            VectorSelector selector => throw new PromQlParseException("a series selector takes no offset or @ modifier", selector.Position),
            _ => throw new PromQlParseException("expected a series selector such as metric{label=\"value\"}", expr.Position),
        };
    }
}
