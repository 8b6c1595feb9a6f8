using System.Collections.Concurrent;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Queries;

namespace Vigil.Storage.Telemetry.Head;

/// <summary>
/// Spans in the head, in arrival order, with an index from trace id to the trace's spans and a running summary,
/// so <see cref="CollectTrace"/> is a lookup and not a scan.
/// </summary>
internal sealed class HeadSpans
{
    private readonly AppendOnlyList<SpanRecord> _spans = new();
    private readonly ConcurrentDictionary<string, HeadTrace> _traces = new(StringComparer.Ordinal);
    private long _minStart = long.MaxValue;
    private long _maxStart = long.MinValue;

    public int Count => _spans.Count;

    public int TraceCount => _traces.Count;

    /// <summary>The earliest span start, Unix nanoseconds (long.MaxValue when empty).</summary>
    public long MinStart => Volatile.Read(ref _minStart);

    /// <summary>The latest span start, Unix nanoseconds (long.MinValue when empty).</summary>
    public long MaxStart => Volatile.Read(ref _maxStart);

    /// <summary>Adds a span; only the commit loop calls this.</summary>
    public void Add(SpanRecord span)
    {
        var index = _spans.Add(span);
        var trace = _traces.GetOrAdd(span.TraceId, static id => new HeadTrace(id));
        trace.Add(index, span);
        if (span.StartTimeUnixNano < _minStart)
        {
            Volatile.Write(ref _minStart, span.StartTimeUnixNano);
        }

        if (span.StartTimeUnixNano > _maxStart)
        {
            Volatile.Write(ref _maxStart, span.StartTimeUnixNano);
        }
    }

    public void CollectTrace(string traceId, List<SpanRecord> output)
    {
        if (_traces.TryGetValue(traceId, out var trace))
        {
            trace.CollectSpans(_spans, output);
        }
    }

    public void CollectSummaries(TraceFilter filter, Dictionary<string, TracePartial> output)
    {
        foreach (var trace in _traces.Values)
        {
            var partial = trace.ToPartial(filter);
            if (partial.SpanCount == 0)
            {
                continue;
            }

            if (output.TryGetValue(partial.TraceId, out var existing))
            {
                existing.Merge(partial);
            }
            else
            {
                output[partial.TraceId] = partial;
            }
        }
    }

    /// <summary>Every span, for writing a block from a frozen head.</summary>
    public List<SpanRecord> Snapshot()
    {
        var count = _spans.Count;
        var result = new List<SpanRecord>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(_spans[i]);
        }

        return result;
    }

    /// <summary>
    /// One trace in the head: where its spans are, and a running summary (with the distinct service, operation and
    /// status of its spans) so that a trace query does not revisit every span.
    /// </summary>
    private sealed class HeadTrace(string traceId)
    {
        private readonly Lock _sync = new();
        private readonly List<int> _spanIndexes = new(4);
        private readonly TracePartial _summary = new(traceId);
        private readonly HashSet<(string Service, string Name, SpanStatusCode Status)> _kinds = [];

        public void Add(int index, SpanRecord span)
        {
            var service = span.Resource.ServiceName;
            lock (_sync)
            {
                _spanIndexes.Add(index);
                _summary.AddSpan(service, span.Name, span.ParentSpanId.Length == 0, span.StartTimeUnixNano, span.EndTimeUnixNano, span.StatusCode);
                _kinds.Add((service, span.Name, span.StatusCode));
            }
        }

        public void CollectSpans(AppendOnlyList<SpanRecord> spans, List<SpanRecord> output)
        {
            lock (_sync)
            {
                foreach (var i in _spanIndexes)
                {
                    output.Add(spans[i]);
                }
            }
        }

        public TracePartial ToPartial(TraceFilter filter)
        {
            var partial = new TracePartial(traceId) { Matched = !filter.HasSpanFilter };
            lock (_sync)
            {
                partial.Merge(_summary);
                if (!partial.Matched)
                {
                    foreach (var (service, name, status) in _kinds)
                    {
                        if (filter.SpanMatches(service, name, status))
                        {
                            partial.Matched = true;
                            break;
                        }
                    }
                }
            }

            return partial;
        }
    }
}
