using Vigil.Core.Telemetry;
using static Vigil.Storage.Tests.Telemetry.TestTelemetry;

namespace Vigil.Storage.Tests.Telemetry;

public sealed partial class EmbeddedTelemetryStoreTests
{
    public static TheoryData<string, LogQuery, int[]> LogFilterCases() => new()
    {
        // Logs i = 0..9 at StartNs + i s: checkout (prod, 1.0.0) for even i, cart (staging, 2.0.0) for odd i;
        // severity 17 (error) when i % 3 == 0; body "order i placed" or "PAYMENT failed i" when i % 4 == 0;
        // trace id of log 5 is TraceId(5). Expected: the indexes, newest first.
        { "no filter", new LogQuery(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] },
        { "service", new LogQuery(Service: "cart"), [9, 7, 5, 3, 1] },
        { "environment", new LogQuery(Environment: "prod"), [8, 6, 4, 2, 0] },
        { "old environment alias", new LogQuery(Environment: "legacy"), [] },
        { "version", new LogQuery(Version: "2.0.0"), [9, 7, 5, 3, 1] },
        { "min severity", new LogQuery(MinSeverityNumber: 17), [9, 6, 3, 0] },
        { "time range inclusive", new LogQuery(StartUnixNano: StartNs + 2_000_000_000, EndUnixNano: StartNs + 4_000_000_000), [4, 3, 2] },
        { "contains, case-insensitive", new LogQuery(Contains: "payment FAILED"), [8, 4, 0] },
        { "trace id", new LogQuery(TraceId: TraceId(5)), [5] },
        { "combined", new LogQuery(Service: "checkout", MinSeverityNumber: 17), [6, 0] },
    };

    [Theory]
    [MemberData(nameof(LogFilterCases))]
    public async Task QueryLogs_Filter_ReturnsMatchingRecordsNewestFirstFromHeadAndBlocks(string description, LogQuery query, int[] expected)
    {
        _ = description;
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.AppendAsync(TelemetryBatch.OfLogs(FilterLogs(0, 5)), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);
        await harness.Store.AppendAsync(TelemetryBatch.OfLogs(FilterLogs(5, 5)), CancellationToken.None);

        var page = harness.Store.QueryLogs(query);

        Assert.Equal(expected.Select(i => StartNs + (i * 1_000_000_000L)), page.Records.Select(r => r.TimeUnixNano));
    }

    [Fact]
    public async Task QueryLogs_PagedAcrossBlocksAndHead_VisitsEveryRecordOnceNewestFirst()
    {
        await using var harness = await StoreHarness.OpenAsync();

        // Equal timestamps across batches, and blocks that overlap in time: the sequence number breaks ties.
        for (var part = 0; part < 3; part++)
        {
            var logs = Enumerable.Range(0, 700).Select(i => Log(StartNs + ((i % 350) * 1_000_000L), $"part {part} log {i}")).ToList();
            await harness.Store.AppendAsync(TelemetryBatch.OfLogs(logs), CancellationToken.None);
            if (part < 2)
            {
                await harness.Store.FlushAsync(CancellationToken.None);
            }
        }

        var seen = new List<LogRecord>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = harness.Store.QueryLogs(new LogQuery(Limit: 97, PageToken: token));
            seen.AddRange(page.Records);
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null && pages < 100);

        Assert.Equal(2100, seen.Count);
        Assert.Equal(2100, seen.Select(l => l.Body).Distinct().Count());
        Assert.Equal(seen.Select(l => l.TimeUnixNano).OrderDescending(), seen.Select(l => l.TimeUnixNano));
        Assert.Equal(22, pages);
    }

    [Fact]
    public async Task QueryLogs_LastPage_HasNoNextToken()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.AppendAsync(TelemetryBatch.OfLogs(FilterLogs(0, 4)), CancellationToken.None);

        var first = harness.Store.QueryLogs(new LogQuery(Limit: 2));
        var second = harness.Store.QueryLogs(new LogQuery(Limit: 2, PageToken: first.NextPageToken));

        Assert.NotNull(first.NextPageToken);
        Assert.Equal(2, second.Records.Count);
        Assert.Null(second.NextPageToken);
    }

    [Fact]
    public async Task QueryLogs_MalformedPageToken_ThrowsArgumentException()
    {
        await using var harness = await StoreHarness.OpenAsync();

        var ex = Assert.Throws<ArgumentException>(() => harness.Store.QueryLogs(new LogQuery(PageToken: "not-a-token")));

        Assert.Contains("invalid page token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryLogs_AfterReopen_ReturnsRecordsWithAllFieldsIntact()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var original = Log(StartNs, "hello ✓ world", Resource("checkout", "prod", "1.2.3"), severity: 13, traceId: TraceId(42));
        await harness.Store.AppendAsync(TelemetryBatch.OfLogs([original]), CancellationToken.None);
        await harness.ReopenAsync();
        var fromWal = Assert.Single(harness.Store.QueryLogs(new LogQuery()).Records);
        await harness.Store.FlushAsync(CancellationToken.None);

        var fromBlock = Assert.Single(harness.Store.QueryLogs(new LogQuery()).Records);

        foreach (var record in new[] { fromWal, fromBlock })
        {
            Assert.Equal(original with { Attributes = [], Resource = TelemetryResource.Empty }, record with { Attributes = [], Resource = TelemetryResource.Empty });
            Assert.Equal(original.Attributes, record.Attributes);
            Assert.Equal(original.Resource.Attributes, record.Resource.Attributes);
        }
    }

    private static List<LogRecord> FilterLogs(int first, int count)
    {
        var checkout = Resource("checkout", "prod", "1.0.0");
        var cart = new TelemetryResource([
            new TelemetryAttribute(ResourceAttributes.ServiceName, "cart"),
            new TelemetryAttribute(ResourceAttributes.DeploymentEnvironment, "staging"),
            new TelemetryAttribute(ResourceAttributes.ServiceVersion, "2.0.0"),
        ]);
        return [.. Enumerable.Range(first, count).Select(i => Log(
            StartNs + (i * 1_000_000_000L),
            i % 4 == 0 ? $"Payment failed {i}" : $"order {i} placed",
            i % 2 == 0 ? checkout : cart,
            severity: i % 3 == 0 ? 17 : 9,
            traceId: i == 5 ? TraceId(5) : TraceId(100 + i)))];
    }
}
