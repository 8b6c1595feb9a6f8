using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>
/// The inverted index of one head or block: label name, then value, then the ids of the series carrying that pair,
/// in ascending order as long as series are added in id order. Not thread-safe: the head guards it with its index
/// lock; a block builds it once and only reads it afterwards.
/// </summary>
internal sealed class LabelPostings
{
    private readonly Dictionary<string, Dictionary<string, List<int>>> _byName = new(StringComparer.Ordinal);

    /// <summary>Records that series <paramref name="id"/> carries every label of <paramref name="labels"/>.</summary>
    public void Add(int id, ReadOnlySpan<Label> labels)
    {
        foreach (var label in labels)
        {
            if (!_byName.TryGetValue(label.Name, out var values))
            {
                values = new Dictionary<string, List<int>>(StringComparer.Ordinal);
                _byName[label.Name] = values;
            }

            if (!values.TryGetValue(label.Value, out var ids))
            {
                ids = new List<int>(1);
                values[label.Value] = ids;
            }

            ids.Add(id);
        }
    }

    /// <summary>The series with <paramref name="name"/>=<paramref name="value"/>; null when none.</summary>
    public IReadOnlyList<int>? Get(string name, string value) =>
        _byName.TryGetValue(name, out var values) && values.TryGetValue(value, out var ids) ? ids : null;

    /// <summary>Every value of a label with its series; empty when no series has the label.</summary>
    public IEnumerable<KeyValuePair<string, IReadOnlyList<int>>> Values(string name)
    {
        if (!_byName.TryGetValue(name, out var values))
        {
            yield break;
        }

        foreach (var (value, ids) in values)
        {
            yield return new KeyValuePair<string, IReadOnlyList<int>>(value, ids);
        }
    }
}
