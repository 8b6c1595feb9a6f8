using System.Diagnostics;
using Microsoft.Playwright;
using Vigil.Client.Contracts;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests.Pages;

/// <summary>
/// The checks pages: a check applied through the API (against the fixture server's own /healthz, run at location
/// local) is listed with its outcome, and its detail page shows its results; an unknown check and a bad location filter
/// get clear messages with their status codes.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class ChecksPageTests(UiFixture ui)
{
    private const string CheckName = "ui-vigil-healthz";
    private static readonly TimeSpan ResultDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AppliedCheck_IsListedWithOutcome_AndItsDetailShowsResults()
    {
        await ApplyCheckAsync();
        var page = await ui.NewPageAsync();

        // The server loads checks every 5s and runs this one every 5s: poll the page until its first result shows.
        var row = page.Locator($"tr[data-check='{CheckName}']");
        var watch = Stopwatch.StartNew();
        await page.GotoAsync("/checks");
        while (!await HasResultAsync(row))
        {
            Assert.True(watch.Elapsed < ResultDeadline, $"no result of {CheckName} on /checks within {ResultDeadline}:\n{await page.ContentAsync()}");
            await page.WaitForTimeoutAsync(500);
            await page.ReloadAsync();
        }

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Checks");
        await Expect(row.Locator("[data-outcome]")).ToHaveTextAsync("Pass");
        await Expect(row).ToContainTextAsync("http");
        await Expect(row).ToContainTextAsync("GET " + new Uri(ui.BaseAddress, "healthz"));
        await Expect(row).ToContainTextAsync("local");
        await Expect(row).ToContainTextAsync("%");
        await ui.AssertAccessibleAsync(page, "checks");
        ui.AssertNoBrowserErrors(page);
        await ui.ScreenshotAsync(page, "checks");

        await row.GetByRole(AriaRole.Link, new() { Name = CheckName }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/checks/{CheckName}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(CheckName);
        await Expect(page.GetByTestId("check-summary")).ToContainTextAsync("local");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Latest results, newest first" }).GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("Pass");
        await Expect(page.GetByText("Showing the latest")).ToBeVisibleAsync();
        await ui.AssertAccessibleAsync(page, "check detail");

        var dark = await ui.NewPageAsync(ColorScheme.Dark);
        await dark.GotoAsync($"/checks/{CheckName}");
        await Expect(dark.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(CheckName);
        await ui.AssertAccessibleAsync(dark, "check detail (dark)");
        await ui.ScreenshotAsync(dark, "check-detail-dark");
    }

    [Fact]
    public async Task UnknownCheck_Says404AndLinksBack()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/checks/no-such-check");

        Assert.Equal(404, response!.Status);
        await Expect(page.GetByText("No check is named 'no-such-check'")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "See every check" })).ToHaveAttributeAsync("href", "/checks");
        await ui.AssertAccessibleAsync(page, "unknown check");
    }

    [Fact]
    public async Task BadLocationFilter_Says400WithTheParameter()
    {
        await ApplyCheckAsync();
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync($"/checks/{CheckName}?location=Not%20A%20Location");

        Assert.Equal(400, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bad location filter" })).ToBeVisibleAsync();
        await Expect(page.GetByText("'Not A Location' is not a location name")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ChecksPage_InDarkColourScheme_IsAccessible()
    {
        var page = await ui.NewPageAsync(ColorScheme.Dark);

        await page.GotoAsync("/checks");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Checks");

        await ui.AssertAccessibleAsync(page, "checks (dark)");
    }

    // An outcome from the latest result, and a success ratio from the stored results (written in batches, a moment later).
    private static async Task<bool> HasResultAsync(ILocator row) =>
        await row.Locator("[data-outcome]").CountAsync() == 1
        && await row.Locator("[data-outcome]").GetAttributeAsync("data-outcome") != "unknown"
        && (await row.InnerTextAsync()).Contains('%', StringComparison.Ordinal);

    private Task<ApplyResponse> ApplyCheckAsync() => ui.Client.ApplyAsync(new ApplyRequest(
    [
        new ApplyFileDto("checks/ui-vigil-healthz.yaml", $"""
            apiVersion: vigil/v1
            kind: Check
            metadata:
              name: {CheckName}
              labels:
                service: vigil
            spec:
              type: http
              interval: 5s
              locations: [local]
              http:
                url: {new Uri(ui.BaseAddress, "healthz")}
            """),
    ]));
}
