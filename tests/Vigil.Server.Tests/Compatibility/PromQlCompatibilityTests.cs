namespace Vigil.Server.Tests.Compatibility;

/// <summary>
/// The PromQL compatibility suite: every query of <c>Compatibility/testdata/*.promql</c> runs as a range query (and
/// as instant queries at the range's middle and end) on a real Prometheus 2.42 and on a real <c>vigil serve</c> holding
/// the same data, and the answers must agree (or, for the few queries marked <c>expect-difference</c>, the range
/// answers must differ, because Vigil follows Prometheus 3 there or refuses).
/// </summary>
public sealed class PromQlCompatibilityTests(CompatibilityFixture fixture) : IClassFixture<CompatibilityFixture>
{
    private static readonly Lazy<IReadOnlyList<CompatibilityQuery>> All = new(CompatibilityScenarios.ReadAll);

    /// <summary>One case per query: file, line and the query text (for the test name).</summary>
    public static TheoryData<string, int, string> Queries()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var q in All.Value)
        {
            data.Add(q.File, q.Line, q.Query);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_OnVigilAndPrometheus_GivesTheSameAnswer(string file, int line, string query)
    {
        // Arrange
        var q = All.Value.Single(x => x.File == file && x.Line == line);
        Assert.Equal(query, q.Query);

        // Act
        var prometheus = await fixture.PrometheusAsync(q);
        var vigil = await fixture.VigilAsync(q);

        // Assert
        var difference = ResultComparer.FirstDifference(q, prometheus, vigil);
        if (q.ExpectedDifference is null)
        {
            Assert.True(difference is null, $"{difference}\n  (data seed {CompatibilityData.Seed})");
            // The same query as instant queries: at the range's middle and end, and for sort, whose order shows only
            // in instant queries (a range query's series are in label order), at every tenth step.
            var times = q.Ordered
                ? Enumerable.Range(0, (int)((q.Steps + 9) / 10)).Select(i => q.StartMs + (i * 10 * q.StepMs)).ToList()
                : [q.StartMs + ((q.Steps / 2) * q.StepMs), q.EndMs];
            foreach (var t in times)
            {
                var instant = ResultComparer.FirstDifference(q, await fixture.PrometheusInstantAsync(q, t), await fixture.VigilInstantAsync(q, t), t);
                Assert.True(instant is null, $"{instant}\n  (data seed {CompatibilityData.Seed})");
            }
        }
        else
        {
            Assert.True(difference is not null, $"{q}: expected a difference ({q.ExpectedDifference}), but both answered the same");
            if (q.ExpectedDifference.Contains("(unsupported", StringComparison.Ordinal))
            {
                // What Vigil cannot answer as Prometheus 3 would, it refuses clearly, never answers differently.
                Assert.True(
                    vigil.Error?.Contains("unsupported: ", StringComparison.Ordinal) == true,
                    $"{q}: expected Vigil to refuse with \"unsupported: ...\", got {(vigil.ErrorType is null ? $"{vigil.Series.Count} series" : vigil.Error)}");
            }
        }
    }

    [Fact]
    public void Scenarios_HaveAtLeast300Queries_EachOverAtLeast60Steps()
    {
        // Arrange
        var queries = All.Value;

        // Act
        var short_ = queries.Where(q => q.Steps < 60).ToList();

        // Assert
        Assert.True(queries.Count >= 300, $"only {queries.Count} queries");
        Assert.True(short_.Count == 0, "fewer than 60 steps: " + string.Join("; ", short_));
        Assert.Equal(queries.Count, queries.Select(q => (q.Query, q.StartMs, q.EndMs, q.StepMs)).Distinct().Count());
    }

    [Fact]
    public async Task Scenarios_MostQueriesReturnData_OnPrometheus()
    {
        // Arrange: a suite of empty answers would agree trivially.
        var queries = All.Value;

        // Act
        var answers = await Task.WhenAll(queries.Select(fixture.PrometheusAsync));

        // Assert
        var withData = answers.Count(a => a.ErrorType is null && a.Series.Count > 0);
        var errors = answers.Count(a => a.ErrorType is not null);
        Assert.True(withData >= queries.Count * 9 / 10, $"only {withData} of {queries.Count} queries return data on Prometheus ({errors} errors)");
    }
}
