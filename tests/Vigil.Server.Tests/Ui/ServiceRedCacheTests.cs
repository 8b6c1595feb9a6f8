using Microsoft.Extensions.Time.Testing;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Server.Ui.Data;

namespace Vigil.Server.Tests.Ui;

public sealed class ServiceRedCacheTests
{
    private const string Query = "sum by (service_name) (rate(traces_span_metrics_calls_total[2m]))";
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task RangeQueryAsync_ShownAgainWhileFresh_EvaluatesNothing()
    {
        var time = new FakeTimeProvider(Start);
        var metrics = new RecordingSource();
        var cache = new ServiceRedCache(time);
        var grid = StepGrid.Ending(time.GetUtcNow(), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));

        var first = await cache.RangeQueryAsync(metrics, Query, grid, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(10));
        var second = await cache.RangeQueryAsync(metrics, Query, grid, CancellationToken.None);

        Assert.Equal([(grid.Start.ToUnixTimeMilliseconds(), grid.End.ToUnixTimeMilliseconds())], metrics.Calls);
        Assert.Equal(Points(first), Points(second));
        Assert.Equal(grid.Count, Points(second).Count);
    }

    [Fact]
    public async Task RangeQueryAsync_AfterFresh_EvaluatesOnlyThePointsNotFinal()
    {
        var time = new FakeTimeProvider(Start);
        var metrics = new RecordingSource();
        var cache = new ServiceRedCache(time);
        var grid = StepGrid.Ending(time.GetUtcNow(), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));
        await cache.RangeQueryAsync(metrics, Query, grid, CancellationToken.None);

        time.Advance(ServiceRedCache.Fresh + TimeSpan.FromSeconds(1));
        var result = await cache.RangeQueryAsync(metrics, Query, grid, CancellationToken.None);

        // Evaluated at 12:00:30, the points up to 11:59:00 were a minute old already (final); 11:59:00 itself is the
        // last final one, so the second evaluation starts at 12:00:00 (the point in progress ends the grid at 12:01:00).
        Assert.Equal(2, metrics.Calls.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), metrics.Calls[1].Start);
        Assert.Equal(grid.End.ToUnixTimeMilliseconds(), metrics.Calls[1].End);
        Assert.Equal(grid.Count, Points(result).Count);
    }

    [Fact]
    public async Task RangeQueryAsync_GridMovedOn_EvaluatesTheNewPointsAndDropsTheOldOnes()
    {
        var time = new FakeTimeProvider(Start);
        var metrics = new RecordingSource();
        var cache = new ServiceRedCache(time);
        var range = TimeSpan.FromMinutes(10);
        await cache.RangeQueryAsync(metrics, Query, StepGrid.Ending(time.GetUtcNow(), range, TimeSpan.FromMinutes(1)), CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(3));
        var later = StepGrid.Ending(time.GetUtcNow(), range, TimeSpan.FromMinutes(1));
        var result = await cache.RangeQueryAsync(metrics, Query, later, CancellationToken.None);

        Assert.Equal(2, metrics.Calls.Count);
        Assert.True(metrics.Calls[1].Start > later.Start.ToUnixTimeMilliseconds(), "only the tail is evaluated again");
        Assert.Equal(later.Times().Select(t => t * 1000).ToList(), Points(result).Select(p => p.T).ToList());
        Assert.All(Points(result), p => Assert.Equal(p.T / 1000.0, p.Value));
    }

    [Fact]
    public void StepGrid_Ending_EndsAtTheMinuteInProgress()
    {
        var grid = StepGrid.Ending(Start, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));

        Assert.Equal(new DateTimeOffset(2026, 11, 29, 12, 1, 0, TimeSpan.Zero), grid.End);
        Assert.Equal(61, grid.Count);
    }

    [Fact]
    public void Ratio_NoRequestsIsNoValue_RequestsWithoutErrorsIsZero()
    {
        var ratio = ServiceRedQueries.Ratio([null, 1, 5], [0, 4, null]);
        var noErrorSeries = ServiceRedQueries.Ratio(null, [2, null]);

        Assert.Equal([null, 0.25, null], ratio);
        Assert.Equal([0, null], noErrorSeries);
    }

    [Fact]
    public void Quote_EscapesQuotesBackslashesAndNewlines()
    {
        Assert.Equal("\"a\\\"b\\\\c\\nd\"", ServiceRedQueries.Quote("a\"b\\c\nd"));
    }

    private static List<(long T, double Value)> Points(MatrixResult result) =>
        result.Series.SelectMany(s => s.Samples.Select(p => (p.TimestampMs, p.Value))).OrderBy(p => p.TimestampMs).ToList();

    // One series whose value at each step is its time in seconds; records every range evaluation.
    private sealed class RecordingSource : IMetricsSource
    {
        public List<(long Start, long End)> Calls { get; } = [];

        public string Name => "recording";

        public Task<MatrixResult> RangeQueryAsync(string query, long startMs, long endMs, long stepMs, CancellationToken cancellationToken)
        {
            Calls.Add((startMs, endMs));
            var samples = new List<Sample>();
            for (var t = startMs; t <= endMs; t += stepMs)
            {
                samples.Add(new Sample(t, t / 1000.0));
            }

            return Task.FromResult(new MatrixResult([new SeriesSamples(LabelSet.From(("service_name", "checkout")), samples)]));
        }

        public Task<PromQlResult> InstantQueryAsync(string query, long timeMs, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<LabelSet>> SeriesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> LabelNamesAsync(IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> LabelValuesAsync(string name, IReadOnlyList<IReadOnlyList<LabelMatcher>> selectors, long startMs, long endMs, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<MetricMetadata>> MetadataAsync(string? metric, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
