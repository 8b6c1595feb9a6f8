using System.Globalization;

namespace Vigil.Core.Verification.Simulation;

/// <summary>What a scenario's canary does differently from its baseline (the known truth).</summary>
public enum ScenarioKind
{
    /// <summary>A/A: canary and baseline are drawn with equal parameters; any Fail is a false Fail.</summary>
    Equal,

    /// <summary>The canary's error rate is <see cref="JudgeScenario.ErrorFactor"/> times the baseline's.</summary>
    ErrorRate,

    /// <summary>Every canary latency is (1 + <see cref="JudgeScenario.LatencyShift"/>) times what the baseline's would be.</summary>
    Latency,
}

/// <summary>One scenario of the judge benchmark: its truth and the canary's traffic.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>CanaryRps</c>: Mean canary requests per second (the baseline's is set by <see cref="TrafficModel.BaselineTrafficRatio"/>).</item>
/// <item><c>BaselineErrorRate</c>: The baseline's mean error rate (0.01 = 1%).</item>
/// <item><c>ErrorFactor</c>: Canary error rate / baseline error rate (1 unless <see cref="ScenarioKind.ErrorRate"/>).</item>
/// <item><c>LatencyShift</c>: Relative canary latency increase (0 unless <see cref="ScenarioKind.Latency"/>).</item>
/// </list>
/// </remarks>
public sealed record JudgeScenario(ScenarioKind Kind, double CanaryRps, double BaselineErrorRate, double ErrorFactor = 1, double LatencyShift = 0)
{
    /// <summary>True when the canary is truly worse (any Fail is a detection); false for A/A.</summary>
    public bool IsRegression => Kind != ScenarioKind.Equal;

    /// <summary>The effect, independent of traffic: <c>A/A errors 1%</c>, <c>errors x2 @1%</c>, <c>latency +10%</c>.</summary>
    public string Effect => Kind switch
    {
        ScenarioKind.Equal => $"A/A errors {Percent(BaselineErrorRate)}",
        ScenarioKind.ErrorRate => $"errors x{ErrorFactor.ToString("0.#", CultureInfo.InvariantCulture)} @{Percent(BaselineErrorRate)}",
        _ => $"latency +{Percent(LatencyShift)}",
    };

    /// <summary>The effect and the canary traffic, unique within a suite.</summary>
    public string Name => $"{Effect} {CanaryRps.ToString("0.#", CultureInfo.InvariantCulture)} rps";

    private static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// The benchmark suite of issue 4: A/A pairs and error-rate regressions of 1.5x, 2x, 3x and 5x at baselines of
    /// 0.1%, 1% and 5%, and latency shifts of 5%, 10%, 25% and 50% (at a 1% error rate), each at canary traffic of 1,
    /// 5, 20, 50 and 200 requests per second. A/A pairs run at every baseline error rate.
    /// </summary>
    public static IReadOnlyList<JudgeScenario> Suite()
    {
        double[] traffic = [1, 5, 20, 50, 200];
        double[] baselines = [0.001, 0.01, 0.05];
        double[] factors = [1.5, 2, 3, 5];
        double[] shifts = [0.05, 0.10, 0.25, 0.50];
        var suite = new List<JudgeScenario>();
        foreach (var rate in baselines)
        {
            suite.AddRange(traffic.Select(rps => new JudgeScenario(ScenarioKind.Equal, rps, rate)));
        }

        foreach (var rate in baselines)
        {
            foreach (var factor in factors)
            {
                suite.AddRange(traffic.Select(rps => new JudgeScenario(ScenarioKind.ErrorRate, rps, rate, ErrorFactor: factor)));
            }
        }

        foreach (var shift in shifts)
        {
            suite.AddRange(traffic.Select(rps => new JudgeScenario(ScenarioKind.Latency, rps, 0.01, LatencyShift: shift)));
        }

        return suite;
    }
}
