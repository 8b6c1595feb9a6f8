using Vigil.Core.LogPatterns.Evaluation;

namespace Vigil.Core.Tests.LogPatterns.Evaluation;

public sealed class CsvTableTests
{
    [Fact]
    public void Parse_QuotedFieldsWithCommasQuotesAndLineBreaks_KeepsThemInOneField()
    {
        var text = "LineId,Content,EventTemplate\r\n" +
            "1,\"Registered signal handlers for [TERM, HUP, INT]\",\"Registered signal handlers for [TERM, HUP, INT]\"\r\n" +
            "2,\"say \"\"hi\"\", then go\",say <*>\n" +
            "3,\"two\nlines\",x\n";

        var table = CsvTable.Parse(text);

        Assert.Equal(["LineId", "Content", "EventTemplate"], table.Header);
        Assert.Equal(["Registered signal handlers for [TERM, HUP, INT]", "say \"hi\", then go", "two\nlines"], table.Column("Content"));
        Assert.Equal(["1", "2", "3"], table.Column("LineId"));
    }

    [Fact]
    public void Parse_NoTrailingNewlineAndEmptyFields_Works()
    {
        var table = CsvTable.Parse("a,b,c\n1,,3\n4,5");

        Assert.Equal(["", "5"], table.Column("b"));
        Assert.Equal(["3", ""], table.Column("c"));
    }

    [Fact]
    public void Parse_UnclosedQuote_SaysWhere()
    {
        var error = Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,b\n1,2\n3,\"open", "x.csv"));

        Assert.Contains("x.csv: line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Column_Missing_NamesTheColumns()
    {
        var error = Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,b\n1,2").Column("Content"));

        Assert.Contains("'Content'", error.Message, StringComparison.Ordinal);
        Assert.Contains("a, b", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void Quote_RoundTrips(string field, string quoted)
    {
        Assert.Equal(quoted, CsvTable.Quote(field));
        Assert.Equal([field], CsvTable.Parse("h\n" + quoted).Column("h"));
    }
}
