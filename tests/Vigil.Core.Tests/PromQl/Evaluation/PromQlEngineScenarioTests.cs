using System.Globalization;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.PromQl.Evaluation;

/// <summary>Runs the promqltest-style scenario files in <c>testdata/*.test</c> against <see cref="PromQlEngine"/>.</summary>
public sealed class PromQlEngineScenarioTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "PromQl", "Evaluation", "testdata");

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in Directory.GetFiles(Folder, "*.test").OrderBy(f => f, StringComparer.Ordinal))
        {
            foreach (var c in ScenarioReader.Read(file))
            {
                data.Add(c.File, c.Line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Eval_Scenario_MatchesExpectation(string file, int line)
    {
        // Arrange
        var c = ScenarioReader.Read(Path.Combine(Folder, file)).Single(x => x.Line == line);
        var engine = new PromQlEngine(c.Source, new PromQlEngineOptions());
        var where = $"{file}:{line}: {c.Query}";

        // Act
        PromQlResult? result = null;
        Exception? error = null;
        try
        {
            result = c.Range ? engine.RangeQuery(c.Query, c.Start, c.End, c.Step) : engine.InstantQuery(c.Query, c.Start);
        }
        catch (PromQlEvaluationException ex)
        {
            error = ex;
        }
        catch (Vigil.Core.PromQl.PromQlParseException ex)
        {
            error = ex;
        }

        // Assert
        if (c.ExpectedError is not null)
        {
            Assert.True(error is not null, $"{where}: expected an error, got {Describe(result)}");
            Assert.Contains(c.ExpectedError, error!.Message, StringComparison.Ordinal);
            return;
        }

        Assert.True(error is null, $"{where}: unexpected error {error?.Message}");
        switch (result)
        {
            case ScalarResult s:
                Assert.True(c.Expected.Count == 1 && c.Expected[0].Labels is null, $"{where}: got scalar {s.Value}");
                AssertValue(where, c.Expected[0].Values[0], s.Value);
                break;
            case VectorResult v:
                {
                    var actual = v.Elements.Select(e => (e.Labels, new double?[] { e.Value })).ToList();
                    AssertSeries(where, c, actual);
                    break;
                }

            case MatrixResult m when c.Range:
                {
                    // Align each series' points onto the steps, null where a step has no point.
                    var steps = (int)((c.End - c.Start) / c.Step) + 1;
                    var actual = m.Series.Select(s =>
                    {
                        var values = new double?[steps];
                        foreach (var p in s.Samples)
                        {
                            values[(p.TimestampMs - c.Start) / c.Step] = p.Value;
                        }

                        return (s.Labels, values);
                    }).ToList();
                    AssertSeries(where, c, actual);
                    break;
                }

            case MatrixResult m:
                {
                    var actual = m.Series.Select(s => (s.Labels, s.Samples.Select(p => (double?)p.Value).ToArray())).ToList();
                    AssertSeries(where, c, actual);
                    break;
                }

            default:
                Assert.Fail($"{where}: unexpected result {Describe(result)}");
                break;
        }
    }

    private static void AssertSeries(string where, EvalCase c, List<(LabelSet Labels, double?[] Values)> actual)
    {
        Assert.True(c.Expected.Count == actual.Count,
            $"{where}: expected {c.Expected.Count} series, got {actual.Count}: {string.Join("; ", actual.Select(a => a.Labels + " " + string.Join(' ', a.Values)))}");
        for (var i = 0; i < c.Expected.Count; i++)
        {
            var (labels, values) = c.Expected[i];
            var index = c.Ordered ? i : actual.FindIndex(a => a.Labels.Equals(labels));
            Assert.True(index >= 0 && actual[index].Labels.Equals(labels),
                $"{where}: expected series {labels} not found in {string.Join("; ", actual.Select(a => a.Labels))}");
            var got = actual[index].Values;
            Assert.True(values.Length == got.Length, $"{where}: {labels}: expected {values.Length} values, got {got.Length}: {string.Join(' ', got)}");
            for (var k = 0; k < values.Length; k++)
            {
                AssertValue($"{where}: {labels}[{k}]", values[k], got[k]);
            }
        }
    }

    private static void AssertValue(string where, double? expected, double? actual)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{where}: expected {Format(expected)}, got {Format(actual)}");
            return;
        }

        var (e, a) = (expected.Value, actual.Value);
        var equal = e.Equals(a) || (double.IsNaN(e) && double.IsNaN(a))
            || Math.Abs(e - a) <= 1e-6 * Math.Max(Math.Abs(e), Math.Abs(a));
        Assert.True(equal, $"{where}: expected {Format(expected)}, got {Format(actual)}");
    }

    private static string Format(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "_";

    private static string Describe(PromQlResult? r) => r?.ToString() ?? "nothing";
}
