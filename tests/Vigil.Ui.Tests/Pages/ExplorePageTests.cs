using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests;

/// <summary>
/// The Explore metrics page (<c>/explore</c>): a PromQL query evaluated by Vigil's engine, drawn with uPlot and listed
/// by series; a parse error shown with its position; a click on a chart point opening the logs of that minute.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class ExplorePageTests(UiFixture ui)
{
    private const string RateByVersion = "sum by (service_version) (rate(traces_span_metrics_calls_total{service_name=\"checkout\"}[1m]))";

    [Fact]
    public async Task Query_RateByVersion_DrawsChartAndListsBothVersions()
    {
        // The window ends at the known canary log line: both versions were taking traffic then, so the instant query
        // at the window's end has a rate for each.
        var to = ui.KnownLog.Time.ToUnixTimeSeconds();
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync(Url(RateByVersion, to - 120, to));

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Explore");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Explore" }).GetByRole(AriaRole.Link, new() { Name = "Metrics" }))
            .ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "PromQL query" })).ToHaveValueAsync(RateByVersion);
        await Expect(page.GetByTestId("explore-summary")).ToContainTextAsync("2 series");
        await Expect(page.GetByText("Use a relative range instead")).ToBeVisibleAsync();
        await Expect(page.Locator("figure.chart .u-over")).ToBeVisibleAsync();
        await Expect(page.Locator("figure.chart canvas")).ToHaveCountAsync(1);
        var latest = page.GetByTestId("explore-latest");
        await Expect(latest.Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(latest).ToContainTextAsync($"service_version=\"{UiFixture.BaselineVersion}\"");
        await Expect(latest).ToContainTextAsync($"service_version=\"{UiFixture.CanaryVersion}\"");
        foreach (var value in await latest.Locator("tbody tr td.num").AllTextContentsAsync())
        {
            Assert.True(double.Parse(value, CultureInfo.InvariantCulture) > 0, $"a positive request rate, not {value}");
        }

        await ui.CheckPageAsync(page, "explore");
    }

    [Fact]
    public async Task Query_BadPromQl_ShowsParserMessageWithPosition()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/explore?q=" + Uri.EscapeDataString("sum(rate(traces_span_metrics_calls_total[1m])"));

        Assert.Equal(400, response!.Status);
        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("The query could not be run");
        await Expect(page.GetByTestId("explore-error")).ToHaveTextAsync(new Regex("^parse error at position [0-9]+: .+"));
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "PromQL query" })).ToHaveValueAsync("sum(rate(traces_span_metrics_calls_total[1m])");
        await ui.AssertAccessibleAsync(page, "explore (bad query)");
    }

    [Fact]
    public async Task Query_ManySeries_ChartIsBoundedAndSaysSo()
    {
        // Every histogram bucket of both versions: more series than a chart can show.
        var to = ui.KnownLog.Time.ToUnixTimeSeconds();
        var page = await ui.OpenAsync(Url("traces_span_metrics_duration_seconds_bucket{service_name=\"checkout\"}", to - 120, to));

        var summary = page.GetByTestId("explore-summary");
        await Expect(summary).ToContainTextAsync(new Regex("Showing 20 of [0-9]+ series in the chart"));
        var total = int.Parse(Regex.Match(await summary.TextContentAsync() ?? string.Empty, "of ([0-9]+) series").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(total > 20, $"{total} series");
        await Expect(page.Locator("figure.chart .chart-table thead th")).ToHaveCountAsync(1 + 20 + 1);
        await Expect(page.GetByTestId("explore-latest").Locator("tbody tr")).ToHaveCountAsync(Math.Min(total, 100));
    }

    [Fact]
    public async Task Query_NoMatchingSeries_SaysSo()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/explore?q=" + Uri.EscapeDataString("no_such_metric_total{service_name=\"nowhere\"}"));

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No series matched" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ChartPoint_CanvasClick_OpensLogsOfThatMinute()
    {
        // A window of three minutes around the known log line's minute; the click aims at the middle of that minute.
        var minute = ui.KnownLog.Time.ToUnixTimeSeconds() / 60 * 60;
        var page = await ui.NewPageAsync();
        await page.GotoAsync(Url(RateByVersion, minute - 120, minute + 60));
        var over = page.Locator("figure.chart .u-over");
        await Expect(over).ToBeVisibleAsync();
        using var spec = JsonDocument.Parse(await page.Locator("figure.chart script[type='application/json']").TextContentAsync() ?? "{}");
        var times = spec.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetInt64()).ToList();
        var box = await over.BoundingBoxAsync();
        Assert.NotNull(box);
        var fraction = (double)(minute + 30 - times[0]) / (times[^1] - times[0]);
        var (x, y) = ((float)(box.X + (fraction * box.Width)), box.Y + (box.Height / 2));

        // uPlot sets its cursor on mouse moves; the click then follows the point under it.
        await page.Mouse.MoveAsync(x - 2, y);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.ClickAsync(x, y);
        await page.WaitForURLAsync(new Regex("/explore/logs\\?"));

        var query = System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query);
        Assert.Equal(UiFixture.Service, query["service"]);
        var from = long.Parse(query["from"]!, CultureInfo.InvariantCulture);
        var to = long.Parse(query["to"]!, CultureInfo.InvariantCulture);
        Assert.Equal(minute, from);
        Assert.Equal(60, to - from);
        await Expect(page.GetByTestId("logs-summary")).ToContainTextAsync(
            $"From {DateTimeOffset.FromUnixTimeSeconds(from):yyyy-MM-dd HH:mm:ss} to {DateTimeOffset.FromUnixTimeSeconds(to):yyyy-MM-dd HH:mm:ss} UTC");
        var rows = page.GetByTestId("logs-table").Locator("tbody tr");
        await Expect(rows.First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("logs-table")).ToContainTextAsync(ui.KnownLogMessage);
        foreach (var stamp in await rows.Locator("time").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('datetime'))"))
        {
            var at = DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture).ToUnixTimeSeconds();
            Assert.InRange(at, from, to);
        }
    }

    private static string Url(string query, long from, long to) =>
        FormattableString.Invariant($"/explore?q={Uri.EscapeDataString(query)}&from={from}&to={to}");
}
