using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Ui;

/// <summary>One real <c>vigil serve</c> that requires keys, with an admin, a read and an ingest key made before it starts.</summary>
public sealed class KeysRequiredServerFixture : IAsyncLifetime
{
    public VigilServerProcess Vigil { get; private set; } = null!;

    public string AdminSecret { get; private set; } = string.Empty;

    public string ReadSecret { get; private set; } = string.Empty;

    public string IngestSecret { get; private set; } = string.Empty;

    private string _dataDirectory = string.Empty;

    public async Task InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-login-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dataDirectory);
        AdminSecret = await CreateKeyAsync(_dataDirectory, "ops-admin", "admin");
        ReadSecret = await CreateKeyAsync(_dataDirectory, "alice", "read");
        IngestSecret = await CreateKeyAsync(_dataDirectory, "collector", "ingest");
        Vigil = await VigilServerProcess.StartAsync(_dataDirectory, environment: new Dictionary<string, string> { ["VIGIL__SECURITY__REQUIREAPIKEYS"] = "true" });
    }

    public async Task DisposeAsync()
    {
        await Vigil.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>Creates a key offline with <c>vigil keys create --data</c>, as the first admin key of a server is made.</summary>
    internal static async Task<string> CreateKeyAsync(string dataDirectory, string name, string scope)
    {
        var (exitCode, output, error) = await VigilServerProcess.RunCliAsync("keys", "create", "--data", dataDirectory, "--name", name, "--scope", scope, "--output", "json");
        Assert.True(exitCode == 0, $"vigil keys create failed ({exitCode}): {error}");
        var json = output[..(output.LastIndexOf('}') + 1)];
        return System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("secret").GetString()!;
    }
}

/// <summary>
/// The web UI's sign-in on a server that requires keys, over plain HTTP as a browser does it (no browser needed): the
/// redirect of pages to /login, the cookie's attributes, wrong keys, the read scope, revocation, sign-out with its
/// antiforgery token, the NotFound page, and that API clients keep their formats. The secrets never reach HTML or logs.
/// </summary>
public sealed partial class LoginFlowTests(KeysRequiredServerFixture fixture) : IClassFixture<KeysRequiredServerFixture>
{
    private readonly VigilServerProcess _vigil = fixture.Vigil;

    [Fact]
    public async Task Page_WithoutKey_RedirectsToLoginWithLocalReturnUrl()
    {
        using var browser = Browser(out _);

        var response = await browser.GetAsync("/releases?range=1h");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/login?returnUrl=%2Freleases%3Frange%3D1h", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/api/v1/keys")]
    [InlineData("/api/v1/query?query=up")]
    [InlineData("/metrics")]
    [InlineData("/no/such/path")]
    public async Task ApiAndUnknownPaths_WithoutKeyOrHtmlAccept_Keep401(string path)
    {
        using var client = _vigil.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ApiPath_WithHtmlAccept_StillAnswers401NotARedirect()
    {
        using var browser = Browser(out _);

        var response = await browser.GetAsync("/api/v1/releases");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task LoginPage_HasLabelledPasswordField()
    {
        using var browser = Browser(out _);

        var html = await browser.GetStringAsync("/login");

        Assert.Matches("<label for=\"login-key\">API key", html);
        Assert.Contains("id=\"login-key\" name=\"Key\" type=\"password\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WrongKey_SaysNotAValidKey_AndNeverEchoesIt()
    {
        using var browser = Browser(out var cookies);
        const string wrong = "vgl_r_planted-wrong-key-7f3a";

        var response = await SignInAsync(browser, wrong, "/checks");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not a valid key", html, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, html, StringComparison.Ordinal);
        Assert.Null(cookies.GetCookies(_vigil.HttpAddress)["vigil_session"]);
        Assert.DoesNotContain(wrong, _vigil.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_IngestKey_IsRefusedWithTheReason()
    {
        using var browser = Browser(out _);

        var response = await SignInAsync(browser, fixture.IngestSecret, "/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("can send data but not read it", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_ReadKey_SetsProtectedHttpOnlyStrictCookie_AndReturnsToThePage()
    {
        using var browser = Browser(out var cookies);

        var response = await SignInAsync(browser, fixture.ReadSecret, "/checks?x=1");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.EndsWith("/checks?x=1", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("vigil_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(fixture.ReadSecret, setCookie, StringComparison.Ordinal);

        var page = await browser.GetAsync("/checks?x=1");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Signed in as <strong>alice</strong>", html, StringComparison.Ordinal);
        Assert.Contains("(read)", html, StringComparison.Ordinal);
        Assert.Contains("data-can-administer=\"false\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.ReadSecret, html, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.ReadSecret, _vigil.Output, StringComparison.Ordinal);
        Assert.NotNull(cookies.GetCookies(_vigil.HttpAddress)["vigil_session"]);
    }

    [Fact]
    public async Task SignIn_AdminKey_CanAdminister()
    {
        using var browser = Browser(out _);
        await SignInAsync(browser, fixture.AdminSecret, "/");

        var html = await browser.GetStringAsync("/");

        Assert.Contains("Signed in as <strong>ops-admin</strong>", html, StringComparison.Ordinal);
        Assert.Contains("data-can-administer=\"true\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/x", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/login?returnUrl=/x", "/")]
    [InlineData("/drift?left=uat&right=prod", "/drift?left=uat&right=prod")]
    public async Task SignIn_ReturnUrl_StaysOnThisServer(string returnUrl, string expected)
    {
        using var browser = Browser(out _);

        var response = await SignInAsync(browser, fixture.ReadSecret, returnUrl);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        var target = location.IsAbsoluteUri ? location : new Uri(_vigil.HttpAddress, location);
        Assert.Equal(_vigil.HttpAddress.Authority, target.Authority);
        Assert.Equal(expected, target.PathAndQuery);
    }

    [Fact]
    public async Task Cookie_AuthenticatesApiReads_ButNotApiWrites()
    {
        using var browser = Browser(out _);
        await SignInAsync(browser, fixture.AdminSecret, "/");

        var read = await browser.GetAsync("/api/v1/keys");
        using var write = new HttpRequestMessage(HttpMethod.Post, "/api/v1/keys") { Content = JsonContent.Create(new CreateApiKeyRequest("csrf", "admin")) };
        var written = await browser.SendAsync(write);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, written.StatusCode);
    }

    [Fact]
    public async Task SignOut_NeedsTheFormToken_ThenClearsTheSession()
    {
        using var browser = Browser(out var cookies);
        await SignInAsync(browser, fixture.ReadSecret, "/");
        var home = await browser.GetStringAsync("/");

        var forged = await browser.PostAsync("/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);

        var signedOut = await browser.PostAsync("/logout", new FormUrlEncodedContent([new("__RequestVerificationToken", Token(home))]));
        Assert.Equal(HttpStatusCode.Found, signedOut.StatusCode);
        Assert.Equal("/login?signedOut=1", signedOut.Headers.Location?.OriginalString);
        Assert.Null(cookies.GetCookies(_vigil.HttpAddress)["vigil_session"]);
        Assert.Equal(HttpStatusCode.Found, (await browser.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task RevokedKey_EndsItsSessions()
    {
        var secret = await CreateKeyThroughApiAsync("bob", "read");
        using var browser = Browser(out _);
        await SignInAsync(browser, secret, "/");
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);

        using var admin = _vigil.CreateClient(fixture.AdminSecret);
        var keys = await admin.GetFromJsonAsync<ApiKeysResponse>("/api/v1/keys", TelemetryApi.Json);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/keys/{keys!.Keys.Single(k => k.Name == "bob").Id}")).StatusCode);

        var after = await browser.GetAsync("/checks");
        Assert.Equal(HttpStatusCode.Found, after.StatusCode);
        Assert.StartsWith("/login", after.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TamperedCookie_IsNotASession()
    {
        using var browser = Browser(out var cookies);
        cookies.Add(_vigil.HttpAddress, new Cookie("vigil_session", "CfDJ8-forged-value"));

        var response = await browser.GetAsync("/");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPage_SignedIn_RendersNotFoundPageWith404_WhileApiKeepsProblemDetails()
    {
        using var browser = Browser(out _);
        await SignInAsync(browser, fixture.ReadSecret, "/");

        var page = await browser.GetAsync("/no/such/page");
        var html = await page.Content.ReadAsStringAsync();
        using var api = _vigil.CreateClient(fixture.ReadSecret);
        var problem = await api.GetAsync("/api/v1/no-such-endpoint");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Page not found", html, StringComparison.Ordinal);
        Assert.Contains("/no/such/page", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/checks\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, problem.StatusCode);
        Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task DataProtectionKeys_AreInTheDataFolder_Mode0700_WithoutAnEncryptorWarning()
    {
        using var browser = Browser(out _);
        await browser.GetStringAsync("/login"); // The form's antiforgery token needs the key ring.
        var folder = Path.Combine(_vigil.DataDirectory, "ui-keys");

        Assert.True(Directory.Exists(folder), folder);
        Assert.NotEmpty(Directory.GetFiles(folder, "key-*.xml"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }

        Assert.DoesNotContain("No XML encryptor configured", _vigil.Output, StringComparison.Ordinal);
    }

    private HttpClient Browser(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = _vigil.HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml");
        return client;
    }

    /// <summary>Opens the login page (for its antiforgery cookie and token) and posts the form, as a browser would.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string key, string returnUrl)
    {
        var url = "/login?returnUrl=" + Uri.EscapeDataString(returnUrl);
        var form = await browser.GetStringAsync(url);
        return await browser.PostAsync(url, new FormUrlEncodedContent(
        [
            new("_handler", "login"),
            new("__RequestVerificationToken", Token(form)),
            new("Key", key),
        ]));
    }

    private async Task<string> CreateKeyThroughApiAsync(string name, string scope)
    {
        using var admin = _vigil.CreateClient(fixture.AdminSecret);
        var response = await admin.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest(name, scope));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedApiKeyDto>(TelemetryApi.Json))!.Secret;
    }

    private static string Token(string html) => TokenPattern().Match(html) is { Success: true } m
        ? WebUtility.HtmlDecode(m.Groups[1].Value)
        : throw new Xunit.Sdk.XunitException("no antiforgery token in the page");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
