using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Client;
using Vigil.Server.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests.Pages;

/// <summary>
/// Sign-in in a real browser against a second <c>vigil serve</c> that requires keys (the shared fixture's server does
/// not): a page without a key goes to the login page, a wrong key is refused, a read key lands on the page it was
/// going to with "Signed in as", admin actions are off for it, sign-out returns to the login page, and the key never
/// appears in the HTML.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class LoginTests(UiFixture ui) : IAsyncLifetime
{
    private string _data = string.Empty;
    private VigilServerProcess? _vigil;
    private string _readSecret = string.Empty;
    private IBrowserContext? _context;

    public async Task InitializeAsync()
    {
        _data = Path.Combine(Path.GetTempPath(), "vigil-ui-login-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_data);
        _readSecret = await CreateKeyAsync("alice", "read");
        _vigil = await VigilServerProcess.StartAsync(_data, environment: new Dictionary<string, string> { ["VIGIL__SECURITY__REQUIREAPIKEYS"] = "true" });
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        if (_vigil is not null)
        {
            await _vigil.DisposeAsync();
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task SignIn_WrongKeyThenReadKey_ReturnsToThePage_ThenSignsOut()
    {
        var page = await NewPageAsync(ColorScheme.Light);

        await page.GotoAsync("/checks");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?returnUrl=%2Fchecks$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in to Vigil");
        await ui.AssertAccessibleAsync(page, "login");
        await ui.ScreenshotAsync(page, "login");

        await page.GetByLabel("API key").FillAsync("vgl_r_not-a-real-key-ui");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("not a valid key");
        Assert.DoesNotContain("vgl_r_not-a-real-key-ui", await page.ContentAsync(), StringComparison.Ordinal);
        await Expect(page.GetByLabel("API key")).ToHaveValueAsync(string.Empty);

        await page.GetByLabel("API key").FillAsync(_readSecret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/checks$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Checks");
        var session = page.GetByTestId("session");
        await Expect(session).ToContainTextAsync("Signed in as alice (read)");
        await Expect(session).ToHaveAttributeAsync("data-can-administer", "false");
        Assert.DoesNotContain(_readSecret, await page.ContentAsync(), StringComparison.Ordinal);
        var cookie = (await _context!.CookiesAsync()).Single(c => c.Name == "vigil_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(_readSecret, cookie.Value, StringComparison.Ordinal);
        await ui.AssertAccessibleAsync(page, "checks (signed in)");

        await session.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?signedOut=1$"));
        await Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();
        await page.GotoAsync("/drift");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?returnUrl=%2Fdrift$"));
        Assert.DoesNotContain(_readSecret, _vigil!.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPage_InDarkColourScheme_IsAccessible()
    {
        var page = await NewPageAsync(ColorScheme.Dark);

        await page.GotoAsync("/login");
        await page.GetByLabel("API key").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("login-error")).ToBeVisibleAsync();

        await ui.AssertAccessibleAsync(page, "login (dark, with an error)");
        await ui.ScreenshotAsync(page, "login-dark");
    }

    private async Task<IPage> NewPageAsync(ColorScheme scheme)
    {
        _context = await ui.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _vigil!.HttpAddress.ToString(),
            ViewportSize = UiFixture.Viewport,
            ColorScheme = scheme,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        _context.SetDefaultTimeout(UiFixture.ActionTimeoutMilliseconds);
        return await _context.NewPageAsync();
    }

    private async Task<string> CreateKeyAsync(string name, string scope)
    {
        var (exitCode, output, error) = await VigilServerProcess.RunCliAsync("keys", "create", "--data", _data, "--name", name, "--scope", scope, "--output", "json");
        Assert.True(exitCode == 0, $"vigil keys create failed ({exitCode}): {error}");
        using var json = JsonDocument.Parse(output[..(output.LastIndexOf('}') + 1)]);
        return json.RootElement.GetProperty("secret").GetString()!;
    }
}
