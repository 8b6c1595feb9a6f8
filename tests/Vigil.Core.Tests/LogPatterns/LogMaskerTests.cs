using Vigil.Core.LogPatterns;

namespace Vigil.Core.Tests.LogPatterns;

public sealed class LogMaskerTests
{
    public static TheoryData<string, string> Scenarios()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "LogPatterns", "testdata", "masking.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            data.Add(line[..arrow], line[(arrow + 4)..]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Mask_Scenario_GivesExpectedTokens(string input, string expected)
    {
        Assert.Equal(expected, Mask(input));
    }

    [Fact]
    public void Mask_ManyTokens_FoldsTheRestIntoTheLastToken()
    {
        var body = string.Join(' ', Enumerable.Range(0, 10).Select(i => "w" + new string('x', i)));
        var output = new char[LogMasker.OutputCapacity(body.Length)];
        var starts = new int[3];
        var lengths = new int[3];

        var count = LogMasker.Mask(body, output, starts, lengths, maxTokens: 3);

        Assert.Equal(3, count);
        Assert.Equal("wx", new string(output, starts[1], lengths[1]));
        Assert.StartsWith("wxx wxxx", new string(output, starts[2], lengths[2]), StringComparison.Ordinal);
    }

    internal static string Mask(string input)
    {
        var output = new char[LogMasker.OutputCapacity(input.Length)];
        var starts = new int[64];
        var lengths = new int[64];
        var count = LogMasker.Mask(input, output, starts, lengths, 64);
        return string.Join(' ', Enumerable.Range(0, count).Select(i => new string(output, starts[i], lengths[i])));
    }
}
