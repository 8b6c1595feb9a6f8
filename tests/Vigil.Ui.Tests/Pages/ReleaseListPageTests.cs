using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests;

/// <summary>The release list (<c>/releases?service=&amp;env=&amp;state=</c>): filtered rows linking to each release; clear messages for no match and a bad state.</summary>
[Collection(UiCollection.Name)]
public sealed class ReleaseListPageTests(UiFixture ui)
{
    [Fact]
    public async Task ReleaseList_FilteredToTheService_ListsBothReleasesLinkingToTheirPages()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync($"/releases?service={UiFixture.Service}&env={UiFixture.Environment}");

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Releases" })).ToBeVisibleAsync();
        await Expect(page.Locator("input[name=service]")).ToHaveValueAsync(UiFixture.Service);
        await Expect(page.Locator("input[name=env]")).ToHaveValueAsync(UiFixture.Environment);
        var rows = page.GetByTestId("release-list").Locator("tbody tr");
        await Expect(rows.Filter(new() { HasNotText = UiFixture.Service })).ToHaveCountAsync(0);
        var canary = rows.Filter(new() { Has = page.Locator($"[href='/releases/{ui.CanaryRelease.Id}']") });
        await Expect(canary).ToContainTextAsync(UiFixture.CanaryVersion);
        await Expect(canary.Locator(".badge")).ToHaveTextAsync("Fail");
        var baseline = rows.Filter(new() { Has = page.Locator($"[href='/releases/{ui.BaselineRelease.Id}']") });
        await Expect(baseline.Locator(".badge")).ToHaveTextAsync("Baseline");
        await Expect(page.GetByTestId("release-count")).ToHaveTextAsync(new Regex("^\\d+ releases\\.$"));

        await ui.CheckPageAsync(page, "releases");
    }

    [Fact]
    public async Task ReleaseList_FilterByFailedState_ListsOnlyFailedReleasesWithTheCanary()
    {
        var page = await ui.NewPageAsync();
        await page.GotoAsync("/releases");

        await page.Locator("select[name=state]").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("[?&]state=failed"));
        var rows = page.GetByTestId("release-list").Locator("tbody tr");
        await Expect(rows.Filter(new() { Has = page.Locator($"[href='/releases/{ui.CanaryRelease.Id}']") })).ToHaveCountAsync(1);
        Assert.All(await rows.Locator(".badge").AllInnerTextsAsync(), state => Assert.Equal("Fail", state));
    }

    [Fact]
    public async Task ReleaseList_NoMatchAndBadState_SayWhy()
    {
        var page = await ui.NewPageAsync();

        await page.GotoAsync("/releases?service=no-such-service");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("No release matches");

        var response = await page.GotoAsync("/releases?state=green");
        Assert.Equal(400, response!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("green");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("passed");
    }
}
