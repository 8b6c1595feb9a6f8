using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Blocks;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>Trace queries over a <see cref="StoreView"/>.</summary>
internal static class TraceReader
{
    /// <summary>The most traces a query returns, whatever its limit asks for.</summary>
    public const int MaxLimit = 10_000;

    public static IReadOnlyList<SpanRecord> GetTrace(StoreView view, string traceId)
    {
        if (string.IsNullOrEmpty(traceId))
        {
            return [];
        }

        var spans = new List<SpanRecord>();
        using (var lease = BlockLease.Acquire(view.Blocks, b => b.Meta.SpanCount > 0))
        {
            foreach (var block in lease.Blocks)
            {
                block.CollectTrace(traceId, spans);
            }
        }

        foreach (var head in view.Heads)
        {
            head.Spans.CollectTrace(traceId, spans);
        }

        spans.Sort(static (a, b) =>
        {
            var c = a.StartTimeUnixNano.CompareTo(b.StartTimeUnixNano);
            return c != 0 ? c : string.CompareOrdinal(a.SpanId, b.SpanId);
        });
        return spans;
    }

    /// <summary>
    /// Scans sources (heads and blocks) from the one with the newest span start backwards, merging what each knows of
    /// a trace, and stops once <c>limit</c> matching traces start after every span of the sources left: those
    /// sources cannot hold a newer trace.
    /// </summary>
    public static IReadOnlyList<TraceSummary> QueryTraces(StoreView view, TraceQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        var filter = new TraceFilter(query);
        using var lease = BlockLease.Acquire(view.Blocks, b => b.Meta.SpanCount > 0);
        var sources = new List<(long MaxStart, Action<Dictionary<string, TracePartial>> Collect)>();
        foreach (var head in view.Heads)
        {
            if (head.Spans.Count > 0)
            {
                sources.Add((head.Spans.MaxStart, d => head.Spans.CollectSummaries(filter, d)));
            }
        }

        foreach (var block in lease.Blocks)
        {
            sources.Add((block.Meta.MaxSpanStart, d => block.CollectTraceSummaries(filter, d)));
        }

        sources.Sort((a, b) => b.MaxStart.CompareTo(a.MaxStart));
        var traces = new Dictionary<string, TracePartial>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
        {
            // A source whose spans all start before the window holds no trace that starts inside it.
            if (sources[i].MaxStart < filter.Start)
            {
                continue;
            }

            sources[i].Collect(traces);
            if (i + 1 < sources.Count && traces.Count >= limit)
            {
                var horizon = sources[i + 1].MaxStart;
                if (traces.Values.Count(t => t.Start > horizon && Accepts(filter, t)) >= limit)
                {
                    break;
                }
            }
        }

        return [.. traces.Values
            .Where(t => Accepts(filter, t))
            .OrderByDescending(t => t.Start)
            .ThenBy(t => t.TraceId, StringComparer.Ordinal)
            .Take(limit)
            .Select(t => t.ToSummary())];
    }

    private static bool Accepts(TraceFilter filter, TracePartial trace) =>
        trace.Matched && trace.Start >= filter.Start && trace.Start <= filter.End &&
        Math.Max(0, trace.End - trace.Start) / 1e9 >= filter.MinDurationSeconds;
}
