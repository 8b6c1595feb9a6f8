using System.Globalization;

namespace Vigil.Core.Drift.Compare;

/// <summary>
/// Reads a resource amount so two limits can be ordered: Kubernetes quantities (<c>512Mi</c>, <c>1G</c>, <c>500m</c>,
/// <c>1.5</c>), cgroup values (<c>268435456</c>, <c>max</c>, <c>cpu.max</c>'s <c>50000 100000</c> as half a core),
/// with <c>max</c>, <c>unlimited</c> and <c>none</c> as no limit (positive infinity).
/// </summary>
internal static class ResourceQuantity
{
    private static readonly (string Suffix, double Factor)[] Suffixes =
    [
        ("Ki", 1024d), ("Mi", 1024d * 1024), ("Gi", 1024d * 1024 * 1024), ("Ti", 1024d * 1024 * 1024 * 1024),
        ("Pi", 1024d * 1024 * 1024 * 1024 * 1024), ("Ei", 1024d * 1024 * 1024 * 1024 * 1024 * 1024),
        ("k", 1e3), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18), ("m", 1e-3),
    ];

    /// <summary>The amount, or null when <paramref name="text"/> is not one.</summary>
    public static double? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = text.Trim();
        if (t is "max" or "unlimited" or "none" or "Max" or "Unlimited" or "None")
        {
            return double.PositiveInfinity;
        }

        var space = t.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0)
        {
            // cgroup v2 cpu.max: "QUOTA PERIOD" in microseconds, or "max PERIOD".
            var quota = t[..space];
            if (!double.TryParse(t[(space + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var period) || period <= 0)
            {
                return null;
            }

            if (quota == "max")
            {
                return double.PositiveInfinity;
            }

            return double.TryParse(quota, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) ? q / period : null;
        }

        foreach (var (suffix, factor) in Suffixes)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(t.AsSpan(0, t.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var scaled))
            {
                return scaled * factor;
            }
        }

        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) ? plain : null;
    }
}
