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
    public async Task UnknownApiPath_KeepsProblemDetails()
    {
        using var http = new HttpClient { BaseAddress = ui.BaseAddress };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        var response = await http.GetAsync("/api/v1/no-such-thing");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
