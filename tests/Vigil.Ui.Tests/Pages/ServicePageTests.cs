using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests;

/// <summary>
/// The service page (<c>/services/{service}?env=&amp;range=</c>): RED charts with a line per version, a release marker
/// for the canary, chart points that open the logs of their minute; a 404 for an unknown service, a message for a bad range.
/// </summary>
[Collection(UiCollection.Name)]
public sealed partial class ServicePageTests(UiFixture ui)
{
    private static readonly string[] Charts = ["Request rate", "Error ratio", "Latency p50", "Latency p95"];

    [Fact]
    public async Task ServicePage_ShowsRedChartsWithTheCanaryMarkerAndPointLinksToThatMinutesLogs()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync($"/services/{UiFixture.Service}?env={UiFixture.Environment}");

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = UiFixture.Service })).ToBeVisibleAsync();
        var charts = page.GetByTestId("red-charts");
        foreach (var title in Charts)
        {
            var chart = charts.Locator("figure.chart").Filter(new() { Has = page.Locator("figcaption", new() { HasTextRegex = new Regex($"^{title}$") }) });
            await Expect(chart.Locator(".chart-plot canvas")).ToHaveCountAsync(1);
            await Expect(chart.Locator(".chart-table thead th")).ToContainTextAsync([UiFixture.BaselineVersion, UiFixture.CanaryVersion]);
            await Expect(chart.Locator(".chart-markers a").Filter(new() { HasText = UiFixture.CanaryVersion }))
                .ToHaveAttributeAsync("href", $"/releases/{ui.CanaryRelease.Id}");
        }

        var logLinks = charts.Locator($"a[href^='/explore/logs?service={UiFixture.Service}&env={UiFixture.Environment}&from=']");
        Assert.True(await logLinks.CountAsync() > 0, "the charts' data tables link each point to its minute's logs");
        AssertMinuteLink(await logLinks.First.GetAttributeAsync("href"));

        // A click on the plot opens the logs of the minute under the cursor.
        await charts.Locator("figure.chart .chart-plot .u-over").First.ClickAsync();
        await page.WaitForURLAsync(new Regex("/explore/logs\\?"));
        AssertMinuteLink(new Uri(page.Url).PathAndQuery);
    }

    [Fact]
    public async Task ServicePage_IsAccessible()
    {
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/services/{UiFixture.Service}?env={UiFixture.Environment}&range=1h");
        await Expect(page.GetByTestId("red-charts").Locator("canvas").First).ToBeVisibleAsync();

        await ui.CheckPageAsync(page, "service");
    }

    [Fact]
    public async Task ServicePage_UnknownService_Answers404WithTheKnownServices()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/services/no-such-service");

        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No such service");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("no-such-service");
        await Expect(page.GetByTestId("known-services").GetByRole(AriaRole.Link, new() { Name = UiFixture.Service, Exact = true }))
            .ToHaveAttributeAsync("href", $"/services/{UiFixture.Service}");
        await ui.AssertAccessibleAsync(page, "service (unknown)");
    }

    [Fact]
    public async Task ServicePage_BadRange_SaysWhichRangesExist()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync($"/services/{UiFixture.Service}?env={UiFixture.Environment}&range=2w");

        Assert.Equal(400, response!.Status);
        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("Unknown range");
        await Expect(alert).ToContainTextAsync("2w");
        await Expect(alert).ToContainTextAsync("1h, 6h, 24h, 7d");
        await Expect(page.Locator("select[name=range]")).ToHaveValueAsync("1h");
    }

    private static void AssertMinuteLink(string? href)
    {
        Assert.NotNull(href);
        var match = MinuteLink().Match(href);
        Assert.True(match.Success, $"a link to one minute of logs: {href}");
        var from = long.Parse(match.Groups["from"].Value, CultureInfo.InvariantCulture);
        var to = long.Parse(match.Groups["to"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(0, from % 60);
        Assert.Equal(from + 60, to);
    }

    [GeneratedRegex("^/explore/logs\\?service=checkout&env=ui&from=(?<from>\\d+)&to=(?<to>\\d+)$")]
    private static partial Regex MinuteLink();
}
