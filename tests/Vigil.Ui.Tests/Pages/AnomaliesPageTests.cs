using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests.Pages;

/// <summary>The anomalies page: the default watches with the fixture's service among their series, filters in the URL, a bad filter's message.</summary>
[Collection(UiCollection.Name)]
public sealed class AnomaliesPageTests(UiFixture ui)
{
    private static readonly string[] DefaultWatches = ["error-ratio", "p95-latency", "request-rate"];

    [Fact]
    public async Task ListsTheDefaultWatches_WithTheServiceLinked()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/anomalies");

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Anomalies");
        var watches = page.GetByTestId("anomaly-watches");
        foreach (var name in DefaultWatches)
        {
            await Expect(watches.Locator($"article[data-watch='{name}']")).ToContainTextAsync("default");
        }

        var requestRate = watches.Locator("article[data-watch='request-rate']");
        await Expect(requestRate.GetByRole(AriaRole.Link, new() { Name = $"service_name={UiFixture.Service}" }).First).ToHaveAttributeAsync("href", $"/services/{UiFixture.Service}");
        await ui.AssertAccessibleAsync(page, "anomalies");
        ui.AssertNoBrowserErrors(page);
        await ui.ScreenshotAsync(page, "anomalies");
    }

    [Fact]
    public async Task Filters_LiveInTheUrl_AndABadSinceSaysWhy()
    {
        var page = await ui.NewPageAsync();
        await page.GotoAsync("/anomalies");

        await page.GetByLabel("Watch", new() { Exact = true }).SelectOptionAsync("error-ratio");
        await page.GetByLabel("Since").FillAsync("1h");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/anomalies\\?watch=error-ratio&service=&since=1h$"));
        await Expect(page.GetByLabel("Watch", new() { Exact = true })).ToHaveValueAsync("error-ratio");

        var bad = await page.GotoAsync("/anomalies?since=yesterday-ish");
        Assert.Equal(400, bad!.Status);
        await Expect(page.GetByTestId("anomaly-problem")).ToContainTextAsync("since: 'yesterday-ish' is neither a duration");
    }

    [Fact]
    public async Task AnomaliesPage_InDarkColourScheme_IsAccessible()
    {
        var page = await ui.NewPageAsync(ColorScheme.Dark);

        await page.GotoAsync("/anomalies");
        await Expect(page.GetByTestId("anomaly-watches")).ToBeVisibleAsync();

        await ui.AssertAccessibleAsync(page, "anomalies (dark)");
        await ui.ScreenshotAsync(page, "anomalies-dark");
    }
}
