using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.PromQl.Evaluation;

/// <summary>A series source over a list of series, filtering by matchers and an inclusive time window.</summary>
internal sealed class InMemorySeriesSource : ISeriesSource
{
    private readonly Dictionary<LabelSet, List<Sample>> _series = [];

    /// <summary>How many times <see cref="SelectSamples"/> was called.</summary>
    public int SelectSamplesCalls => Windows.Count;

    /// <summary>The inclusive [start, end] windows that <see cref="SelectSamples"/> was asked for, in call order.</summary>
    public List<(long StartMs, long EndMs)> Windows { get; } = [];

    public void Add(LabelSet labels, long timestampMs, double value)
    {
        if (!_series.TryGetValue(labels, out var samples))
        {
            samples = [];
            _series[labels] = samples;
        }

        samples.Add(new Sample(timestampMs, value));
    }

    public IReadOnlyList<LabelSet> SelectSeries(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit) =>
        SelectSamples(matchers, startMs, endMs, limit).Select(s => s.Labels).ToList();

    public IReadOnlyList<SeriesSamples> SelectSamples(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit)
    {
        Windows.Add((startMs, endMs));
        return _series
            .Where(kv => matchers.All(m => m.Matches(kv.Key)))
            .Select(kv => new SeriesSamples(kv.Key, kv.Value.Where(s => s.TimestampMs >= startMs && s.TimestampMs <= endMs).OrderBy(s => s.TimestampMs).ToList()))
            .Where(s => s.Samples.Count > 0)
            .Take(limit)
            .ToList();
    }
}
