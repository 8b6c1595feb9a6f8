using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Chunks;

/// <summary>Merging of sorted sample runs where a newer run overrides an older one at equal timestamps.</summary>
internal static class SampleMerge
{
    /// <summary>
    /// Merges the sorted run <paramref name="newer"/> into the sorted tail of <paramref name="output"/> that starts at
    /// <paramref name="start"/>. On equal timestamps the newer sample wins (last write wins).
    /// </summary>
    public static void MergeNewer(List<Sample> output, int start, ReadOnlySpan<Sample> newer)
    {
        if (newer.Length == 0)
        {
            return;
        }

        var olderCount = output.Count - start;
        if (olderCount == 0 || newer[0].TimestampMs > output[^1].TimestampMs)
        {
            // Fast path: disjoint and ordered, as runs from consecutive blocks almost always are.
            foreach (var s in newer)
            {
                output.Add(s);
            }

            return;
        }

        var older = output.GetRange(start, olderCount);
        output.RemoveRange(start, olderCount);
        int i = 0, j = 0;
        while (i < older.Count || j < newer.Length)
        {
            if (j == newer.Length || (i < older.Count && older[i].TimestampMs < newer[j].TimestampMs))
            {
                output.Add(older[i++]);
            }
            else
            {
                if (i < older.Count && older[i].TimestampMs == newer[j].TimestampMs)
                {
                    i++;
                }

                output.Add(newer[j++]);
            }
        }
    }
}
