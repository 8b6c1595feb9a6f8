using System.Text.Json;
using Vigil.Core.Checks;

namespace Vigil.Core.Tests.Checks;

public sealed class JsonPathTests
{
    private const string Document = """
        {"id": 7, "name": "vigil", "tags": ["a", "b", "c"], "odd key": {"x": 1},
         "orders": [{"id": 1, "lines": [{"sku": "s1"}]}, {"id": 2, "lines": [{"sku": "s2"}, {"sku": "s3"}]}]}
        """;

    private static List<string> Select(string path)
    {
        using var document = JsonDocument.Parse(Document);
        return [.. JsonPath.Parse(path).Evaluate(document.RootElement).Select(JsonPath.Format)];
    }

    [Theory]
    [InlineData("$", 1)]
    [InlineData("$.id", 1)]
    [InlineData("$.tags[*]", 3)]
    [InlineData("$.orders[*].lines[*].sku", 3)]
    [InlineData("$..sku", 3)]
    [InlineData("$..id", 3)]
    [InlineData("$.missing", 0)]
    [InlineData("$.tags[9]", 0)]
    [InlineData("$.id.deeper", 0)]
    public void Evaluate_SelectsTheExpectedNumberOfValues(string path, int count) =>
        Assert.Equal(count, Select(path).Count);

    [Fact]
    public void Evaluate_MembersIndexesAndQuotedNames_SelectTheirValues()
    {
        Assert.Equal(["7"], Select("$.id"));
        Assert.Equal(["vigil"], Select("$['name']"));
        Assert.Equal(["1"], Select("$['odd key'].x"));
        Assert.Equal(["c"], Select("$.tags[-1]"));
        Assert.Equal(["b"], Select("$[\"tags\"][1]"));
        Assert.Equal(["s1", "s2", "s3"], Select("$..sku"));
        Assert.Equal(["7", "1", "2"], Select("$..id"));
        Assert.Equal(["vigil"], Select("$.*").Where(v => v == "vigil"));
    }

    [Theory]
    [InlineData("", "a JSON path starts with '$'")]
    [InlineData("id", "a JSON path starts with '$'")]
    [InlineData("$.", "expected a member name at character 3")]
    [InlineData("$.a[", "expected ']' to close '[' at character 4")]
    [InlineData("$.a[x]", "expected an index, '*' or a quoted name inside '[' at character 4")]
    [InlineData("$.a['b]", "unclosed quote opened at character 5")]
    [InlineData("$a", "unexpected 'a' at character 2 (expected '.' or '[')")]
    [InlineData("$[?(@.x)]", "expected an index, '*' or a quoted name inside '[' at character 2")]
    public void TryParse_Invalid_SaysWhatAndWhere(string path, string expected)
    {
        Assert.False(JsonPath.TryParse(path, out _, out var error));
        Assert.Equal(expected, error);
    }
}
