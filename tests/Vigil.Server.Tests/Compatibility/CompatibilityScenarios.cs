using Vigil.Core.Time;

namespace Vigil.Server.Tests.Compatibility;

/// <summary>One query of a scenario file, run as a range query on both servers.</summary>
/// <param name="File">The scenario file name.</param>
/// <param name="Line">The 1-based line of the query.</param>
/// <param name="Query">The PromQL text.</param>
/// <param name="StartMs">The first step, Unix milliseconds.</param>
/// <param name="EndMs">The last step, Unix milliseconds.</param>
/// <param name="StepMs">The step.</param>
/// <param name="ExpectedDifference">Why the answers must differ (Vigil follows Prometheus 3), or null when they must match.</param>
internal sealed record CompatibilityQuery(string File, int Line, string Query, long StartMs, long EndMs, long StepMs, string? ExpectedDifference)
{
    /// <summary>How many steps the range query has.</summary>
    public long Steps => ((EndMs - StartMs) / StepMs) + 1;

    /// <summary>True when the query's outermost call is <c>sort</c> or <c>sort_desc</c>: the series order is compared.</summary>
    public bool Ordered => Query.TrimStart().StartsWith("sort", StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}: {Query}";
}

/// <summary>
/// Reads the plain-text scenario files in <c>Compatibility/testdata/*.promql</c>. Every line is a query, except:
/// blank lines and lines starting with <c>#</c>; <c>range START END STEP</c>, which sets the range of the queries after
/// it (durations after the data's first second, e.g. <c>range 1h 3h 1m</c>; default <c>range 1h 3h 1m</c>); and
/// <c>expect-difference REASON</c>, which marks the next query as one whose answers must differ because Vigil follows
/// Prometheus 3 where the Prometheus 2.42 under test does not.
/// </summary>
internal static class CompatibilityScenarios
{
    /// <summary>The folder of the scenario files in the test output.</summary>
    public static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Compatibility", "testdata");

    /// <summary>Every query of every file, files in name order.</summary>
    public static IReadOnlyList<CompatibilityQuery> ReadAll() =>
        Directory.GetFiles(Folder, "*.promql").OrderBy(f => f, StringComparer.Ordinal).SelectMany(Read).ToList();

    /// <summary>The queries of one file.</summary>
    public static IReadOnlyList<CompatibilityQuery> Read(string path)
    {
        var name = Path.GetFileName(path);
        var lines = File.ReadAllLines(path);
        var start = CompatibilityData.StartMs + Ms("1h");
        var end = CompatibilityData.StartMs + Ms("3h");
        var step = Ms("1m");
        string? difference = null;
        var queries = new List<CompatibilityQuery>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("range ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 4)
                {
                    throw new FormatException($"{name}:{i + 1}: expected `range START END STEP`, got `{line}`");
                }

                start = CompatibilityData.StartMs + Ms(parts[1]);
                end = CompatibilityData.StartMs + Ms(parts[2]);
                step = Ms(parts[3]);
                continue;
            }

            if (line.StartsWith("expect-difference ", StringComparison.Ordinal))
            {
                difference = line["expect-difference ".Length..].Trim();
                continue;
            }

            queries.Add(new CompatibilityQuery(name, i + 1, line, start, end, step, difference));
            difference = null;
        }

        if (difference is not null)
        {
            throw new FormatException($"{name}: `expect-difference {difference}` is not followed by a query");
        }

        return queries;
    }

    private static long Ms(string duration) =>
        DurationParser.TryParse(duration, out var d, out var error)
            ? (long)d.TotalMilliseconds
            : throw new FormatException($"bad duration `{duration}`: {error}");
}
