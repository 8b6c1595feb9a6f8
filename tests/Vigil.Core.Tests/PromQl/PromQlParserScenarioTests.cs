using System.Globalization;
using Vigil.Core.PromQl;

namespace Vigil.Core.Tests.PromQl;

/// <summary>Runs the plain-text parser scenarios in <c>testdata/parse.txt</c>.</summary>
public sealed class PromQlParserScenarioTests
{
    private const string ScenarioFile = "tests/Vigil.Core.Tests/PromQl/testdata/parse.txt";

    public static TheoryData<int, string> Scenarios()
    {
        var data = new TheoryData<int, string>();
        var lines = File.ReadAllLines(LocateScenarioFile());
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                data.Add(i + 1, line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Parse_Scenario_MatchesExpectation(int lineNumber, string scenario)
    {
        var arrow = scenario.LastIndexOf(" => ", StringComparison.Ordinal);
        Assert.True(arrow > 0, $"line {lineNumber}: missing ' => '");
        var query = scenario[(scenario.IndexOf(':', StringComparison.Ordinal) + 1)..arrow].Trim();
        var expected = scenario[(arrow + 4)..].Trim();

        if (scenario.StartsWith("valid:", StringComparison.Ordinal))
        {
            var printed = PromQlParser.Parse(query).ToString();
            Assert.Equal(expected, printed);
            Assert.Equal(printed, PromQlParser.Parse(printed).ToString());
        }
        else
        {
            Assert.StartsWith("invalid:", scenario, StringComparison.Ordinal);
            var colon = expected.IndexOf(':', StringComparison.Ordinal);
            var position = int.Parse(expected[..colon], CultureInfo.InvariantCulture);
            var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse(query));
            Assert.Contains(expected[(colon + 1)..].Trim(), ex.Reason, StringComparison.Ordinal);
            Assert.Equal(position, ex.Position);
        }
    }

    // Prefer a copy in the output folder; the test project does not copy testdata yet, so fall back to searching
    // upwards from the output folder for the source tree.
    private static string LocateScenarioFile()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "PromQl", "testdata", "parse.txt");
        if (File.Exists(copied))
        {
            return copied;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ScenarioFile);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{ScenarioFile} not found above {AppContext.BaseDirectory}");
    }
}
