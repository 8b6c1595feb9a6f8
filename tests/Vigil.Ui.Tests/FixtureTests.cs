using Xunit.Sdk;

namespace Vigil.Ui.Tests;

/// <summary>
/// The fixture's checks themselves: the axe-core check fails with a readable list on a page that breaks a serious rule,
/// browser errors are collected, screenshot names are file-safe. Page tests rely on these failing when they should.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class FixtureTests(UiFixture ui)
{
    [Fact]
    public async Task AssertAccessible_PageWithUnlabelledImageAndInput_FailsNamingRulesImpactAndElements()
    {
        var page = await ui.NewPageAsync();
        await page.SetContentAsync(
            """
            <!DOCTYPE html><html lang="en"><head><title>Broken on purpose</title></head>
            <body><main><h1>Broken on purpose</h1>
            <img id="chart" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
            <input id="query" type="text">
            </main></body></html>
            """);

        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => ui.AssertAccessibleAsync(page, "broken page"));

        Assert.Contains("broken page", failure.Message, StringComparison.Ordinal);
        Assert.Contains("image-alt (critical)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#chart", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#query", failure.Message, StringComparison.Ordinal);
        Assert.Contains("dequeuniversity.com/rules/axe/", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssertAccessible_CleanPage_Passes()
    {
        var page = await ui.NewPageAsync();
        await page.SetContentAsync(
            """
            <!DOCTYPE html><html lang="en"><head><title>Clean</title></head>
            <body><main><h1>Clean</h1><label for="q">Query</label><input id="q" type="text"></main></body></html>
            """);

        await ui.AssertAccessibleAsync(page, "clean page");
        await ui.AssertAccessibleAsync(page, "clean page, axe already injected");
    }

    [Fact]
    public async Task BrowserErrors_CollectsUncaughtScriptErrorsAndConsoleErrors()
    {
        var page = await ui.NewPageAsync();
        await page.SetContentAsync("<script>console.error('logged on purpose'); setTimeout(() => { throw new Error('thrown on purpose'); });</script>");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ui.BrowserErrors(page).Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await page.EvaluateAsync("() => new Promise(resolve => setTimeout(resolve, 50))");
        }

        var errors = ui.BrowserErrors(page);
        Assert.Contains(errors, e => e.StartsWith("console error: logged on purpose", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("uncaught script error: ", StringComparison.Ordinal) && e.Contains("thrown on purpose", StringComparison.Ordinal));
        Assert.ThrowsAny<XunitException>(() => ui.AssertNoBrowserErrors(page));
    }

    [Fact]
    public async Task Open_StatusOtherThanExpected_FailsNamingPathAndStatus()
    {
        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => ui.OpenAsync("/no-such-page"));
        var page = await ui.OpenAsync("/no-such-page", expectedStatus: 404);

        Assert.Contains("GET /no-such-page: expected HTTP 200, got 404", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith("/no-such-page", page.Url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("Release Page")]
    [InlineData("release-page.png")]
    public async Task Screenshot_NameThatIsNotAPlainFileName_IsRejected(string name)
    {
        var page = await ui.NewPageAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => ui.ScreenshotAsync(page, name));
    }
}
