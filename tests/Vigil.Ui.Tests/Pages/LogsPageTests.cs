using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests;

/// <summary>
/// The logs search (<c>/explore/logs</c>): the known log line found, the text filter narrowing the list, a log line's
/// trace link opening that trace's waterfall, and bad input answered with a message.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class LogsPageTests(UiFixture ui)
{
    [Fact]
    public async Task Search_KnownLogMessage_IsFoundAndTheTextFilterNarrows()
    {
        var page = await ui.NewPageAsync();
        var response = await page.GotoAsync($"/explore/logs?service={UiFixture.Service}&env={UiFixture.Environment}&range=24h");
        Assert.Equal(200, response!.Status);
        var rows = page.GetByTestId("logs-table").Locator("tbody tr");
        await Expect(rows.First).ToBeVisibleAsync();
        var everything = await rows.CountAsync();
        await ui.CheckPageAsync(page, "logs");

        await page.GetByLabel("Text contains").FillAsync(ui.KnownLogMessage);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("[?&]q="));

        await Expect(page.GetByTestId("logs-table")).ToContainTextAsync(ui.KnownLogMessage);
        var bodies = await page.GetByTestId("logs-table").Locator("td.log-body").AllTextContentsAsync();
        Assert.NotEmpty(bodies);
        Assert.True(bodies.Count < everything, $"the text filter narrows the list ({bodies.Count} of {everything} lines)");
        Assert.All(bodies, b => Assert.Contains(ui.KnownLogMessage, b, StringComparison.OrdinalIgnoreCase));
        await Expect(page.GetByLabel("Service")).ToHaveValueAsync(UiFixture.Service);
        await Expect(page.GetByTestId("logs-table")).ToContainTextAsync(ui.KnownLog.SeverityText);
    }

    [Fact]
    public async Task LogLine_TraceLink_OpensThatTracesWaterfall()
    {
        Assert.False(string.IsNullOrEmpty(ui.KnownLog.TraceId), "the known log line carries a trace id");
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/explore/logs?service={UiFixture.Service}&range=24h&q={Uri.EscapeDataString(ui.KnownLogMessage)}");
        var row = page.GetByTestId("logs-table").Locator("tbody tr", new() { HasText = ui.KnownLogMessage }).First;

        await row.GetByTestId("log-trace-link").ClickAsync();
        await page.WaitForURLAsync($"**/traces/{ui.KnownLog.TraceId}");

        await Expect(page.GetByTestId("waterfall")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("trace-facts")).ToContainTextAsync(ui.KnownLog.TraceId);
    }

    [Fact]
    public async Task MinuteOfLogs_TracesLink_ListsTheTracesOfThatMinute()
    {
        // A chart point opens the logs of its minute; the traces of the same minute are one link further.
        var minute = ui.KnownLog.Time.ToUnixTimeSeconds() / 60 * 60;
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/explore/logs?service={UiFixture.Service}&env={UiFixture.Environment}&from={minute}&to={minute + 60}");

        await page.GetByTestId("logs-traces-link").ClickAsync();
        await page.WaitForURLAsync(new Regex($"/explore/traces\\?service={UiFixture.Service}&env={UiFixture.Environment}&from={minute}&to={minute + 60}$"));

        // The list is bounded (the newest 100 of that minute), so it shows that minute's traces, not necessarily the known one.
        await Expect(page.GetByTestId("traces-table").Locator("tbody tr").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("traces-table")).ToContainTextAsync(UiFixture.Service);
        await Expect(page.GetByTestId("traces-summary")).ToContainTextAsync(
            DateTimeOffset.FromUnixTimeSeconds(minute).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("from=1767225700&to=1767225600", "is after to")]
    [InlineData("severity=loud", "'loud' is not a severity")]
    [InlineData("from=yesterday", "from: 'yesterday' is not a timestamp")]
    [InlineData("trace=xyz", "'xyz' is not a trace id")]
    [InlineData("range=forever", "range 'forever' is not a duration")]
    public async Task Search_BadInput_ShowsClearMessage(string query, string message)
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/explore/logs?" + query);

        Assert.Equal(400, response!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The search could not be run");
        await Expect(page.GetByTestId("logs-error")).ToContainTextAsync(message);
    }

    [Fact]
    public async Task Search_NothingMatches_SaysSo()
    {
        var page = await ui.NewPageAsync();

        await page.GotoAsync("/explore/logs?service=no-such-service&range=5m");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No log lines matched" })).ToBeVisibleAsync();
    }
}
