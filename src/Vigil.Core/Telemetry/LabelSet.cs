using System.Text;

namespace Vigil.Core.Telemetry;

/// <summary>
/// An immutable set of labels sorted by name, identifying one series. The metric name is the label <c>__name__</c>.
/// Equality and hashing are by content, so a <see cref="LabelSet"/> can key a dictionary of series.
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>
{
    /// <summary>The label that holds the metric name.</summary>
    public const string MetricNameLabel = "__name__";

    private readonly Label[] _labels;
    private readonly int _hash;

    private LabelSet(Label[] sortedLabels)
    {
        _labels = sortedLabels;
        var hash = new HashCode();
        foreach (var label in sortedLabels)
        {
            hash.Add(label.Name, StringComparer.Ordinal);
            hash.Add(label.Value, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    /// <summary>The empty label set.</summary>
    public static LabelSet Empty { get; } = new([]);

    /// <summary>The labels, sorted by name.</summary>
    public ReadOnlySpan<Label> Labels => _labels;

    /// <summary>The number of labels.</summary>
    public int Count => _labels.Length;

    /// <summary>The metric name (<c>__name__</c>), or an empty string when there is none.</summary>
    public string MetricName => Get(MetricNameLabel) ?? string.Empty;

    /// <summary>
    /// Builds a label set from labels in any order. Labels with an empty value are dropped (Prometheus treats an
    /// empty value as an absent label); when a name repeats, the last value wins.
    /// </summary>
    public static LabelSet From(IEnumerable<Label> labels)
    {
        var list = new List<Label>(labels is ICollection<Label> c ? c.Count : 8);
        foreach (var label in labels)
        {
            if (label.Value.Length == 0)
            {
                continue;
            }

            list.Add(label);
        }

        return FromList(list);
    }

    /// <summary>Builds a label set from name/value pairs.</summary>
    public static LabelSet From(params (string Name, string Value)[] labels) =>
        From(labels.Select(l => new Label(l.Name, l.Value)));

    private static LabelSet FromList(List<Label> list)
    {
        if (list.Count == 0)
        {
            return Empty;
        }

        // Hot path at intake: labels usually arrive sorted and unique, so check before sorting anything.
        var sortedUnique = true;
        for (var i = 1; i < list.Count && sortedUnique; i++)
        {
            sortedUnique = string.CompareOrdinal(list[i - 1].Name, list[i].Name) < 0;
        }

        if (sortedUnique)
        {
            return new LabelSet([.. list]);
        }

        // Stable sort (by name, then position) so that "last value wins" keeps the last of equal names.
        var indexed = new (Label Label, int Index)[list.Count];
        for (var i = 0; i < indexed.Length; i++)
        {
            indexed[i] = (list[i], i);
        }

        Array.Sort(indexed, static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Label.Name, b.Label.Name);
            return byName != 0 ? byName : a.Index.CompareTo(b.Index);
        });
        var result = new List<Label>(indexed.Length);
        foreach (var (label, _) in indexed)
        {
            if (result.Count > 0 && string.Equals(result[^1].Name, label.Name, StringComparison.Ordinal))
            {
                result[^1] = label;
            }
            else
            {
                result.Add(label);
            }
        }

        return new LabelSet([.. result]);
    }

    /// <summary>
    /// Orders label sets as Prometheus does (<c>labels.Compare</c>): label by label, by name then value (ordinal); a set
    /// that is a prefix of another sorts first.
    /// </summary>
    public static int Compare(LabelSet? a, LabelSet? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null || b is null)
        {
            return a is null ? -1 : 1;
        }

        var n = Math.Min(a._labels.Length, b._labels.Length);
        for (var i = 0; i < n; i++)
        {
            var byName = string.CompareOrdinal(a._labels[i].Name, b._labels[i].Name);
            if (byName != 0)
            {
                return byName;
            }

            var byValue = string.CompareOrdinal(a._labels[i].Value, b._labels[i].Value);
            if (byValue != 0)
            {
                return byValue;
            }
        }

        return a._labels.Length.CompareTo(b._labels.Length);
    }

    /// <summary>The value of a label, or null when the set has no such label.</summary>
    public string? Get(string name)
    {
        var lo = 0;
        var hi = _labels.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var cmp = string.CompareOrdinal(_labels[mid].Name, name);
            if (cmp == 0)
            {
                return _labels[mid].Value;
            }

            if (cmp < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return null;
    }

    /// <summary>A copy with one label set (or removed when <paramref name="value"/> is empty).</summary>
    public LabelSet With(string name, string value)
    {
        var list = new List<Label>(_labels.Length + 1);
        list.AddRange(_labels);
        list.Add(new Label(name, value));
        return From(list);
    }

    /// <summary>A copy without the named labels.</summary>
    public LabelSet Without(params string[] names) =>
        From(_labels.Where(l => Array.IndexOf(names, l.Name) < 0));

    /// <inheritdoc />
    public bool Equals(LabelSet? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (_hash != other._hash || _labels.Length != other._labels.Length)
        {
            return false;
        }

        for (var i = 0; i < _labels.Length; i++)
        {
            if (!string.Equals(_labels[i].Name, other._labels[i].Name, StringComparison.Ordinal) ||
                !string.Equals(_labels[i].Value, other._labels[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is LabelSet other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <summary>Prometheus notation: <c>name{a="1", b="2"}</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var name = MetricName;
        sb.Append(name).Append('{');
        var first = true;
        foreach (var label in _labels)
        {
            if (label.Name == MetricNameLabel)
            {
                continue;
            }

            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(label.Name).Append("=\"").Append(label.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")).Append('"');
        }

        return sb.Append('}').ToString();
    }
}
