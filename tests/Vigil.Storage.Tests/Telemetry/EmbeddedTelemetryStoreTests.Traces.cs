using Vigil.Core.Telemetry;
using static Vigil.Storage.Tests.Telemetry.TestTelemetry;

namespace Vigil.Storage.Tests.Telemetry;

public sealed partial class EmbeddedTelemetryStoreTests
{
    private const long Second = 1_000_000_000;

    public static TheoryData<string, TraceQuery, int[]> TraceFilterCases() => new()
    {
        // Traces 1..6 start at StartNs + n s; trace n lasts n * 100 ms; its root is served by "frontend" and a child
        // span by "checkout" (n odd) or "cart" (n even); the child of trace 3 and 6 has status Error.
        { "no filter", new TraceQuery(), [6, 5, 4, 3, 2, 1] },
        { "service of any span", new TraceQuery(Service: "cart"), [6, 4, 2] },
        { "operation", new TraceQuery(Operation: "POST /pay"), [5, 3, 1] },
        { "status", new TraceQuery(Status: SpanStatusCode.Error), [6, 3] },
        { "same span matches service and status", new TraceQuery(Service: "frontend", Status: SpanStatusCode.Error), [] },
        { "duration of the whole trace", new TraceQuery(MinDurationSeconds: 0.4), [6, 5, 4] },
        { "start range", new TraceQuery(StartUnixNano: StartNs + (2 * Second), EndUnixNano: StartNs + (4 * Second)), [4, 3, 2] },
        { "limit", new TraceQuery(Limit: 2), [6, 5] },
    };

    [Theory]
    [MemberData(nameof(TraceFilterCases))]
    public async Task QueryTraces_Filter_ReturnsMatchingTracesNewestFirst(string description, TraceQuery query, int[] expected)
    {
        _ = description;
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.AppendAsync(TelemetryBatch.OfSpans([.. Enumerable.Range(1, 3).SelectMany(FilterTrace)]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);
        await harness.Store.AppendAsync(TelemetryBatch.OfSpans([.. Enumerable.Range(4, 3).SelectMany(FilterTrace)]), CancellationToken.None);

        var traces = harness.Store.QueryTraces(query);

        Assert.Equal(expected.Select(TraceId), traces.Select(t => t.TraceId));
    }

    [Fact]
    public async Task QueryTraces_Summary_DescribesRootDurationCountAndError()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.AppendAsync(TelemetryBatch.OfSpans([.. FilterTrace(3)]), CancellationToken.None);

        var summary = Assert.Single(harness.Store.QueryTraces(new TraceQuery()));

        Assert.Equal(new TraceSummary(TraceId(3), "frontend", "GET /checkout", StartNs + (3 * Second), StartNs + (3 * Second) + 300_000_000, 2, true), summary);
    }

    [Fact]
    public async Task GetTrace_SpansSplitBetweenBlockAndHead_ReturnsAllOrderedByStart()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var trace = TraceId(7);
        var frontend = Resource("frontend");
        await harness.Store.AppendAsync(TelemetryBatch.OfSpans([
            Span(trace, SpanId(3), SpanId(1), "child b", StartNs + 30, StartNs + 40, frontend),
            Span(trace, SpanId(1), string.Empty, "root", StartNs, StartNs + 100, frontend),
        ]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);
        await harness.Store.AppendAsync(TelemetryBatch.OfSpans([Span(trace, SpanId(2), SpanId(1), "child a", StartNs + 10, StartNs + 20, frontend)]), CancellationToken.None);

        var spans = harness.Store.GetTrace(trace);

        Assert.Equal(["root", "child a", "child b"], spans.Select(s => s.Name));
        var summary = Assert.Single(harness.Store.QueryTraces(new TraceQuery()));
        Assert.Equal(3, summary.SpanCount);
        Assert.Equal("root", summary.RootName);
    }

    [Fact]
    public async Task GetTrace_AmongManyTracesInABlock_FindsItsSpansAcrossPageBoundaries()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var spans = new List<SpanRecord>();
        for (var t = 0; t < 300; t++)
        {
            for (var s = 0; s < 7; s++)
            {
                spans.Add(Span(TraceId(t), SpanId(s + 1), s == 0 ? string.Empty : SpanId(1), $"op {s}", StartNs + (t * Second) + s, StartNs + (t * Second) + 1000));
            }
        }

        await harness.Store.AppendAsync(TelemetryBatch.OfSpans(spans), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);

        foreach (var t in new[] { 0, 73, 146, 299 })
        {
            var trace = harness.Store.GetTrace(TraceId(t));
            Assert.Equal(Enumerable.Range(0, 7).Select(s => $"op {s}"), trace.Select(x => x.Name));
            Assert.All(trace, x => Assert.Equal(TraceId(t), x.TraceId));
        }

        Assert.Empty(harness.Store.GetTrace(TraceId(300)));
        Assert.Equal(300, harness.Store.QueryTraces(new TraceQuery(Limit: 1000)).Count);
    }

    [Fact]
    public async Task GetTrace_AfterFlush_ReturnsSpansWithEventsLinksAndAttributesIntact()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var original = Span(TraceId(9), SpanId(1), string.Empty, "GET /", StartNs, StartNs + Second, status: SpanStatusCode.Error);
        await harness.Store.AppendAsync(TelemetryBatch.OfSpans([original]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);

        var stored = Assert.Single(harness.Store.GetTrace(TraceId(9)));

        Assert.Equal(original.Attributes, stored.Attributes);
        Assert.Equal(original.Resource.Attributes, stored.Resource.Attributes);
        Assert.Equal(original.Events.Single() with { Attributes = [] }, stored.Events.Single() with { Attributes = [] });
        Assert.Equal(original.Events.Single().Attributes, stored.Events.Single().Attributes);
        Assert.Equal(original.Links.Single() with { Attributes = [] }, stored.Links.Single() with { Attributes = [] });
        Assert.Equal((original.Name, original.Kind, original.StatusCode, original.StatusMessage, original.EndTimeUnixNano, original.ScopeName),
            (stored.Name, stored.Kind, stored.StatusCode, stored.StatusMessage, stored.EndTimeUnixNano, stored.ScopeName));
    }

    private static IEnumerable<SpanRecord> FilterTrace(int n)
    {
        var start = StartNs + (n * Second);
        var child = Resource(n % 2 == 0 ? "cart" : "checkout");
        yield return Span(TraceId(n), SpanId(1), string.Empty, "GET /checkout", start, start + (n * 100_000_000L), Resource("frontend"));
        yield return Span(TraceId(n), SpanId(2), SpanId(1), n % 2 == 0 ? "GET /cart" : "POST /pay", start + 1000, start + 2000, child,
            n % 3 == 0 ? SpanStatusCode.Error : SpanStatusCode.Ok);
    }
}
