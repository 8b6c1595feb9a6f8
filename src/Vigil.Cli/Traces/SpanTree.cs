using Vigil.Cli.Output;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Traces;

/// <summary>
/// Draws a trace as an indented tree: children under their parent, in start order, each line with the span's
/// duration, its service and its offset from the trace's start. Spans whose parent is missing (not yet received, or
/// dropped) are drawn as further roots; parent cycles in bad data cannot loop, every span is drawn exactly once.
/// </summary>
internal static class SpanTree
{
    /// <summary>Indentation stops growing past this depth so that a pathological trace cannot print quadratic output.</summary>
    public const int MaxIndentDepth = 32;

    public static void Write(TextWriter writer, TraceResponse trace)
    {
        var spans = trace.Spans ?? [];
        if (spans.Count == 0)
        {
            writer.WriteLine($"trace {Display.Safe(trace.TraceId ?? "")}: no spans");
            return;
        }

        var traceStart = spans.Min(s => s.StartTimeUnixNano);
        var traceEnd = spans.Max(s => s.EndTimeUnixNano);
        writer.WriteLine(
            $"trace {Display.Safe(trace.TraceId ?? "")}  {spans.Count} span{(spans.Count == 1 ? "" : "s")}  " +
            $"{Display.Duration((traceEnd - traceStart) / 1e9)}  started {Display.TimeFromUnixNano(traceStart)}");

        var order = Enumerable.Range(0, spans.Count)
            .OrderBy(i => spans[i].StartTimeUnixNano)
            .ThenBy(i => spans[i].SpanId, StringComparer.Ordinal)
            .ToArray();
        var ids = new HashSet<string>(spans.Select(s => s.SpanId ?? ""), StringComparer.Ordinal);
        var children = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var i in order)
        {
            var parent = spans[i].ParentSpanId;
            if (!string.IsNullOrEmpty(parent) && ids.Contains(parent) && parent != spans[i].SpanId)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(i);
            }
        }

        var drawn = new bool[spans.Count];
        // Roots first (no parent, or a parent not in the trace); then whatever a cycle kept unreachable.
        var roots = order.Where(i => !children.Values.Any(l => l.Contains(i))).ToList();
        foreach (var root in roots.Concat(order))
        {
            if (!drawn[root])
            {
                DrawFrom(writer, spans, children, drawn, root, traceStart);
            }
        }
    }

    private static void DrawFrom(
        TextWriter writer, IReadOnlyList<SpanDto> spans, Dictionary<string, List<int>> children, bool[] drawn, int root, long traceStart)
    {
        // Depth-first with an explicit stack: a deep trace must not overflow the call stack.
        var stack = new Stack<(int Span, string Indent, string Branch, int Depth)>();
        stack.Push((root, "", "", 0));
        while (stack.Count > 0)
        {
            var (index, indent, branch, depth) = stack.Pop();
            if (drawn[index])
            {
                continue;
            }

            drawn[index] = true;
            writer.WriteLine(indent + branch + Line(spans[index], traceStart));

            if (!children.TryGetValue(spans[index].SpanId ?? "", out var kids))
            {
                continue;
            }

            var pending = kids.Where(k => !drawn[k]).ToList();
            var childIndent = depth == 0 ? "" : depth >= MaxIndentDepth ? indent : indent + (branch == "└─ " ? "   " : "│  ");
            for (var k = pending.Count - 1; k >= 0; k--)
            {
                stack.Push((pending[k], childIndent, k == pending.Count - 1 ? "└─ " : "├─ ", depth + 1));
            }
        }
    }

    private static string Line(SpanDto span, long traceStart)
    {
        string? service = null;
        span.Resource?.TryGetValue("service.name", out service);
        var line = $"{Display.Safe(span.Name ?? "")}  {Display.Duration(span.DurationSeconds)}";
        if (!string.IsNullOrEmpty(service))
        {
            line += $"  {Display.Safe(service)}";
        }

        line += $"  +{Display.Duration((span.StartTimeUnixNano - traceStart) / 1e9)}";
        // "error" or OTLP's "STATUS_CODE_ERROR".
        if (span.StatusCode?.EndsWith("error", StringComparison.OrdinalIgnoreCase) == true)
        {
            line += string.IsNullOrEmpty(span.StatusMessage) ? "  ERROR" : $"  ERROR: {Display.Safe(span.StatusMessage)}";
        }

        return line;
    }
}
