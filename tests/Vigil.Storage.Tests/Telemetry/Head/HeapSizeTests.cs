using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Head;

namespace Vigil.Storage.Tests.Telemetry.Head;

public sealed class HeapSizeTests
{
    [Fact]
    public void Of_LogRecords_IsWithinAFifthOfWhatTheRuntimeAllocated()
    {
        var resource = new TelemetryResource([new TelemetryAttribute("service.name", "svc")]);
        var records = new LogRecord[2_000];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = new LogRecord(
                i, i, 9, new string('I', 11), $"order {i:D6} processed for customer c-{i * 7:D5}".PadRight(200, 'x'),
                [new TelemetryAttribute($"order.id.{i}", i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)), new TelemetryAttribute("region" + i, "eu-west-" + i)],
                $"{i:x32}", $"{i:x16}", resource, "scope" + i);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var estimated = records.Sum(HeapSize.Of);

        Assert.InRange(estimated, allocated * 0.8, allocated * 1.2);
    }

    [Fact]
    public void Of_SpanWithEventsAndLinks_CountsThem()
    {
        var bare = Span([], []);
        var rich = Span([new SpanEvent(1, "cache.miss", [new TelemetryAttribute("key", "cart:42")])], [new SpanLink(new string('a', 32), new string('b', 16), [])]);

        Assert.True(HeapSize.Of(rich) > HeapSize.Of(bare) + 200);
    }

    private static SpanRecord Span(IReadOnlyList<SpanEvent> events, IReadOnlyList<SpanLink> links) => new(
        new string('1', 32), new string('2', 16), string.Empty, "GET /cart", SpanKind.Server, 1, 2, SpanStatusCode.Unset, string.Empty,
        [new TelemetryAttribute("http.route", "/cart")], events, links, TelemetryResource.Empty, "scope");
}
