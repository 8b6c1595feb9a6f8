namespace Vigil.Core.Verification.Plans;

/// <summary>The YAML spelling of the plan enums (<c>canary</c>, <c>before-after</c>, <c>count-ratio</c>, ...).</summary>
public static class PlanEnums
{
    private static readonly (ComparisonMode Value, string Text)[] Modes = [(ComparisonMode.Canary, "canary"), (ComparisonMode.BeforeAfter, "before-after")];

    private static readonly (MetricKind Value, string Text)[] Kinds =
        [(MetricKind.Continuous, "continuous"), (MetricKind.LatencyHistogram, "latency-histogram"), (MetricKind.CountRatio, "count-ratio")];

    private static readonly (MetricDirection Value, string Text)[] Directions =
        [(MetricDirection.Increase, "increase"), (MetricDirection.Decrease, "decrease"), (MetricDirection.Either, "either")];

    /// <summary>The mode names, in order.</summary>
    public static IReadOnlyList<string> ModeNames { get; } = [.. Modes.Select(m => m.Text)];

    /// <summary>The metric kind names, in order.</summary>
    public static IReadOnlyList<string> KindNames { get; } = [.. Kinds.Select(m => m.Text)];

    /// <summary>The direction names, in order.</summary>
    public static IReadOnlyList<string> DirectionNames { get; } = [.. Directions.Select(m => m.Text)];

    /// <summary>The YAML spelling.</summary>
    public static string Format(ComparisonMode mode) => Modes.First(m => m.Value == mode).Text;

    /// <summary>The YAML spelling.</summary>
    public static string Format(MetricKind kind) => Kinds.First(m => m.Value == kind).Text;

    /// <summary>The YAML spelling.</summary>
    public static string Format(MetricDirection direction) => Directions.First(m => m.Value == direction).Text;

    /// <summary>Reads a mode.</summary>
    public static bool TryParse(string text, out ComparisonMode mode) => TryFind(Modes, text, out mode);

    /// <summary>Reads a metric kind.</summary>
    public static bool TryParse(string text, out MetricKind kind) => TryFind(Kinds, text, out kind);

    /// <summary>Reads a direction.</summary>
    public static bool TryParse(string text, out MetricDirection direction) => TryFind(Directions, text, out direction);

    private static bool TryFind<T>((T Value, string Text)[] table, string text, out T value)
    {
        foreach (var (v, t) in table)
        {
            if (t == text)
            {
                value = v;
                return true;
            }
        }

        value = default!;
        return false;
    }
}
