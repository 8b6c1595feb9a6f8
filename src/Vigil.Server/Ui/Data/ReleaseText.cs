using System.Globalization;
using Vigil.Client.Contracts;

namespace Vigil.Server.Ui.Data;

/// <summary>
/// How the release page words a verdict, a metric's effect and its sample sizes: the same words as
/// <c>vigil release verify</c> (verdict names, <c>look N/M</c>, <c>[High] name (critical): sentence</c>).
/// </summary>
public static class ReleaseText
{
    /// <summary>The verdict badge: its text and its CSS modifier (<c>pass</c>, <c>fail</c>, <c>marginal</c>, <c>running</c>, ...).</summary>
    public static (string Text, string Css) VerdictBadge(VerdictDto verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (verdict.Verdict is { } decided)
        {
            return (verdict.Overridden ? decided + " (overridden)" : decided, decided.ToLowerInvariant());
        }

        return verdict.RunState switch
        {
            "running" => (verdict.Current is null ? "Running…" : $"Running… currently {verdict.Current}", "running"),
            "aborted" => ("Aborted", "aborted"),
            _ => ("No verification", "none"),
        };
    }

    /// <summary>The CSS modifier of a release state's badge.</summary>
    public static string StateCss(string state) => state switch
    {
        "passed" => "pass",
        "failed" => "fail",
        "marginal" or "inconclusive" => "marginal",
        "verifying" => "running",
        "pending" => "pending",
        _ => "none",
    };

    /// <summary>The score as the CLI writes it (<c>87.5</c>), or an em dash.</summary>
    public static string Score(double? score) =>
        score is { } s && double.IsFinite(s) ? s.ToString("0.#", CultureInfo.InvariantCulture) : "—";

    /// <summary>
    /// What is compared with what: <c>canary 2.0.0 vs baseline 1.0.0</c>, or the after window vs the before window;
    /// <paramref name="baseline"/> is the version compared with (see <see cref="ReleaseView.Baseline"/>).
    /// </summary>
    public static string Comparison(VerdictDto verdict, string? baseline)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return verdict.Mode switch
        {
            "before_after" => $"after vs before the release: {verdict.Version} after, {(string.IsNullOrEmpty(baseline) ? "any version" : baseline)} before",
            "canary" => $"canary {verdict.Version} vs baseline {(string.IsNullOrEmpty(baseline) ? "none yet" : baseline)}",
            _ => "—",
        };
    }

    /// <summary>Whether a metric counts against the release: classified High or Low (the judge classifies only the bad direction so).</summary>
    public static bool Failing(MetricJudgementDto metric) =>
        metric is { Classification: "High" or "Low" };

    /// <summary>The classification in words for the evidence table: <c>High: failing</c>, <c>Pass</c>, <c>Nodata: not judged</c>.</summary>
    public static string Classification(MetricJudgementDto metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric.Classification switch
        {
            "High" or "Low" => metric.Classification + (metric.Critical ? ": failing, critical" : ": failing"),
            "Nodata" => "Nodata: not judged",
            _ => metric.Classification,
        };
    }

    /// <summary>The CSS modifier of a classification's badge.</summary>
    public static string ClassificationCss(MetricJudgementDto metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric.Classification switch
        {
            "High" or "Low" => "fail",
            "Pass" => "pass",
            _ => "none",
        };
    }

    /// <summary>Failing metrics first (critical first), then no-data ones, then passing ones; the plan's order within each.</summary>
    public static IReadOnlyList<MetricJudgementDto> Ordered(IReadOnlyList<MetricJudgementDto> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics
            .Select((m, i) => (m, i))
            .OrderBy(x => Failing(x.m) ? (x.m.Critical ? 0 : 1) : x.m.Classification == "Nodata" ? 2 : 3)
            .ThenBy(x => x.i)
            .Select(x => x.m)
            .ToList();
    }

    /// <summary>
    /// An effect with its interval: relative effects as signed percentages (<c>+38% (95% CI +22% … +55%)</c>), others as
    /// signed numbers; an em dash without one.
    /// </summary>
    public static string Effect(EffectDto? effect)
    {
        if (effect is null || double.IsNaN(effect.Estimate))
        {
            return "—";
        }

        return $"{EffectEstimate(effect)} ({EffectInterval(effect)})";
    }

    /// <summary>The estimate alone (<c>+38%</c>), or an em dash.</summary>
    public static string EffectEstimate(EffectDto? effect) =>
        effect is null || double.IsNaN(effect.Estimate) ? "—" : Signed(effect.Estimate, effect.Relative);

    /// <summary>The interval alone (<c>95% CI +22% … +55%</c>), or empty without an effect.</summary>
    public static string EffectInterval(EffectDto? effect)
    {
        if (effect is null || double.IsNaN(effect.Estimate))
        {
            return string.Empty;
        }

        var confidence = (effect.Confidence * 100).ToString("0.#", CultureInfo.InvariantCulture);
        return $"{confidence}% CI {Signed(effect.Lower, effect.Relative)} … {Signed(effect.Upper, effect.Relative)}";
    }

    /// <summary>A sample size in its unit: <c>4,812 requests</c>, <c>6 intervals</c>.</summary>
    public static string Samples(double count, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{Math.Round(count):#,0} {unit}");

    private static string Signed(double value, bool relative)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+∞";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "−∞";
        }

        var sign = value > 0 ? "+" : string.Empty;
        return relative
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}{value * 100:0.#}%")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{value:0.####}");
    }
}
