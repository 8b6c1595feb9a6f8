using Vigil.Core.Telemetry;

namespace Vigil.Core.PromQl.Evaluation;

/// <summary>
/// Remembers, for one query, a value computed from a series' labels (its labels without <c>__name__</c>, its
/// aggregation group, ...). A series has the same labels at every step of a range query, so the value is computed once
/// per series instead of once per series per step. Keyed by label content (<see cref="LabelSet"/>'s hash is
/// precomputed), so label sets rebuilt at every step by an inner expression hit too. Bounded: past
/// <see cref="MaxEntries"/> distinct label sets, values are computed without being stored.
/// </summary>
/// <typeparam name="T">The computed value.</typeparam>
/// <param name="compute">Computes the value from the labels; must depend on nothing else.</param>
internal sealed class LabelCache<T>(Func<LabelSet, T> compute)
{
    /// <summary>Most label sets remembered by one cache.</summary>
    internal const int MaxEntries = 1_000_000;

    private readonly Dictionary<LabelSet, T> _values = [];

    /// <summary>The value for <paramref name="labels"/>, computed on first use.</summary>
    public T Get(LabelSet labels)
    {
        if (_values.TryGetValue(labels, out var value))
        {
            return value;
        }

        value = compute(labels);
        if (_values.Count < MaxEntries)
        {
            _values[labels] = value;
        }

        return value;
    }
}
