using System.Globalization;
using System.Text.Json;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Server.Otlp.Protos.Collector.Metrics;
using Vigil.Server.Otlp.Protos.Common;
using Vigil.Server.Otlp.Protos.Metrics;
using Vigil.Server.Tests.Integration;
using Xunit.Abstractions;
using static Vigil.Server.Tests.Checks.CheckTestSupport;

namespace Vigil.Server.Tests.Anomalies;

/// <summary>
/// End to end on a real <c>vigil serve</c>: a gauge sent over OTLP with a backfilled history, watched by an applied
/// AnomalyWatch, jumps; an anomaly event with its explanation shows through the API and the CLI, the score as
/// <c>vigil_anomaly_score</c>, and the event on the release timeline of the service.
/// </summary>
public sealed class AnomalyServerTests(ITestOutputHelper output)
{
    private const int Seed = 20261129;

    private const string Watch = """
        apiVersion: vigil/v1
        kind: AnomalyWatch
        metadata:
          name: queue-depth
        spec:
          query: max by (service_name, deployment_environment_name) (shop_queue_depth)
          description: queue depth
        """;

    [Fact]
    public async Task GaugeWithBackfilledHistoryJumps_AnomalyEventWithExplanationThroughApiCliSeriesAndReleaseTimeline()
    {
        output.WriteLine($"seed {Seed}");
        var random = new Random(Seed);
        // closeAfter 300: the event stays open through the checks and the restart below, however slow the machine.
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment(
            ("VIGIL__ANOMALIES__EVALUATIONINTERVAL", "1s"),
            ("VIGIL__ANOMALIES__DEFAULTS", "false"),
            ("VIGIL__ANOMALIES__CLOSEAFTER", "300"),
            ("VIGIL__ANOMALIES__REPLAYWINDOW", "1h")));
        using var client = new VigilClient(vigil.HttpAddress);
        using var http = new HttpClient { BaseAddress = vigil.OtlpHttpAddress };

        // 15 minutes of history at 1 s (900 points, past the detector's 150-point warm-up), well inside the intake's window.
        var now = TimeProvider.System.GetUtcNow();
        var history = Enumerable.Range(0, 900).Select(i => (now.AddSeconds(i - 900), 100 + (random.NextDouble() * 10) - 5)).ToList();
        await SendAsync(http, history);
        var release = await client.CreateReleaseAsync(new CreateReleaseRequest("shop", "2.0.0", "prod"));
        await ApplyAsync(client, Watch);

        var warm = await WaitForAsync(
            () => client.ListAnomalyWatchesAsync(),
            w => w.Watches.Any(x => x.Name == "queue-depth" && x.Series.Count == 1 && x.Series[0].Points >= AnomalySeriesDto.WarmUpPoints),
            "the watch to replay its history past the warm-up");
        var series = warm.Watches.Single(x => x.Name == "queue-depth");
        Assert.Equal(("object", "shop", "prod"), (series.Source, series.Series[0].Labels["service_name"], series.Series[0].Labels["deployment_environment_name"]));
        Assert.Empty((await client.ListAnomaliesAsync(watch: "queue-depth")).Events);

        // The value jumps to 400 and stays there; points keep coming until the event is there.
        AnomalyEventsResponse? found = null;
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(40);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            await SendAsync(http, [(TimeProvider.System.GetUtcNow(), 400)]);
            found = await client.ListAnomaliesAsync(watch: "queue-depth", open: true);
            if (found.Events.Count > 0)
            {
                break;
            }

            await Task.Delay(250);
        }

        var anomaly = Assert.Single(Assert.IsType<AnomalyEventsResponse>(found).Events);
        output.WriteLine(anomaly.Explanation);
        Assert.True(anomaly.Open);
        Assert.Equal(400, anomaly.Actual);
        Assert.True(anomaly.ExpectedHigh < 400 && anomaly.ExpectedLow > 50, $"expected range {anomaly.ExpectedLow}..{anomaly.ExpectedHigh}");
        Assert.True(anomaly.Score >= 0.5, $"score {anomaly.Score}");
        Assert.StartsWith("queue depth of shop in prod is 400, expected ", anomaly.Explanation, StringComparison.Ordinal);
        Assert.Contains(" since " + anomaly.StartedAt.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture), anomaly.Explanation, StringComparison.Ordinal);
        Assert.Equal(anomaly.Explanation, (await client.GetAnomalyAsync(anomaly.Id)).Explanation);
        Assert.Empty((await client.ListAnomaliesAsync(service: "cart")).Events);

        var score = await client.QueryAsync("max_over_time(vigil_anomaly_score{watch=\"queue-depth\",service_name=\"shop\"}[5m])");
        Assert.True(double.Parse(Assert.Single(score.Series).Points[^1].Value, CultureInfo.InvariantCulture) >= 0.5);

        var timeline = await WaitForAsync(
            () => client.GetReleaseTimelineAsync(release.Id), t => t.Events.Any(e => e.Kind == "anomaly.detected"), "anomaly.detected on the release timeline");
        Assert.Equal("Anomaly: " + anomaly.Explanation, timeline.Events.Single(e => e.Kind == "anomaly.detected").Message);

        var (code, text, error) = await VigilServerProcess.RunCliAsync("anomalies", "list", "--server", vigil.HttpAddress.ToString(), "--service", "shop", "--open", "--output", "json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(anomaly.Explanation, json.RootElement.GetProperty("events")[0].GetProperty("explanation").GetString());
        (code, text, error) = await VigilServerProcess.RunCliAsync("anomalies", "list", "--server", vigil.HttpAddress.ToString(), "--since", "1h");
        Assert.True(code == 0, error);
        Assert.Contains("queue-depth", text, StringComparison.Ordinal);
        Assert.Contains("queue depth of shop in prod is 400", text, StringComparison.Ordinal);

        // A restart resumes the detector from the state saved at shutdown, even with a replay window too short to warm
        // it, and the open event carries on with its id.
        var points = (await client.ListAnomalyWatchesAsync()).Watches.Single(w => w.Name == "queue-depth").Series[0].Points;
        Assert.Equal(0, await vigil.StopAsync(TimeSpan.FromSeconds(20)));
        await using var restarted = await VigilServerProcess.StartAsync(vigil.DataDirectory, environment: FastEnvironment(
            ("VIGIL__ANOMALIES__EVALUATIONINTERVAL", "1s"),
            ("VIGIL__ANOMALIES__DEFAULTS", "false"),
            ("VIGIL__ANOMALIES__CLOSEAFTER", "300"),
            ("VIGIL__ANOMALIES__REPLAYWINDOW", "1s")));
        using var again = new VigilClient(restarted.HttpAddress);
        var resumed = await WaitForAsync(
            () => again.ListAnomalyWatchesAsync(),
            w => w.Watches.Any(x => x.Name == "queue-depth" && x.Series.Count == 1 && x.Series[0].Points > points),
            $"the detector to resume past {points} points");
        Assert.Contains("detector state(s) resumed from", restarted.Output, StringComparison.Ordinal);
        Assert.Equal(anomaly.Id, resumed.Watches.Single(x => x.Name == "queue-depth").Series[0].OpenEventId);
        var carriedOn = Assert.Single((await again.ListAnomaliesAsync(watch: "queue-depth")).Events);
        Assert.Equal((anomaly.Id, true, anomaly.StartedAt), (carriedOn.Id, carriedOn.Open, carriedOn.StartedAt));
    }

    [Fact]
    public async Task RestartWhileEventsAreOpen_UnchangedWatchsEventCarriesOnWithItsId_RemovedWatchsEventClosesAtStart()
    {
        output.WriteLine($"seed {Seed}");
        var random = new Random(Seed);

        // A first run only takes 15 minutes of history, so the watches below are first seen, and replayed, by the second.
        await using var first = await VigilServerProcess.StartAsync(environment: FastEnvironment(("VIGIL__ANOMALIES__DEFAULTS", "false")));
        using (var http = new HttpClient { BaseAddress = first.OtlpHttpAddress })
        {
            var now = TimeProvider.System.GetUtcNow();
            await SendAsync(http, [.. Enumerable.Range(0, 900).Select(i => (now.AddSeconds(i - 900), 100 + (random.NextDouble() * 10) - 5))]);
        }

        Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(20)));

        // Two watches from the configuration; closeAfter 300 keeps their events open through the restart.
        static Dictionary<string, string> Settings(bool withMin) => FastEnvironment([
            ("VIGIL__ANOMALIES__EVALUATIONINTERVAL", "1s"),
            ("VIGIL__ANOMALIES__DEFAULTS", "false"),
            ("VIGIL__ANOMALIES__CLOSEAFTER", "300"),
            ("VIGIL__ANOMALIES__REPLAYWINDOW", "1h"),
            ("VIGIL__ANOMALIES__WATCHES__0__NAME", "queue-max"),
            ("VIGIL__ANOMALIES__WATCHES__0__QUERY", "max(shop_queue_depth)"),
            .. withMin ? new[] { ("VIGIL__ANOMALIES__WATCHES__1__NAME", "queue-min"), ("VIGIL__ANOMALIES__WATCHES__1__QUERY", "min(shop_queue_depth)") } : [],
        ]);
        await using var second = await VigilServerProcess.StartAsync(first.DataDirectory, environment: Settings(withMin: true));
        using var client = new VigilClient(second.HttpAddress);
        await WaitForAsync(
            () => client.ListAnomalyWatchesAsync(),
            w => w.Watches.Count == 2 && w.Watches.All(x => x.Series.Count == 1 && x.Series[0].Points >= AnomalySeriesDto.WarmUpPoints),
            "both watches to replay their history past the warm-up");
        using (var http = new HttpClient { BaseAddress = second.OtlpHttpAddress })
        {
            var deadline = TimeProvider.System.GetUtcNow().AddSeconds(40);
            while (TimeProvider.System.GetUtcNow() < deadline && (await client.ListAnomaliesAsync(open: true)).Events.Count < 2)
            {
                await SendAsync(http, [(TimeProvider.System.GetUtcNow(), 400)]);
                await Task.Delay(250);
            }
        }

        var open = (await client.ListAnomaliesAsync(open: true)).Events;
        var max = Assert.Single(open, e => e.Watch == "queue-max");
        var min = Assert.Single(open, e => e.Watch == "queue-min");
        Assert.Equal(0, await second.StopAsync(TimeSpan.FromSeconds(20)));

        // queue-min is gone from the configuration while the server is down.
        await using var third = await VigilServerProcess.StartAsync(first.DataDirectory, environment: Settings(withMin: false));
        using var again = new VigilClient(third.HttpAddress);
        await WaitForAsync(
            () => again.ListAnomalyWatchesAsync(),
            w => w.Watches.Any(x => x.Name == "queue-max" && x.Series.Count == 1 && x.Series[0].EvaluatedAt is not null),
            "queue-max to be evaluated after the restart");
        var carriedOn = await again.GetAnomalyAsync(max.Id);
        Assert.True(carriedOn.Open);
        Assert.Equal(max.StartedAt, carriedOn.StartedAt);
        Assert.Equal(max.Id, Assert.Single((await again.ListAnomaliesAsync(watch: "queue-max")).Events).Id); // no second event
        Assert.Equal(max.Id, Assert.Single((await again.ListAnomaliesAsync(open: true)).Events).Id);
        var closed = await again.GetAnomalyAsync(min.Id);
        Assert.False(closed.Open);
        Assert.True(closed.EndedAt > min.StartedAt, $"ended {closed.EndedAt:O}, started {min.StartedAt:O}");
        Assert.Contains("1 event(s) left open by the previous run carry on", third.Output, StringComparison.Ordinal);
        Assert.Contains("1 event(s) left open by the previous run closed at start: their watch was removed", third.Output, StringComparison.Ordinal);

        var (code, text, error) = await VigilServerProcess.RunCliAsync("anomalies", "list", "--server", third.HttpAddress.ToString(), "--open", "--output", "json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(max.Id, Assert.Single(json.RootElement.GetProperty("events").EnumerateArray()).GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task BadInput_GetsProblemDetails()
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment(("VIGIL__ANOMALIES__EVALUATIONINTERVAL", "1s")));
        using var http = vigil.CreateClient();
        foreach (var (path, parameter) in new[]
        {
            ("api/v1/anomalies?open=maybe", "open"),
            ("api/v1/anomalies?since=yesterday", "since"),
            ("api/v1/anomalies?limit=0", "limit"),
            ("api/v1/anomalies/abc", "id"),
            ("api/v1/forecast?query=up", "threshold"),
            ("api/v1/forecast?query=sum(&threshold=1", "query"),
        })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains($"'{parameter}'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var missing = await http.GetAsync(new Uri("api/v1/anomalies/999", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);

        using var client = new VigilClient(vigil.HttpAddress);
        var bad = await Assert.ThrowsAsync<VigilApiException>(() => ApplyAsync(client, Watch.Replace("max by (service_name, deployment_environment_name) (shop_queue_depth)", "rate(x[5m]", StringComparison.Ordinal)));
        var problem = JsonSerializer.Serialize(bad.Problem);
        Assert.Contains("spec.query: PromQL does not parse", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_GrowingGauge_CrossingTimeLinearModel_FlatOneNeverCrosses()
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: FastEnvironment(("VIGIL__ANOMALIES__DEFAULTS", "false")));
        using var client = new VigilClient(vigil.HttpAddress);
        using var http = new HttpClient { BaseAddress = vigil.OtlpHttpAddress };
        // Two hours at one point a minute, growing 1 per minute from 100: 500 is reached 280 minutes after the first point.
        var now = TimeProvider.System.GetUtcNow();
        var first = now.AddMinutes(-119);
        await SendAsync(http, [.. Enumerable.Range(0, 120).Select(i => (first.AddMinutes(i), 100.0 + i))]);

        var within2h = await client.ForecastAsync("max(shop_queue_depth)", 500, TimeSpan.FromHours(2), TimeSpan.FromMinutes(1));
        Assert.Null(within2h.CrossesAt); // the horizon defaults to the range: 2 h is too short
        var forecast = await client.ForecastAsync("max(shop_queue_depth)", 500, TimeSpan.FromHours(2), TimeSpan.FromMinutes(1), horizon: TimeSpan.FromHours(6));
        Assert.Equal("linear", forecast.Model);
        Assert.True(forecast.FitQuality > 0.99, $"R² {forecast.FitQuality}");
        Assert.Equal(60, forecast.SlopePerHour, 1);
        var crossing = Assert.NotNull(forecast.CrossesAt);
        Assert.True(Math.Abs((crossing - first.AddMinutes(400)).TotalMinutes) <= 2, $"crosses at {crossing:O}, expected about {first.AddMinutes(400):O}");
        Assert.StartsWith("crosses 500 in about ", forecast.Summary, StringComparison.Ordinal);

        var never = await client.ForecastAsync("max(shop_queue_depth) * 0 + 7", 500, TimeSpan.FromHours(2), TimeSpan.FromMinutes(1));
        Assert.Null(never.CrossesAt);
        Assert.StartsWith("does not cross 500 within 2h", never.Summary, StringComparison.Ordinal);
    }

    private static async Task SendAsync(HttpClient http, IReadOnlyList<(DateTimeOffset At, double Value)> points)
    {
        var gauge = new Gauge();
        foreach (var (at, value) in points)
        {
            gauge.DataPoints.Add(new NumberDataPoint { TimeUnixNano = OtlpPayloads.UnixNano(at), AsDouble = value });
        }

        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(new ResourceMetrics
        {
            Resource = OtlpPayloads.Resource("shop"),
            ScopeMetrics = { new ScopeMetrics { Scope = new InstrumentationScope { Name = "tests" }, Metrics = { new Metric { Name = "shop.queue.depth", Gauge = gauge } } } },
        });
        using var response = await http.PostAsync(new Uri("v1/metrics", UriKind.Relative), OtlpPayloads.Protobuf(request));
        response.EnsureSuccessStatusCode();
    }
}
