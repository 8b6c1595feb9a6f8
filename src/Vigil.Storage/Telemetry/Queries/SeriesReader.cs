using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Blocks;
using Vigil.Storage.Telemetry.Chunks;
using Vigil.Storage.Telemetry.Head;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>Series queries over a <see cref="StoreView"/>: blocks and heads merged, sorted by labels, without duplicates.</summary>
internal static class SeriesReader
{
    public static IReadOnlyList<LabelSet> SelectSeries(StoreView view, BlockIndexCache cache, IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit)
    {
        if (limit <= 0 || startMs > endMs)
        {
            return [];
        }

        var found = new HashSet<LabelSet>();
        foreach (var head in view.Heads)
        {
            foreach (var series in head.Select(matchers))
            {
                if (!found.Contains(series.Labels) && series.HasSampleIn(startMs, endMs))
                {
                    found.Add(series.Labels);
                }
            }
        }

        using (var lease = BlockLease.Acquire(view.Blocks, b => Overlaps(b, startMs, endMs)))
        {
            foreach (var block in lease.Blocks)
            {
                var index = cache.Get(block);
                foreach (var ordinal in index.Select(matchers))
                {
                    var labels = index.Labels(ordinal);
                    if (!found.Contains(labels) && block.HasSampleIn(index, ordinal, startMs, endMs))
                    {
                        found.Add(labels);
                    }
                }
            }
        }

        var sorted = found.ToList();
        sorted.Sort(LabelSetComparer.Instance);
        if (sorted.Count > limit)
        {
            sorted.RemoveRange(limit, sorted.Count - limit);
        }

        return sorted;
    }

    public static IReadOnlyList<SeriesSamples> SelectSamples(StoreView view, BlockIndexCache cache, IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit)
    {
        if (limit <= 0 || startMs > endMs)
        {
            return [];
        }

        using var lease = BlockLease.Acquire(view.Blocks, b => Overlaps(b, startMs, endMs));

        // Where each series has data, oldest source first (blocks by sequence, then the heads), so that a newer
        // source's sample replaces an older one at the same timestamp: last write wins.
        var parts = new Dictionary<LabelSet, List<Part>>();
        foreach (var block in lease.Blocks)
        {
            var index = cache.Get(block);
            foreach (var ordinal in index.Select(matchers))
            {
                Add(parts, index.Labels(ordinal), new Part(block, index, ordinal, null));
            }
        }

        foreach (var head in view.Heads)
        {
            foreach (var series in head.Select(matchers))
            {
                Add(parts, series.Labels, new Part(null, null, 0, series));
            }
        }

        var labels = parts.Keys.ToList();
        labels.Sort(LabelSetComparer.Instance);
        var result = new List<SeriesSamples>(Math.Min(labels.Count, limit));
        var newer = new List<Sample>();
        foreach (var l in labels)
        {
            var samples = new List<Sample>();
            foreach (var part in parts[l])
            {
                if (samples.Count == 0)
                {
                    part.Read(startMs, endMs, samples);
                }
                else
                {
                    newer.Clear();
                    part.Read(startMs, endMs, newer);
                    SampleMerge.MergeNewer(samples, 0, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(newer));
                }
            }

            if (samples.Count > 0)
            {
                result.Add(new SeriesSamples(l, samples));
                if (result.Count == limit)
                {
                    break;
                }
            }
        }

        return result;
    }

    private static bool Overlaps(Block block, long startMs, long endMs) =>
        block.Meta.SampleCount > 0 && block.Meta.MaxSampleT >= startMs && block.Meta.MinSampleT <= endMs;

    private static void Add(Dictionary<LabelSet, List<Part>> parts, LabelSet labels, Part part)
    {
        if (!parts.TryGetValue(labels, out var list))
        {
            list = new List<Part>(2);
            parts[labels] = list;
        }

        list.Add(part);
    }

    private readonly record struct Part(Block? Block, BlockSeriesIndex? Index, int Ordinal, MemSeries? Series)
    {
        public void Read(long startMs, long endMs, List<Sample> output)
        {
            if (Series is not null)
            {
                Series.Read(startMs, endMs, output);
            }
            else
            {
                Block!.ReadSamples(Index!, Ordinal, startMs, endMs, output);
            }
        }
    }
}
