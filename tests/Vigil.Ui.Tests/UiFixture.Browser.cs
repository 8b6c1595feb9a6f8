using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Vigil.Ui.Tests;

/// <summary>The browser half of the fixture: Debian's chromium through Playwright, axe-core checks and screenshots.</summary>
public sealed partial class UiFixture
{
    /// <summary>The viewport of every page: the narrow end of the widths the UI must read well at.</summary>
    public static readonly ViewportSize Viewport = new() { Width = 1280, Height = 800 };

    /// <summary>
    /// How long Playwright's <c>Expect(...)</c> assertions wait (its default is 5 s): the machine running the tests is
    /// shared and busy, and a wait ends as soon as its condition holds.
    /// </summary>
    public const float ExpectTimeoutMilliseconds = 15_000;

    /// <summary>How long navigations and actions wait at most.</summary>
    public const float ActionTimeoutMilliseconds = 30_000;

    // Tests of the collection run one after another, so a context older than the last few belongs to a finished test:
    // it is closed, so a long run does not keep dozens of renderer processes alive.
    private const int OpenContexts = 6;
    private const string ChromiumFallback = "/usr/bin/chromium";
    private static readonly string[] ReportedImpacts = ["serious", "critical"];
    private readonly List<IBrowserContext> _contexts = [];
    private readonly Dictionary<IPage, List<string>> _browserErrors = [];
    private Task? _browserLaunch;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _axeScript = string.Empty;

    /// <summary>The one browser of the run (prefer <see cref="NewPageAsync()"/>, which gives each test its own context).</summary>
    public IBrowser Browser => _browser ?? throw NotStarted();

    /// <summary>Where <see cref="ScreenshotAsync"/> writes: <c>artifacts/screenshots</c> under the repository root.</summary>
    public static string ScreenshotDirectory => Path.Combine(RepositoryRoot, "artifacts", "screenshots");

    /// <summary>
    /// A page in a fresh browser context (1280x800, light colour scheme, en-US, UTC) whose relative URLs go to
    /// <see cref="BaseAddress"/> (<c>page.GotoAsync("/releases")</c>). Its console errors and uncaught script errors are
    /// collected (<see cref="BrowserErrors"/>). Contexts of earlier tests are closed as new ones open.
    /// </summary>
    public Task<IPage> NewPageAsync() => NewPageAsync(ColorScheme.Light);

    /// <summary>As <see cref="NewPageAsync()"/>, with <paramref name="colorScheme"/> (e.g. <see cref="ColorScheme.Dark"/>).</summary>
    public async Task<IPage> NewPageAsync(ColorScheme colorScheme)
    {
        await CloseOldContextsAsync();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = Viewport,
            ColorScheme = colorScheme,
            Locale = "en-US",
            TimezoneId = "UTC",
            ReducedMotion = ReducedMotion.Reduce,
        });
        context.SetDefaultTimeout(ActionTimeoutMilliseconds);
        context.SetDefaultNavigationTimeout(ActionTimeoutMilliseconds);
        lock (_contexts)
        {
            _contexts.Add(context);
        }

        var page = await context.NewPageAsync();
        var errors = new List<string>();
        lock (_browserErrors)
        {
            _browserErrors[page] = errors;
        }

        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add($"console error: {message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add("uncaught script error: " + error);
            }
        };
        return page;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (relative to <see cref="BaseAddress"/>, with its query string) in a new page and
    /// fails unless the answer has <paramref name="expectedStatus"/> (e.g. 404 for an unknown id, 400 for bad input).
    /// </summary>
    public Task<IPage> OpenAsync(string path, int expectedStatus = 200) => OpenAsync(path, ColorScheme.Light, expectedStatus);

    /// <summary>As <see cref="OpenAsync(string, int)"/>, in <paramref name="colorScheme"/>.</summary>
    public async Task<IPage> OpenAsync(string path, ColorScheme colorScheme, int expectedStatus = 200)
    {
        var page = await NewPageAsync(colorScheme);
        var response = await page.GotoAsync(path);
        Assert.True(
            response is not null && response.Status == expectedStatus,
            $"GET {path}: expected HTTP {expectedStatus}, got {(response is null ? "no response" : response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        return page;
    }

    /// <summary>
    /// The usual end of a page test: axe-core finds no serious or critical violation, the browser reported no error,
    /// and the page is saved as screenshot <paramref name="name"/> (<c>artifacts/screenshots/NAME.png</c>).
    /// </summary>
    public async Task CheckPageAsync(IPage page, string name)
    {
        await AssertAccessibleAsync(page, name);
        AssertNoBrowserErrors(page);
        await ScreenshotAsync(page, name);
    }

    /// <summary>
    /// What went wrong in the browser on <paramref name="page"/> so far: console errors (a failed asset load among
    /// them) and uncaught script errors, in order.
    /// </summary>
    public IReadOnlyList<string> BrowserErrors(IPage page)
    {
        List<string>? errors;
        lock (_browserErrors)
        {
            _browserErrors.TryGetValue(page, out errors);
        }

        if (errors is null)
        {
            throw new ArgumentException("the page was not made by UiFixture.NewPageAsync", nameof(page));
        }

        lock (errors)
        {
            return [.. errors];
        }
    }

    /// <summary>Fails when <paramref name="page"/> logged a console error or threw an uncaught script error.</summary>
    public void AssertNoBrowserErrors(IPage page)
    {
        var errors = BrowserErrors(page);
        Assert.True(errors.Count == 0, $"the browser reported {errors.Count} error(s) on {page.Url}:\n" + string.Join('\n', errors));
    }

    /// <summary>
    /// Runs axe-core (from npm, injected into the page) on the page as it is and fails with a readable list (rule, impact,
    /// help, the elements) when it finds a violation of impact serious or critical.
    /// </summary>
    public async Task AssertAccessibleAsync(IPage page, string pageName)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = _axeScript });
        }

        var json = await page.EvaluateAsync<string>(
            """
            async () => {
              const result = await window.axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(result.violations.map(v => ({
                id: v.id,
                impact: v.impact || 'unknown',
                help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({ target: n.target.map(t => String(t)).join(' '), html: n.html, summary: n.failureSummary || '' })),
              })));
            }
            """);
        var violations = JsonSerializer.Deserialize<List<AxeViolation>>(json, JsonOptions) ?? [];
        var serious = violations.Where(v => ReportedImpacts.Contains(v.Impact)).ToList();
        if (serious.Count == 0)
        {
            return;
        }

        var report = new StringBuilder();
        report.AppendLine($"axe-core found {serious.Count} serious or critical accessibility violation(s) on {pageName} ({page.Url}):");
        foreach (var violation in serious)
        {
            report.AppendLine($"- {violation.Id} ({violation.Impact}): {violation.Help} [{violation.HelpUrl}]");
            foreach (var node in violation.Nodes.Take(10))
            {
                report.AppendLine($"    at {node.Target}: {Shorten(node.Html, 200)}");
                if (node.Summary.Length > 0)
                {
                    report.AppendLine("      " + Shorten(node.Summary.ReplaceLineEndings(" "), 300));
                }
            }

            if (violation.Nodes.Count > 10)
            {
                report.AppendLine($"    ... and {violation.Nodes.Count - 10} more element(s)");
            }
        }

        Assert.Fail(report.ToString());
    }

    /// <summary>Saves a full-page screenshot as <c>artifacts/screenshots/NAME.png</c> (NAME: lower-case letters, digits, dashes).</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!ScreenshotName().IsMatch(name))
        {
            throw new ArgumentException($"a screenshot name is lower-case letters, digits and dashes (it becomes a file name): '{name}'", nameof(name));
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(ScreenshotDirectory, name + ".png"),
            FullPage = true,
            Animations = ScreenshotAnimations.Disabled,
        });
    }

    /// <summary>
    /// Debian's chromium: <c>chromium</c> on PATH, else <c>/usr/bin/chromium</c>. Playwright never downloads a browser here,
    /// so a missing one is a clear failure naming the package.
    /// </summary>
    private static string ChromiumPath()
    {
        var onPath = (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "chromium"))
            .FirstOrDefault(File.Exists);
        var path = onPath ?? ChromiumFallback;
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                "chromium is not installed: the UI tests drive Debian's chromium and never download a browser. Install it with `apt-get install chromium` (scripts/test.sh does).");
    }

    /// <summary>axe-core's browser script from this project's npm packages.</summary>
    private static string AxeScriptPath()
    {
        var project = Path.Combine(RepositoryRoot, "tests", "Vigil.Ui.Tests");
        var path = Path.Combine(project, "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"axe-core is missing ({path}): building tests/Vigil.Ui.Tests runs `npm ci` there (eng/Npm.targets, needs Node.js 20+); run `npm ci` in {project} or build the project again.");
    }

    private async Task CloseOldContextsAsync()
    {
        List<IBrowserContext> old;
        lock (_contexts)
        {
            var excess = _contexts.Count - (OpenContexts - 1);
            if (excess <= 0)
            {
                return;
            }

            old = _contexts.GetRange(0, excess);
            _contexts.RemoveRange(0, excess);
        }

        lock (_browserErrors)
        {
            foreach (var page in old.SelectMany(c => c.Pages))
            {
                _browserErrors.Remove(page);
            }
        }

        foreach (var context in old)
        {
            await context.CloseAsync();
        }
    }

    private async Task LaunchBrowserAsync(string chromium)
    {
        Assertions.SetDefaultExpectTimeout(ExpectTimeoutMilliseconds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // CI runs as root, where chromium's sandbox cannot start; /dev/shm is small in containers.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            Timeout = 60_000,
        });
    }

    private async Task CloseBrowserAsync()
    {
        if (_browserLaunch is not null)
        {
            try
            {
                await _browserLaunch;
            }
            catch (Exception)
            {
                // The launch failure was reported by InitializeAsync; whatever started is closed below.
            }
        }

        List<IBrowserContext> contexts;
        lock (_contexts)
        {
            contexts = [.. _contexts];
            _contexts.Clear();
        }

        foreach (var context in contexts)
        {
            await context.CloseAsync();
        }

        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ScreenshotName();

    private sealed record AxeViolation(string Id, string Impact, string Help, string HelpUrl, List<AxeNode> Nodes);

    private sealed record AxeNode(string Target, string Html, string Summary);
}
