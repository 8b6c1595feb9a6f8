using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>An inverted index from label name and value to the sorted numbers of the series that carry it.</summary>
internal interface IPostingsIndex
{
    /// <summary>Series are numbered 0 to <see cref="SeriesCount"/> - 1.</summary>
    int SeriesCount { get; }

    /// <summary>The series with <paramref name="name"/>=<paramref name="value"/>, sorted; null when none.</summary>
    IReadOnlyList<int>? Get(string name, string value);

    /// <summary>Every value of a label with its series; empty when no series has the label.</summary>
    IEnumerable<KeyValuePair<string, IReadOnlyList<int>>> Values(string name);
}

/// <summary>Narrows a matcher list to candidate series through the postings, before each candidate's labels are checked.</summary>
internal static class PostingsQuery
{
    /// <summary>
    /// Sorted candidate series numbers, or null when no matcher narrows the set (every series is a candidate).
    /// Candidates are a superset: callers still check every matcher against the labels, which is also what makes
    /// matchers that match the empty string (<c>!=</c>, <c>!~</c>, <c>=""</c>) correct for absent labels.
    /// </summary>
    public static int[]? Candidates(IPostingsIndex index, IReadOnlyList<LabelMatcher> matchers)
    {
        List<int[]>? sets = null;
        foreach (var matcher in matchers)
        {
            if (matcher.MatchesEmpty)
            {
                continue;
            }

            int[] ids;
            if (matcher.Type == Vigil.Core.Telemetry.MatchType.Equal)
            {
                ids = index.Get(matcher.Name, matcher.Value) is { } list ? [.. list] : [];
            }
            else
            {
                // A series has one value per label, so the postings of different values are disjoint: concatenate, then sort.
                var union = new List<int>();
                foreach (var (value, postings) in index.Values(matcher.Name))
                {
                    if (matcher.Matches(value))
                    {
                        union.AddRange(postings);
                    }
                }

                ids = [.. union];
                Array.Sort(ids);
            }

            if (ids.Length == 0)
            {
                return [];
            }

            (sets ??= []).Add(ids);
        }

        if (sets is null)
        {
            return null;
        }

        sets.Sort((a, b) => a.Length.CompareTo(b.Length));
        var result = sets[0];
        for (var i = 1; i < sets.Count && result.Length > 0; i++)
        {
            result = Intersect(result, sets[i]);
        }

        return result;
    }

    /// <summary>Whether every matcher accepts the labels (an absent label reads as the empty string).</summary>
    public static bool MatchesAll(LabelSet labels, IReadOnlyList<LabelMatcher> matchers)
    {
        foreach (var matcher in matchers)
        {
            if (!matcher.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    private static int[] Intersect(int[] a, int[] b)
    {
        var result = new List<int>(Math.Min(a.Length, b.Length));
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j])
            {
                i++;
            }
            else if (a[i] > b[j])
            {
                j++;
            }
            else
            {
                result.Add(a[i]);
                i++;
                j++;
            }
        }

        return [.. result];
    }
}
