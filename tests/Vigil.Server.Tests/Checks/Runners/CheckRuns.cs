using Vigil.Core.Checks;
using Vigil.Core.Declarative;

namespace Vigil.Server.Tests.Checks.Runners;

/// <summary>Builds checks from YAML (so the tests go through the reader too) and runs them with the real clock.</summary>
internal static class CheckRuns
{
    /// <summary>A check of <paramref name="type"/> whose type section is <paramref name="section"/> (indented by 4), with spec lines <paramref name="spec"/> (indented by 2).</summary>
    public static CheckDefinition Parse(string type, string section, string spec = "timeout: 5s")
    {
        var yaml = $"""
            apiVersion: vigil/v1
            kind: Check
            metadata:
              name: t
            spec:
              type: {type}
            {Indent(spec, 2)}
              {type}:
            {Indent(section, 4)}
            """;
        var errors = new List<DocumentError>();
        var check = CheckYaml.Parse("test.yaml", yaml, errors);
        Assert.True(check is not null, $"{string.Join("\n", errors)}\n---\n{yaml}");
        return check!;
    }

    public static Task<CheckResult> RunAsync(CheckDefinition check, Func<string, string?>? secrets = null) =>
        new CheckExecutor(TimeProvider.System).RunAsync(check, new CheckRunContext("local", TimeProvider.System.GetUtcNow(), secrets ?? (_ => null)), CancellationToken.None);

    public static async Task<CheckResult> RunAsync(string type, string section, string spec = "timeout: 5s", Func<string, string?>? secrets = null) =>
        await RunAsync(Parse(type, section, spec), secrets);

    /// <summary>The result as text for assertion messages.</summary>
    public static string Show(CheckResult result) =>
        $"{result.Outcome}: {result.Reason}\nassertions: {string.Join("; ", result.Assertions.Select(a => $"{a.Description}={a.Passed} ({a.Reason})"))}\n" +
        $"steps: {string.Join("; ", result.Steps.Select(s => $"{s.Name}={s.Outcome} ({s.Reason})"))}\nphases: {string.Join(", ", result.Phases.Select(p => p.Name))}";

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Trim('\n').Split('\n').Select(line => new string(' ', spaces) + line));
}
