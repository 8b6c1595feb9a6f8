using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests;

/// <summary>
/// The document shell every page shares (title, skip link, the main navigation, the main landmark) on the overview
/// page, its accessibility in both colour schemes, and the fixture's own promises checked through the API, so a broken
/// fixture shows here first rather than as a puzzling page test.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class ShellTests(UiFixture ui, ITestOutputHelper output)
{
    private static readonly string[] NavTitles = ["Overview", "Releases", "Explore", "Checks", "Drift", "Anomalies"];

    [Fact]
    public async Task Overview_LoadsWithTitleSkipLinkNavigationAndMainLandmark()
    {
        var page = await ui.NewPageAsync();
        var response = await page.GotoAsync("/");

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        await Expect(page).ToHaveTitleAsync(new Regex(" · Vigil$"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToHaveAttributeAsync("href", "#main");
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        foreach (var title in NavTitles)
        {
            await Expect(nav.GetByRole(AriaRole.Link, new() { Name = title, Exact = true })).ToBeVisibleAsync();
        }

        await Expect(page.GetByRole(AriaRole.Main)).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveCountAsync(1);

        await ui.AssertAccessibleAsync(page, "overview");
        ui.AssertNoBrowserErrors(page);
        await ui.ScreenshotAsync(page, "overview-shell");
    }

    [Fact]
    public async Task Overview_InDarkColourScheme_IsAccessible()
    {
        var page = await ui.OpenAsync("/", ColorScheme.Dark);
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync();

        await ui.CheckPageAsync(page, "overview-shell-dark");
    }

    [Fact]
    public async Task Fixture_CanaryVerificationFinishedWithFail()
    {
        output.WriteLine("UI fixture start:\n" + ui.StartTimings);
        var verdict = await ui.Client.GetVerdictAsync(ui.CanaryRelease.Id);

        Assert.Equal(UiFixture.CanaryVersion, ui.CanaryRelease.Version);
        Assert.True(verdict.Decided, $"the canary's verification is finished (run {verdict.RunState}, look {verdict.Look}/{verdict.PlannedLooks})");
        Assert.Equal("Fail", verdict.Verdict);
        Assert.Equal(UiFixture.PlanName, verdict.Plan);
        Assert.Equal(UiFixture.BaselineVersion, verdict.BaselineVersion);
        Assert.Equal("High", verdict.Metrics.Single(m => m.Name == "error-ratio").Classification);
    }

    [Fact]
    public async Task Fixture_KnownLogLineAndTraceAreStored()
    {
        var logs = await ui.Client.SearchLogsAsync(new Vigil.Client.LogSearch { Service = UiFixture.Service, Contains = ui.KnownLogMessage, Limit = 5 });
        var trace = await ui.Client.GetTraceAsync(ui.KnownTraceId);

        Assert.Contains(logs.Records, r => r.Body == ui.KnownLogMessage);
        Assert.Contains("injected failure", ui.KnownLogMessage, StringComparison.Ordinal);
        Assert.NotEmpty(trace.Spans);
        Assert.All(trace.Spans, s => Assert.Equal(ui.KnownTraceId, s.TraceId));
        Assert.Contains(trace.Spans, s => s.Resource.GetValueOrDefault("service.version") == UiFixture.CanaryVersion);
    }
}
