using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests;

/// <summary>
/// The traces list (<c>/explore/traces</c>) and a trace's waterfall (<c>/traces/{id}</c>): the known trace listed and
/// opened, its spans with their names, service and bars; unknown and malformed ids answered with a message.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class TracesPageTests(UiFixture ui)
{
    [Fact]
    public async Task Waterfall_KnownTrace_ShowsItsSpansWithBars()
    {
        var spans = ui.KnownTrace.Spans;
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync($"/traces/{ui.KnownTraceId}");

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByTestId("trace-facts")).ToContainTextAsync(ui.KnownTraceId);
        var rows = page.GetByTestId("waterfall-row");
        await Expect(rows).ToHaveCountAsync(spans.Count);
        var names = await page.GetByTestId("span-name").AllTextContentsAsync();
        Assert.Equal(spans.Select(s => s.Name).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        var service = page.GetByTestId("span-service").First;
        await Expect(service).ToHaveTextAsync(UiFixture.Service);
        await Expect(service).ToHaveAttributeAsync("href", $"/services/{UiFixture.Service}");
        var bars = page.GetByTestId("span-bar");
        await Expect(bars).ToHaveCountAsync(spans.Count);
        foreach (var style in await bars.EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('style'))"))
        {
            Assert.Matches(new Regex("^margin-left:[0-9.]+%;width:[0-9.]+%$"), style);
        }

        var barBox = await bars.First.BoundingBoxAsync();
        Assert.True(barBox is { Width: > 0, Height: > 0 }, "the bar is drawn");
        if (spans.Any(s => s.StatusCode.Equals("error", StringComparison.OrdinalIgnoreCase)))
        {
            await Expect(page.GetByTestId("waterfall").GetByText("error", new() { Exact = true }).First).ToBeVisibleAsync();
        }

        await Expect(page.GetByTestId("trace-logs-link")).ToHaveAttributeAsync("href", $"/explore/logs?trace={ui.KnownTraceId}");
        await page.GetByTestId("span-name").First.ClickAsync();
        await Expect(page.GetByTestId("waterfall").Locator("details[open] dl")).ToContainTextAsync(spans.OrderBy(s => s.StartTimeUnixNano).First().SpanId);

        await ui.CheckPageAsync(page, "trace");
    }

    [Fact]
    public async Task Waterfall_LogsLink_ListsTheTracesLogLine()
    {
        Assert.Equal(ui.KnownTraceId, ui.KnownLog.TraceId);
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/traces/{ui.KnownTraceId}");

        await page.GetByTestId("trace-logs-link").ClickAsync();
        await page.WaitForURLAsync(new Regex("/explore/logs\\?trace="));

        await Expect(page.GetByTestId("logs-table")).ToContainTextAsync(ui.KnownLogMessage);
    }

    [Fact]
    public async Task Waterfall_UnknownTrace_Is404WithMessage()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/traces/0123456789abcdef0123456789abcdef");

        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Trace not found" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("trace-error")).ToContainTextAsync("No trace with id 0123456789abcdef0123456789abcdef is stored");
        await ui.AssertAccessibleAsync(page, "trace (unknown)");
    }

    [Fact]
    public async Task Waterfall_MalformedTraceId_ShowsClearMessage()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/traces/not-a-trace");

        Assert.Equal(400, response!.Status);
        await Expect(page.GetByTestId("trace-error")).ToContainTextAsync("'not-a-trace' is not a trace id");
    }

    [Fact]
    public async Task TracesList_ByService_ListsTheNewestBounded()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync($"/explore/traces?service={UiFixture.Service}&env={UiFixture.Environment}&range=24h");

        Assert.Equal(200, response!.Status);
        var rows = page.GetByTestId("traces-table").Locator("tbody tr");
        await Expect(rows.First).ToBeVisibleAsync();
        Assert.InRange(await rows.CountAsync(), 1, 100);
        await Expect(page.GetByTestId("traces-summary")).ToContainTextAsync(new Regex("Showing the latest 100 traces|[0-9]+ traces?\\."));
        foreach (var href in await rows.Locator("td:first-child a").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('href'))"))
        {
            Assert.Matches(new Regex("^/traces/[0-9a-f]{32}$"), href);
        }

        await ui.CheckPageAsync(page, "traces");
    }

    [Fact]
    public async Task TracesList_KnownTrace_IsListedAndOpensItsWaterfall()
    {
        // The second the known trace started in: a window the list cannot overflow.
        var start = ui.KnownTrace.Spans.Min(s => s.StartTimeUnixNano) / 1_000_000_000;
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync(string.Create(CultureInfo.InvariantCulture,
            $"/explore/traces?service={UiFixture.Service}&env={UiFixture.Environment}&error=true&from={start}&to={start + 1}"));

        Assert.Equal(200, response!.Status);
        var table = page.GetByTestId("traces-table");
        var linkName = new PageGetByRoleOptions { NameRegex = new Regex($"trace {ui.KnownTraceId}$") };
        var link = table.GetByRole(AriaRole.Link, new() { NameRegex = linkName.NameRegex });
        await Expect(link).ToBeVisibleAsync();
        var row = table.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Link, linkName) });
        await Expect(row).ToContainTextAsync(UiFixture.Service);
        await Expect(row).ToContainTextAsync("error");
        await Expect(page.GetByLabel("Errors only")).ToBeCheckedAsync();

        await link.ClickAsync();
        await page.WaitForURLAsync($"**/traces/{ui.KnownTraceId}");
        await Expect(page.GetByTestId("waterfall")).ToBeVisibleAsync();
    }
}
