using Vigil.Core.Telemetry;
using MatchType = Vigil.Core.Telemetry.MatchType;
using static Vigil.Storage.Tests.Telemetry.TestTelemetry;

namespace Vigil.Storage.Tests.Telemetry;

public sealed partial class EmbeddedTelemetryStoreTests
{
    public static TheoryData<string, string, string[]> MatcherCases() => new()
    {
        // name, matcher, the "pod" values expected (series: a/GET/200, b/POST/500, c/GET without a status label).
        { "=", "method=GET", ["a", "c"] },
        { "!=", "method!=GET", ["b"] },
        { "=~", "status=~5..", ["b"] },
        { "!~", "status!~2..", ["b", "c"] },
        { "absent label as empty", "status=", ["c"] },
        { "present label", "status!=", ["a", "b"] },
        { "regex matching empty", "status=~|200", ["a", "c"] },
        { "unknown label", "zone=eu", [] },
    };

    [Theory]
    [MemberData(nameof(MatcherCases))]
    public async Task SelectSeries_Matcher_SelectsTheExpectedSeriesInHeadAndBlocks(string description, string matcher, string[] expectedPods)
    {
        _ = description;
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.AppendAsync(PodsBatch(StartMs), CancellationToken.None);
        var parsed = ParseMatcher(matcher);

        var inHead = harness.Store.SelectSeries(Name("http_requests_total", parsed), StartMs, StartMs + 60_000, 100);
        await harness.Store.FlushAsync(CancellationToken.None);
        var inBlock = harness.Store.SelectSeries(Name("http_requests_total", parsed), StartMs, StartMs + 60_000, 100);

        Assert.Equal(expectedPods, inHead.Select(l => l.Get("pod")).Order());
        Assert.Equal(expectedPods, inBlock.Select(l => l.Get("pod")).Order());
    }

    [Fact]
    public async Task SelectSamples_WindowSpanningBlockAndHead_MergesSortedWithoutDuplicatesInsideInclusiveBounds()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var labels = Series("temperature", ("room", "lab"));
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([.. Enumerable.Range(0, 100).Select(i => new SeriesSample(labels, StartMs + (i * 1000L), i))]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);

        // The head overlaps the block (rewrites 90..99) and continues after it.
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([.. Enumerable.Range(90, 60).Select(i => new SeriesSample(labels, StartMs + (i * 1000L), i + 0.5))]), CancellationToken.None);

        var series = Assert.Single(harness.Store.SelectSamples(Name("temperature"), StartMs + 10_000, StartMs + 120_000, 10));

        Assert.Equal(Enumerable.Range(10, 111).Select(i => StartMs + (i * 1000L)), series.Samples.Select(s => s.TimestampMs));
        Assert.Equal(89, series.Samples.Single(s => s.TimestampMs == StartMs + 89_000).Value);
        Assert.Equal(90.5, series.Samples.Single(s => s.TimestampMs == StartMs + 90_000).Value);
        Assert.Equal(1, harness.Store.GetStats().Blocks);
    }

    [Fact]
    public async Task SelectSamples_ManySeries_IsCappedAtLimitInLabelOrder()
    {
        await using var harness = await StoreHarness.OpenAsync();
        var samples = Enumerable.Range(0, 50).Select(i => new SeriesSample(Series("cpu", ("core", i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture))), StartMs, i)).ToList();
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples(samples), CancellationToken.None);

        var selected = harness.Store.SelectSamples(Name("cpu"), StartMs, StartMs, 7);

        Assert.Equal(["00", "01", "02", "03", "04", "05", "06"], selected.Select(s => s.Labels.Get("core")));
    }

    [Fact]
    public async Task SelectSeries_SeriesWithoutSamplesInWindow_IsNotReturned()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await harness.Store.AppendAsync(TelemetryBatch.OfSamples([
            new SeriesSample(Series("up", ("job", "old")), StartMs, 1),
            new SeriesSample(Series("up", ("job", "old")), StartMs + 600_000, 1),
            new SeriesSample(Series("up", ("job", "new")), StartMs + 300_000, 1),
        ]), CancellationToken.None);
        await harness.Store.FlushAsync(CancellationToken.None);

        var selected = harness.Store.SelectSeries(Name("up"), StartMs + 200_000, StartMs + 400_000, 10);

        Assert.Equal(["new"], selected.Select(l => l.Get("job")));
    }

    [Fact]
    public async Task SelectSamples_AggregateOverManySeriesAcrossBlocks_ReturnsEverySeriesComplete()
    {
        await using var harness = await StoreHarness.OpenAsync();
        for (var part = 0; part < 3; part++)
        {
            var batch = new List<SeriesSample>();
            for (var s = 0; s < 2000; s++)
            {
                var labels = Series("http_request_duration_seconds", ("instance", "i" + s), ("service_name", s % 2 == 0 ? "checkout" : "cart"));
                for (var k = 0; k < 20; k++)
                {
                    batch.Add(new SeriesSample(labels, StartMs + (((part * 20) + k) * 15_000L), k));
                }
            }

            await harness.Store.AppendAsync(TelemetryBatch.OfSamples(batch), CancellationToken.None);
            if (part < 2)
            {
                await harness.Store.FlushAsync(CancellationToken.None);
            }
        }

        var selected = harness.Store.SelectSamples(
            Name("http_request_duration_seconds", new LabelMatcher("service_name", MatchType.Equal, "checkout")), StartMs, StartMs + 3_600_000, 10_000);

        Assert.Equal(1000, selected.Count);
        Assert.All(selected, s => Assert.Equal(60, s.Samples.Count));
        Assert.Equal(2, harness.Store.GetStats().Blocks);
    }

    private static TelemetryBatch PodsBatch(long t) => TelemetryBatch.OfSamples([
        new SeriesSample(Series("http_requests_total", ("pod", "a"), ("method", "GET"), ("status", "200")), t, 1),
        new SeriesSample(Series("http_requests_total", ("pod", "b"), ("method", "POST"), ("status", "500")), t, 2),
        new SeriesSample(Series("http_requests_total", ("pod", "c"), ("method", "GET")), t, 3),
        new SeriesSample(Series("other_metric", ("pod", "a")), t, 4),
    ]);

    private static LabelMatcher ParseMatcher(string text)
    {
        foreach (var (op, type) in new[] { ("=~", MatchType.Regex), ("!~", MatchType.NotRegex), ("!=", MatchType.NotEqual), ("=", MatchType.Equal) })
        {
            var at = text.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                return new LabelMatcher(text[..at], type, text[(at + op.Length)..]);
            }
        }

        throw new ArgumentException(text);
    }
}
