using System.Globalization;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Judging;
using Vigil.Core.Verification.Plans;
using Xunit.Abstractions;

namespace Vigil.Core.Tests.Verification.Judging;

/// <summary>
/// Runs the scenario files in <c>testdata/*.txt</c> through the judge. A file is plain text, one statement per line
/// (<c>#</c> starts a comment):
/// <list type="bullet">
/// <item><c>plan default [looks=N] [falseFailRate=X] [minimumRequests=N] [minimumIntervals=N]</c>: the default plan, changed.</item>
/// <item><c>metrics NAME,NAME!</c>: keep only these metrics of the plan; <c>!</c> makes one critical with weight 1.</item>
/// <item><c>look N</c>: the look judged (default: the number of intervals of the longest history).</item>
/// <item><c>interval METRIC canary=E/R baseline=E/R [xN]</c>: one interval (N times) of a count ratio, events/requests;
/// <c>canary=V</c> for a continuous value; <c>canary=LE:COUNT,LE:COUNT,+Inf:COUNT</c> for per-bucket latency counts;
/// <c>error=TEXT</c> (to the end of the line) for a failed query.</item>
/// <item><c>expect verdict V</c>, <c>expect decisive true|false</c>, <c>expect METRIC CLASS</c>,
/// <c>expect METRIC reason~TEXT</c>, <c>expect METRIC sentence~TEXT</c>, <c>expect summary~TEXT</c>.</item>
/// </list>
/// </summary>
public sealed class VerificationJudgeScenarioTests(ITestOutputHelper output)
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Verification", "Judging", "testdata");

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Judge_Scenario_GivesTheExpectedOutcome(string name)
    {
        var scenario = Parse(name);

        var verdict = new VerificationJudge().Judge(scenario.Plan, scenario.Histories, scenario.Look, "1.4.2");

        output.WriteLine($"{verdict.Verdict} score {verdict.Score} decisive {verdict.Decisive}: {verdict.Summary}");
        foreach (var m in verdict.Metrics)
        {
            output.WriteLine($"  {m.Name} {m.Classification} p={m.PValue} e={m.EValue}: {m.Sentence} [{m.Reason}]");
        }

        Assert.NotEmpty(scenario.Expectations);
        foreach (var (line, subject, expected) in scenario.Expectations)
        {
            var where = $"{name}:{line}";
            switch (subject)
            {
                case "verdict":
                    Assert.True(expected == verdict.Verdict.ToString(), $"{where}: verdict {verdict.Verdict}, expected {expected}");
                    break;
                case "decisive":
                    Assert.True(bool.Parse(expected) == verdict.Decisive, $"{where}: decisive {verdict.Decisive}, expected {expected}");
                    break;
                case "summary":
                    Assert.True(verdict.Summary.Contains(expected, StringComparison.Ordinal), $"{where}: summary \"{verdict.Summary}\" lacks \"{expected}\"");
                    break;
                default:
                    var metric = verdict.Metrics.Single(m => m.Name == subject);
                    if (expected.StartsWith("reason~", StringComparison.Ordinal))
                    {
                        Assert.True(metric.Reason?.Contains(expected[7..], StringComparison.Ordinal) == true, $"{where}: reason \"{metric.Reason}\" lacks \"{expected[7..]}\"");
                    }
                    else if (expected.StartsWith("sentence~", StringComparison.Ordinal))
                    {
                        Assert.True(metric.Sentence.Contains(expected[9..], StringComparison.Ordinal), $"{where}: sentence \"{metric.Sentence}\" lacks \"{expected[9..]}\"");
                    }
                    else
                    {
                        Assert.True(expected == metric.Classification.ToString(), $"{where}: {subject} is {metric.Classification}, expected {expected}");
                    }

                    break;
            }
        }
    }

    private sealed record Scenario(VerificationPlan Plan, List<MetricHistory> Histories, int Look, List<(int Line, string Subject, string Expected)> Expectations);

    private static Scenario Parse(string name)
    {
        var plan = DefaultVerificationPlan.Plan;
        int? look = null;
        var intervals = new Dictionary<string, List<IntervalObservation>>();
        var expectations = new List<(int, string, string)>();
        var lines = File.ReadAllLines(Path.Combine(Folder, name));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                case "plan":
                    foreach (var setting in parts.Skip(2).Select(p => p.Split('=')))
                    {
                        plan = setting[0] switch
                        {
                            "looks" => plan with { Duration = plan.Interval * int.Parse(setting[1], CultureInfo.InvariantCulture) },
                            "falseFailRate" => plan with { FalseFailRate = double.Parse(setting[1], CultureInfo.InvariantCulture) },
                            "minimumRequests" => plan with { MinimumRequests = long.Parse(setting[1], CultureInfo.InvariantCulture) },
                            "minimumIntervals" => plan with { MinimumIntervals = int.Parse(setting[1], CultureInfo.InvariantCulture) },
                            _ => throw new InvalidDataException($"{name}:{i + 1}: unknown plan setting {setting[0]}"),
                        };
                    }

                    break;
                case "metrics":
                    var keep = parts[1].Split(',');
                    plan = plan with
                    {
                        Metrics =
                        [
                            .. plan.Metrics
                                .Where(m => keep.Contains(m.Name) || keep.Contains(m.Name + "!"))
                                .Select(m => keep.Contains(m.Name + "!") ? m with { Critical = true, Weight = 1 } : m),
                        ],
                    };
                    break;
                case "look":
                    look = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    break;
                case "interval":
                    var list = intervals.TryGetValue(parts[1], out var existing) ? existing : intervals[parts[1]] = [];
                    var errorAt = line.IndexOf(" error=", StringComparison.Ordinal);
                    if (errorAt >= 0)
                    {
                        list.Add(new IntervalObservation(60_000L * (list.Count + 1), SideObservation.Empty, SideObservation.Empty, line[(errorAt + 7)..]));
                        break;
                    }

                    var repeat = parts[^1].StartsWith('x') ? int.Parse(parts[^1][1..], CultureInfo.InvariantCulture) : 1;
                    var canary = Side(parts.Single(p => p.StartsWith("canary=", StringComparison.Ordinal))[7..]);
                    var baseline = Side(parts.Single(p => p.StartsWith("baseline=", StringComparison.Ordinal))[9..]);
                    for (var r = 0; r < repeat; r++)
                    {
                        list.Add(new IntervalObservation(60_000L * (list.Count + 1), canary, baseline));
                    }

                    break;
                case "expect":
                    expectations.Add((i + 1, parts[1].StartsWith("summary~", StringComparison.Ordinal) ? "summary" : parts[1], Rest(line, parts)));
                    break;
                default:
                    throw new InvalidDataException($"{name}:{i + 1}: unknown statement {parts[0]}");
            }
        }

        var histories = plan.Metrics.Select(m => new MetricHistory(m, intervals.TryGetValue(m.Name, out var list) ? list : [])).ToList();
        return new Scenario(plan, histories, look ?? Math.Max(1, intervals.Values.Select(l => l.Count).DefaultIfEmpty(1).Max()), expectations);
    }

    private static string Rest(string line, string[] parts)
    {
        // "expect summary~TEXT" keeps TEXT; "expect METRIC rest" keeps the rest of the line.
        if (parts[1].StartsWith("summary~", StringComparison.Ordinal))
        {
            return line[(line.IndexOf("summary~", StringComparison.Ordinal) + 8)..];
        }

        return line[(line.IndexOf(parts[1], StringComparison.Ordinal) + parts[1].Length)..].Trim();
    }

    private static SideObservation Side(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            var buckets = text.Split(',').Select(b => b.Split(':')).Select(b => (Bound: b[0] == "+Inf" ? double.PositiveInfinity : double.Parse(b[0], CultureInfo.InvariantCulture), Count: double.Parse(b[1], CultureInfo.InvariantCulture))).ToList();
            return new SideObservation(Histogram: new HistogramCounts([.. buckets.Select(b => b.Bound)], [.. buckets.Select(b => b.Count)]));
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            var pair = text.Split('/');
            return new SideObservation(Events: double.Parse(pair[0], CultureInfo.InvariantCulture), Requests: double.Parse(pair[1], CultureInfo.InvariantCulture));
        }

        return new SideObservation(Value: double.Parse(text, CultureInfo.InvariantCulture));
    }
}
