using Vigil.Cli.Tests.Output;
using Vigil.Cli.Traces;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Tests.Traces;

public sealed class SpanTreeTests
{
    private const long T0 = 1_740_830_400_000_000_000;
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public void Write_NestedSpans_DrawsIndentedTreeInStartOrder()
    {
        var trace = new TraceResponse(TraceId,
        [
            Span("c", "a", "POST /pay", "payments", 300, 900),
            Span("a", "", "GET /checkout", "frontend", 0, 1_250),
            Span("d", "b", "SELECT cart", "db", 20, 30, error: "timeout"),
            Span("b", "a", "GET /cart", "cart", 10, 120),
        ]);

        var text = FormattingTests.Render(w => SpanTree.Write(w, trace));

        Assert.Equal(
            $"trace {TraceId}  4 spans  1.25s  started 2025-03-01T12:00:00.000Z\n" +
            "GET /checkout  1.25s  frontend  +0s\n" +
            "├─ GET /cart  120ms  cart  +10ms\n" +
            "│  └─ SELECT cart  30ms  db  +20ms  ERROR: timeout\n" +
            "└─ POST /pay  900ms  payments  +300ms\n",
            text);
    }

    [Fact]
    public void Write_MissingParent_DrawsOrphanAsAnotherRoot()
    {
        var trace = new TraceResponse(TraceId,
        [
            Span("a", "", "root", "api", 0, 100),
            Span("x", "gone", "orphan", "api", 50, 10),
        ]);

        var text = FormattingTests.Render(w => SpanTree.Write(w, trace));

        Assert.EndsWith("root  100ms  api  +0s\norphan  10ms  api  +50ms\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ParentCycle_DrawsEverySpanOnce()
    {
        var trace = new TraceResponse(TraceId,
        [
            Span("a", "b", "one", "api", 0, 10),
            Span("b", "a", "two", "api", 1, 10),
            Span("c", "c", "self", "api", 2, 10),
        ]);

        var lines = FormattingTests.Render(w => SpanTree.Write(w, trace)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        Assert.Single(lines, l => l.Contains("one", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("two", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("self", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_VeryDeepTrace_BoundsIndentation()
    {
        const int depth = 500;
        var spans = Enumerable.Range(0, depth)
            .Select(i => Span($"s{i}", i == 0 ? "" : $"s{i - 1}", $"op{i}", "api", i, 1))
            .ToList();

        var lines = FormattingTests.Render(w => SpanTree.Write(w, new TraceResponse(TraceId, spans))).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(depth + 1, lines.Length);
        Assert.True(lines.Max(l => l.Length) < (SpanTree.MaxIndentDepth * 3) + 60);
    }

    [Fact]
    public void Write_NoSpans_SaysSo()
    {
        Assert.Equal($"trace {TraceId}: no spans\n", FormattingTests.Render(w => SpanTree.Write(w, new TraceResponse(TraceId, []))));
    }

    private static SpanDto Span(string id, string parent, string name, string service, long startMs, long durationMs, string? error = null) =>
        new(TraceId, id, parent, name, "SPAN_KIND_SERVER",
            T0 + (startMs * 1_000_000), T0 + ((startMs + durationMs) * 1_000_000), durationMs / 1000.0,
            error is null ? "ok" : "error", error ?? "",
            new Dictionary<string, string>(), [], [], new Dictionary<string, string> { ["service.name"] = service }, "");
}
