using System.Text.RegularExpressions;
using Vigil.Core.Checks;
using Vigil.Core.Declarative;

namespace Vigil.Core.Tests.Checks;

public sealed partial class ChecksDocTests
{
    private static string DocPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "docs", "checks.md");
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail($"docs/checks.md not found above {AppContext.BaseDirectory}");
        return string.Empty;
    }

    [Fact]
    public void EveryYamlExampleInTheReference_Parses()
    {
        var blocks = YamlBlock().Matches(File.ReadAllText(DocPath())).Select(m => m.Groups[1].Value).ToList();

        Assert.True(blocks.Count >= 7, $"expected an example per type, found {blocks.Count} yaml blocks");
        foreach (var block in blocks)
        {
            var text = block.StartsWith("apiVersion", StringComparison.Ordinal) ? block : "apiVersion: vigil/v1\nkind: Check\nmetadata:\n  name: example\n" + block;
            var errors = new List<DocumentError>();
            var check = CheckYaml.Parse("checks.md", text, errors);
            Assert.True(check is not null, $"{string.Join("\n", errors)}\n---\n{text}");
        }
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
