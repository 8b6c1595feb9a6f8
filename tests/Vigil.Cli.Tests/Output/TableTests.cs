using Vigil.Cli.Output;

namespace Vigil.Cli.Tests.Output;

public sealed class TableTests
{
    [Fact]
    public void WriteTo_Rows_AlignsColumnsWithoutTrailingSpaces()
    {
        var table = new Table("ID", "NAME", "SCOPE");
        table.Add("key_1", "a-much-longer-name", "admin");
        table.Add("key_22", "ci", null);
        using var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.Equal(
            "ID      NAME                SCOPE\n" +
            "key_1   a-much-longer-name  admin\n" +
            "key_22  ci                  -\n",
            writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void WriteTo_NoRows_PrintsHeaderOnly()
    {
        using var writer = new StringWriter();

        new Table("SERIES").WriteTo(writer);

        Assert.Equal("SERIES\n", writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Add_CellWithControlCharacters_IsEscapedSoRowsStayOneLine()
    {
        var table = new Table("BODY");
        table.Add("line one\nline two\u001b[31m");
        using var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.Equal("BODY\nline one\\nline two\\u001b[31m\n", writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Add_WrongCellCount_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Table("A", "B").Add("only one"));
    }
}
