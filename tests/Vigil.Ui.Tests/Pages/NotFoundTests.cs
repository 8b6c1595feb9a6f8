using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests.Pages;

/// <summary>An unknown page path: the NotFound page in the layout with a 404 status and links back; API paths keep problem details.</summary>
[Collection(UiCollection.Name)]
public sealed class NotFoundTests(UiFixture ui)
{
    [Fact]
    public async Task UnknownPath_ShowsNotFoundPageWith404AndLinksBack()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/no/such/page?x=1");

        Assert.NotNull(response);
        Assert.Equal(404, response.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Page not found");
        await Expect(page.GetByTestId("not-found-path")).ToHaveTextAsync("/no/such/page");
        await Expect(page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "overview" })).ToHaveAttributeAsync("href", "/");
        await Expect(page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "Checks" })).ToHaveAttributeAsync("href", "/checks");
        await ui.AssertAccessibleAsync(page, "not found");
        await ui.ScreenshotAsync(page, "not-found");
    }

    [Fact]
    public async Task Keyboard_FirstTabFocusesTheSkipLink_WithAVisibleOutline_AndItMovesToMain()
    {
        var page = await ui.NewPageAsync();
        await page.GotoAsync("/no/such/page");

        await page.Keyboard.PressAsync("Tab");
        var skip = page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" });
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToBeInViewportAsync();
        var outline = await skip.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth");
        Assert.Equal("solid 3px", outline);

        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#main$"));
        var focused = await page.EvaluateAsync<string>("() => document.activeElement.id || document.activeElement.tagName");
        Assert.Equal("main", focused);
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(1920, 1080)]
    public async Task Layout_FitsLaptopAndWideScreens_WithoutHorizontalScroll(int width, int height)
    {
        var page = await ui.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);

        foreach (var path in new[] { "/checks", "/drift", "/anomalies", "/no/such/page" })
        {
            await page.GotoAsync(path);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{path} at {width}px scrolls sideways by {overflow}px");
            var nav = await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).BoundingBoxAsync();
            Assert.True(nav is not null && nav.Y < 60, $"{path} at {width}px: the navigation wrapped below the top bar ({nav?.Y})");
        }

        if (width == 1920)
        {
            await page.GotoAsync("/anomalies");
            await ui.ScreenshotAsync(page, "anomalies-1920");
        }
    }

    [Fact]
    public async Task UnknownApiPath_KeepsProblemDetails()
    {
        using var http = new HttpClient { BaseAddress = ui.BaseAddress };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        var response = await http.GetAsync("/api/v1/no-such-thing");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
