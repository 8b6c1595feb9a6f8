using Vigil.Core.Declarative;

namespace Vigil.Core.Tests.Declarative;

public sealed class YamlDocumentsTests
{
    [Fact]
    public void Split_ThreeDocumentsWithCommentsAndMarkers_KeepsLineOffsets()
    {
        var text = "# plans for the shop\n---\na: 1\nb: 2\n---   # second\nc: 3\n\n---\n# only a comment\n---\r\nd: 4\r\n";

        var documents = YamlDocuments.Split("f.yaml", text);

        Assert.Equal(
            [("---\na: 1\nb: 2\n", 1), ("---   # second\nc: 3\n", 4), ("---\nd: 4\n", 9)],
            documents.Select(d => (d.Text, d.LineOffset)));
        Assert.All(documents, d => Assert.Equal("f.yaml", d.File));
    }

    [Fact]
    public void Split_NoMarker_IsOneDocumentAtOffsetZero()
    {
        var document = Assert.Single(YamlDocuments.Split("f.yaml", "a: 1\nlist:\n  - '---'\n"));

        Assert.Equal(0, document.LineOffset);
    }

    [Fact]
    public void Split_OnlyCommentsAndBlanks_HasNoDocuments()
    {
        Assert.Empty(YamlDocuments.Split("f.yaml", "# nothing\n\n---\n...\n"));
    }

    [Fact]
    public void Normalize_DropsALeadingBareMarkerAndTrailingBlanks()
    {
        Assert.Equal("a: 1\n", YamlDocuments.Normalize("---\r\na: 1\r\n\r\n"));
        Assert.Equal("--- # kept\na: 1\n", YamlDocuments.Normalize("--- # kept\na: 1"));
    }
}
