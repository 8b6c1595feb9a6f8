using System.Globalization;
using Vigil.Core.Telemetry;

namespace Vigil.Server.Ui.Data;

/// <summary>The filters of the traces list, as read from its URL.</summary>
/// <param name="Service">Traces with a span of this <c>service.name</c>, or null.</param>
/// <param name="Environment">Traces with a span in this environment, or null.</param>
/// <param name="ErrorsOnly">Only traces with an error span.</param>
/// <param name="Window">Traces that start in this window.</param>
public sealed record TraceListFilters(string? Service, string? Environment, bool ErrorsOnly, ExploreWindow Window);

/// <summary>The traces list: the newest first, and whether more were left out.</summary>
/// <param name="Traces">At most <see cref="TraceView.MaxTraces"/> traces.</param>
/// <param name="More">True when older matching traces were left out (or, with an environment, not checked).</param>
public sealed record TraceListResult(IReadOnlyList<TraceSummary> Traces, bool More);

/// <summary>One row of a trace's waterfall.</summary>
/// <param name="Span">The span.</param>
/// <param name="Depth">0 for a root (or a span whose parent is not stored), 1 for its children, ...</param>
/// <param name="OffsetPercent">Where the bar starts, in percent of the trace's duration.</param>
/// <param name="WidthPercent">The bar's width, in percent of the trace's duration (at least a sliver).</param>
/// <param name="ParentMissing">True when the span names a parent this trace does not hold.</param>
public sealed record WaterfallRow(SpanRecord Span, int Depth, double OffsetPercent, double WidthPercent, bool ParentMissing)
{
    /// <summary>The offset as CSS (<c>12.34%</c>), invariant.</summary>
    public string OffsetCss => OffsetPercent.ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>The width as CSS (<c>5.6%</c>), invariant.</summary>
    public string WidthCss => WidthPercent.ToString("0.###", CultureInfo.InvariantCulture) + "%";
}

/// <summary>A trace laid out as a waterfall: spans in tree order with bars relative to the whole trace.</summary>
/// <param name="TraceId">The trace id.</param>
/// <param name="Start">When the earliest span started.</param>
/// <param name="DurationSeconds">From the earliest start to the latest end.</param>
/// <param name="Rows">Every span, parents before children, siblings by start time.</param>
/// <param name="Services">The services that took part, in order of first appearance.</param>
/// <param name="ErrorCount">How many spans have status Error.</param>
public sealed record Waterfall(string TraceId, DateTimeOffset Start, double DurationSeconds, IReadOnlyList<WaterfallRow> Rows, IReadOnlyList<string> Services, int ErrorCount);

/// <summary>Reads traces for the traces list and the waterfall, through the same <see cref="ITraceSource"/> as the REST API.</summary>
public static class TraceView
{
    /// <summary>The most traces listed: the newest ones.</summary>
    public const int MaxTraces = 100;

    /// <summary>
    /// With an environment filter, the most candidate traces whose spans are read to check it: the trace source has no
    /// environment filter, and each check reads a whole trace (about 2 ms on a small store).
    /// </summary>
    public const int MaxEnvironmentCandidates = MaxTraces;

    /// <summary>The narrowest bar, in percent, so an instant span is still visible.</summary>
    private const double MinWidthPercent = 0.3;

    /// <summary>True when <paramref name="text"/> is 32 hex digits; the id in lowercase.</summary>
    public static bool TryNormalizeTraceId(string? text, out string traceId)
    {
        traceId = string.Empty;
        if (text is null || text.Length != 32 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        traceId = text.ToLowerInvariant();
        return true;
    }

    /// <summary>
    /// The newest traces matching the filters. The trace source filters by service, status and time; an environment is
    /// checked here on at most <see cref="MaxEnvironmentCandidates"/> candidates (a span of the trace must carry it).
    /// </summary>
    public static TraceListResult List(ITraceSource source, TraceListFilters filters)
    {
        var byEnvironment = !string.IsNullOrEmpty(filters.Environment);
        var limit = byEnvironment ? MaxEnvironmentCandidates : MaxTraces + 1;
        // TODO(issue 5): an environment filter in TraceQuery would let the store do this and drop the per-trace reads.
        var candidates = source.QueryTraces(new TraceQuery(
            Service: filters.Service,
            Status: filters.ErrorsOnly ? SpanStatusCode.Error : null,
            StartUnixNano: filters.Window.FromUnixNano,
            EndUnixNano: filters.Window.ToUnixNano,
            Limit: limit));
        if (!byEnvironment)
        {
            return new TraceListResult(candidates.Take(MaxTraces).ToList(), candidates.Count > MaxTraces);
        }

        var kept = new List<TraceSummary>();
        foreach (var trace in candidates)
        {
            var spans = source.GetTrace(trace.TraceId);
            if (spans.Any(s => s.Resource.Environment == filters.Environment
                && (string.IsNullOrEmpty(filters.Service) || s.Resource.ServiceName == filters.Service)))
            {
                if (kept.Count == MaxTraces)
                {
                    return new TraceListResult(kept, true);
                }

                kept.Add(trace);
            }
        }

        return new TraceListResult(kept, candidates.Count >= limit);
    }

    /// <summary>Lays out the spans of one trace; null when there are none.</summary>
    public static Waterfall? Layout(string traceId, IReadOnlyList<SpanRecord> spans)
    {
        if (spans.Count == 0)
        {
            return null;
        }

        var start = spans.Min(s => s.StartTimeUnixNano);
        var end = spans.Max(s => Math.Max(s.StartTimeUnixNano, s.EndTimeUnixNano));
        var total = Math.Max(1, end - start);
        var ids = new HashSet<string>(spans.Select(s => s.SpanId), StringComparer.Ordinal);
        var children = spans
            .Where(s => s.ParentSpanId.Length > 0 && ids.Contains(s.ParentSpanId) && s.ParentSpanId != s.SpanId)
            .GroupBy(s => s.ParentSpanId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.StartTimeUnixNano).ThenBy(s => s.SpanId, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var roots = spans
            .Where(s => s.ParentSpanId.Length == 0 || !ids.Contains(s.ParentSpanId) || s.ParentSpanId == s.SpanId)
            .OrderBy(s => s.StartTimeUnixNano).ThenBy(s => s.SpanId, StringComparer.Ordinal);

        var rows = new List<WaterfallRow>(spans.Count);
        var placed = new HashSet<SpanRecord>(ReferenceEqualityComparer.Instance);
        void Place(SpanRecord span, int depth)
        {
            // An explicit stack instead of recursion: a deep or malformed trace cannot overflow the stack.
            var stack = new Stack<(SpanRecord Span, int Depth)>();
            stack.Push((span, depth));
            while (stack.Count > 0)
            {
                var (current, level) = stack.Pop();
                if (!placed.Add(current))
                {
                    continue;
                }

                var offset = (current.StartTimeUnixNano - start) * 100.0 / total;
                var width = Math.Max(MinWidthPercent, Math.Max(0, current.EndTimeUnixNano - current.StartTimeUnixNano) * 100.0 / total);
                width = Math.Min(width, Math.Max(MinWidthPercent, 100 - offset));
                rows.Add(new WaterfallRow(current, level, offset, width, current.ParentSpanId.Length > 0 && !ids.Contains(current.ParentSpanId)));
                if (children.TryGetValue(current.SpanId, out var kids))
                {
                    for (var i = kids.Count - 1; i >= 0; i--)
                    {
                        stack.Push((kids[i], level + 1));
                    }
                }
            }
        }

        foreach (var root in roots)
        {
            Place(root, 0);
        }

        // Spans caught in a parent cycle have no root; show them anyway, at the top level.
        foreach (var span in spans)
        {
            Place(span, 0);
        }

        var services = rows.Select(r => r.Span.Resource.ServiceName).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return new Waterfall(
            traceId,
            DateTimeOffset.UnixEpoch.AddTicks(start / 100),
            total / 1e9,
            rows,
            services,
            spans.Count(s => s.StatusCode == SpanStatusCode.Error));
    }

    /// <summary>A duration in seconds as the pages write it: <c>850 µs</c>, <c>12.3 ms</c>, <c>1.25 s</c>.</summary>
    public static string Duration(double seconds) => seconds switch
    {
        < 0.001 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:0} µs"),
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:0.#} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.##} s"),
    };

    /// <summary>A span kind as text.</summary>
    public static string KindText(SpanKind kind) => kind switch
    {
        SpanKind.Internal => "internal",
        SpanKind.Server => "server",
        SpanKind.Client => "client",
        SpanKind.Producer => "producer",
        SpanKind.Consumer => "consumer",
        _ => "unspecified",
    };

    /// <summary>A span status as text.</summary>
    public static string StatusText(SpanStatusCode status) => status switch
    {
        SpanStatusCode.Ok => "ok",
        SpanStatusCode.Error => "error",
        _ => "unset",
    };
}
