namespace Vigil.TrafficDriver;

/// <summary>
/// Smooth weighted round robin (as nginx balances upstreams): each pick adds every target's weight to its credit, takes
/// the target with the most credit (the first on ties) and takes the total weight from it. Weights 3:1 give A A B A,
/// spread out rather than bunched, and the sequence depends on nothing but the weights.
/// </summary>
internal sealed class WeightedRoundRobin<T>
{
    private readonly IReadOnlyList<(T Item, int Weight)> _items;
    private readonly long[] _credit;
    private readonly long _total;

    /// <summary>Picks among <paramref name="items"/> by their positive weights.</summary>
    public WeightedRoundRobin(IReadOnlyList<(T Item, int Weight)> items)
    {
        ArgumentOutOfRangeException.ThrowIfZero(items.Count);
        if (items.Any(i => i.Weight <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(items), "weights must be positive");
        }

        _items = items;
        _credit = new long[items.Count];
        _total = items.Sum(i => (long)i.Weight);
    }

    /// <summary>The next pick (not thread-safe: one caller schedules requests).</summary>
    public T Next()
    {
        var best = 0;
        for (var i = 0; i < _items.Count; i++)
        {
            _credit[i] += _items[i].Weight;
            if (_credit[i] > _credit[best])
            {
                best = i;
            }
        }

        _credit[best] -= _total;
        return _items[best].Item;
    }
}
