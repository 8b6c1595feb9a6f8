using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>Orders label sets label by label (name, then value, ordinal), as Prometheus sorts series.</summary>
internal sealed class LabelSetComparer : IComparer<LabelSet>
{
    public static LabelSetComparer Instance { get; } = new();

    public int Compare(LabelSet? x, LabelSet? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var a = x.Labels;
        var b = y.Labels;
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var c = string.CompareOrdinal(a[i].Name, b[i].Name);
            if (c != 0)
            {
                return c;
            }

            c = string.CompareOrdinal(a[i].Value, b[i].Value);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}
