using System.Globalization;
using Vigil.Core.Verification.Statistics;

namespace Vigil.Core.Verification.Judging;

/// <summary>How the judge writes numbers into sentences (invariant culture, thousands separators).</summary>
internal static class Text
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A count: "4,812" (fractional counts from PromQL's increase are rounded).</summary>
    public static string Count(double value) => Math.Round(value).ToString("N0", Invariant);

    /// <summary>A ratio of events to requests as a percentage: "0.75%".</summary>
    public static string Rate(double events, double requests)
    {
        if (requests <= 0)
        {
            return "n/a";
        }

        var percent = 100 * events / requests;
        return percent == 0 || percent >= 0.01
            ? percent.ToString("0.00", Invariant) + "%"
            : percent.ToString("G2", Invariant) + "%";
    }

    /// <summary>A duration in seconds, written in ms below one second: "212 ms", "1.35 s".</summary>
    public static string Seconds(double seconds)
    {
        if (!double.IsFinite(seconds))
        {
            return "n/a";
        }

        return seconds < 1
            ? (seconds * 1000).ToString(seconds * 1000 >= 10 ? "0" : "0.##", Invariant) + " ms"
            : seconds.ToString("0.##", Invariant) + " s";
    }

    /// <summary>A plain number with three significant digits: "12.3".</summary>
    public static string Number(double value) => double.IsFinite(value) ? value.ToString("G3", Invariant) : "n/a";

    /// <summary>An effect as used in intervals: "38%", "-8%", "+inf" for relative; "1.2" for additive.</summary>
    public static string Effect(double value, bool relative)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-inf";
        }

        if (!relative)
        {
            return Number(value);
        }

        var percent = 100 * value;
        return (Math.Abs(percent) >= 10 ? percent.ToString("N0", Invariant) : percent.ToString("0.#", Invariant)) + "%";
    }

    /// <summary>"38% higher" or "12% lower" (additive: "3.1 higher").</summary>
    public static string Change(double value, bool relative)
    {
        var word = value < 0 ? "lower" : "higher";
        return $"{Effect(Math.Abs(value), relative)} {word}";
    }

    /// <summary>A metric's name as a label: "p95-latency" becomes "p95 latency".</summary>
    public static string Label(string name) => name.Replace('-', ' ').Replace('_', ' ');

    /// <summary>A p-value or e-value.</summary>
    public static string Probability(double value) => value.ToString(value >= 0.01 ? "0.###" : "0.##E+0", Invariant);

    /// <summary>
    /// How many samples would reach <paramref name="level"/> if the observed z-score grew with √n: n·(z_needed/z_now)²;
    /// null when the data do not point past the margin at all.
    /// </summary>
    public static string? ScaledNeed(double rawP, double level, double samples, string unit)
    {
        var now = SpecialFunctions.NormalQuantile(1 - Math.Clamp(rawP, 1e-300, 1));
        if (!(now > 0.25) || samples <= 0)
        {
            return null;
        }

        var needed = SpecialFunctions.NormalQuantile(1 - level);
        var total = Math.Ceiling(samples * Math.Pow(needed / now, 2));
        return total <= samples ? null : $"about {Count(total)} {unit} in all (now {Count(samples)})";
    }
}
