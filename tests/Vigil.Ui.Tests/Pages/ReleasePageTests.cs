using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Client.Contracts;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests.Pages;

/// <summary>
/// The release page (<c>/releases/{id}</c>): the fixture's failed canary with its evidence, charts, history and timeline;
/// the admin actions (on releases these tests create, never on the shared canary); live progress of a running
/// verification; unknown and malformed ids.
/// </summary>
[Collection(UiCollection.Name)]
public sealed partial class ReleasePageTests(UiFixture ui)
{
    // Looks come every 5 s after a 2 s delay; the region refreshes every 2 s.
    private static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task CanaryRelease_ShowsFailVerdictWithFailingErrorRatioFirst()
    {
        var verdict = await ui.Client.GetVerdictAsync(ui.CanaryRelease.Id);
        var errorRatio = verdict.Metrics.Single(m => m.Name == "error-ratio");
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync($"/releases/{ui.CanaryRelease.Id}");

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"{UiFixture.Service} {UiFixture.CanaryVersion} in {UiFixture.Environment}");
        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync("Fail");
        await Expect(page.GetByTestId("score")).ToHaveTextAsync(verdict.Score!.Value.ToString("0.#", CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("look")).ToHaveTextAsync($"look {verdict.Look} of {verdict.PlannedLooks}");
        await Expect(page.Locator(".release-verdict")).ToContainTextAsync($"canary {UiFixture.CanaryVersion} vs baseline {UiFixture.BaselineVersion}");
        await Expect(page.Locator(".release-verdict")).ToContainTextAsync(UiFixture.PlanName);

        var first = page.GetByTestId("evidence").Locator("tbody tr").First;
        await Expect(first).ToHaveAttributeAsync("data-metric", "error-ratio");
        await Expect(first).ToHaveClassAsync(new Regex("metric-failing"));
        await Expect(first).ToContainTextAsync("High: failing, critical");
        await Expect(first).ToContainTextAsync(errorRatio.Sentence);
        await Expect(first).ToContainTextAsync(Samples(errorRatio.CanarySamples, errorRatio.SampleUnit));
        await Expect(first).ToContainTextAsync(Samples(errorRatio.BaselineSamples, errorRatio.SampleUnit));
        await Expect(first).ToContainTextAsync(new Regex(@"\+\d+(\.\d)?% 95% CI [-+−]"));
        await Expect(page.GetByTestId("evidence").Locator("tbody tr")).ToHaveCountAsync(verdict.Metrics.Count);
        await Expect(page.Locator("[data-live-done]")).ToHaveCountAsync(1);

        await ui.AssertAccessibleAsync(page, "release");
        await ui.ScreenshotAsync(page, "release");
    }

    [Fact]
    public async Task CanaryRelease_InDarkColourScheme_IsAccessible()
    {
        var page = await ui.NewPageAsync(ColorScheme.Dark);
        await page.GotoAsync($"/releases/{ui.CanaryRelease.Id}");
        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync("Fail");

        await ui.AssertAccessibleAsync(page, "release (dark)");
    }

    [Fact]
    public async Task CanaryRelease_DrawsCanaryAndBaselineChartsWithPointLinksToThatMinutesLogs()
    {
        var verdict = await ui.Client.GetVerdictAsync(ui.CanaryRelease.Id);
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/releases/{ui.CanaryRelease.Id}");

        var charts = page.Locator(".release-chart");
        await Expect(charts).ToHaveCountAsync(verdict.Metrics.Count);
        var errorChart = page.Locator("#chart-error-ratio");
        await Expect(errorChart.Locator("canvas")).ToHaveCountAsync(1);
        await Expect(errorChart.Locator(".u-legend")).ToContainTextAsync($"canary {UiFixture.CanaryVersion}");
        await Expect(errorChart.Locator(".u-legend")).ToContainTextAsync($"baseline {UiFixture.BaselineVersion}");
        await Expect(errorChart.Locator(".chart-markers")).ToContainTextAsync($"{UiFixture.CanaryVersion} released");
        await Expect(page.Locator(".release-chart canvas")).ToHaveCountAsync(verdict.Metrics.Count);

        var logsLink = new Regex($@"/explore/logs\?service={UiFixture.Service}&env={UiFixture.Environment}&from=(\d+)&to=(\d+)$");
        var tableLink = errorChart.Locator(".chart-table a").First;
        var href = await tableLink.GetAttributeAsync("href");
        var match = logsLink.Match(href ?? string.Empty);
        Assert.True(match.Success, $"a point's link opens the logs of its minute: {href}");
        Assert.Equal(60, long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) - long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));

        // Clicking the plot itself opens the logs of the minute under the cursor.
        await errorChart.Locator(".u-over").ClickAsync();
        await page.WaitForURLAsync(logsLink);
    }

    [Fact]
    public async Task CanaryRelease_ShowsEveryLookAndTheVerdictOnTheTimeline()
    {
        var intervals = await ui.Client.GetRunIntervalsAsync(ui.CanaryRelease.Id);
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/releases/{ui.CanaryRelease.Id}");

        var history = page.GetByTestId("history").Locator("tbody tr");
        await Expect(history).ToHaveCountAsync(intervals.Intervals.Count);
        await Expect(history.Last).ToContainTextAsync("Fail");
        var verdictEvent = page.GetByTestId("timeline").Locator("li.event-verdict");
        await Expect(verdictEvent).ToHaveCountAsync(1);
        await Expect(verdictEvent).ToContainTextAsync("Verdict");
        await Expect(verdictEvent).ToContainTextAsync("Fail");
        await Expect(page.GetByTestId("timeline")).ToContainTextAsync("Verification started");
    }

    [Fact]
    public async Task Override_WithReason_ShowsOnTheTimelineAndTheVerdict()
    {
        var release = await StartVerificationAsync("9.1.0", "ui-actions");
        var reason = "checked by hand after a dependency outage " + release.ReleaseId;
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/releases/{release.ReleaseId}");

        await page.GetByLabel("New verdict").SelectOptionAsync("Pass");
        await page.Locator("#override-reason").FillAsync(reason);
        await page.GetByRole(AriaRole.Button, new() { Name = "Override verdict" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("outcome=overridden"));
        await Expect(page.GetByTestId("action-outcome")).ToContainTextAsync("The verdict is now Pass (overridden)");
        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync("Pass (overridden)");
        var overridden = page.GetByTestId("timeline").Locator("li.event-action");
        await Expect(overridden).ToContainTextAsync("Overridden");
        await Expect(overridden).ToContainTextAsync(reason);
        var after = await ui.Client.GetVerdictAsync(release.ReleaseId);
        Assert.True(after.Overridden);
        Assert.Equal("Pass", after.Verdict);
        Assert.Equal(reason, after.OverrideReason);
    }

    [Fact]
    public async Task Override_WithEmptyReason_SaysAReasonIsRequiredAndChangesNothing()
    {
        var release = await StartVerificationAsync("9.2.0", "ui-actions");
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/releases/{release.ReleaseId}");

        await page.GetByLabel("New verdict").SelectOptionAsync("Pass");
        await page.Locator("#override-reason").FillAsync("   ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Override verdict" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("outcome=reason-required"));
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("A reason is required");
        await Expect(page.GetByTestId("action-outcome")).ToContainTextAsync("write a reason");
        await Expect(page.Locator("#override-reason")).ToHaveAttributeAsync("aria-invalid", "true");
        var after = await ui.Client.GetVerdictAsync(release.ReleaseId);
        Assert.False(after.Overridden);
        await ui.AssertAccessibleAsync(page, "release (action refused)");
    }

    [Fact]
    public async Task Abort_WithReason_StopsTheVerificationAndShowsOnTheTimeline()
    {
        var release = await StartVerificationAsync("9.3.0", "ui-actions");
        var reason = "rolled back by hand " + release.ReleaseId;
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/releases/{release.ReleaseId}");

        await page.Locator("#abort-reason").FillAsync(reason);
        await page.GetByRole(AriaRole.Button, new() { Name = "Abort verification" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("outcome=(aborted|not-running)"));
        var after = await ui.Client.GetVerdictAsync(release.ReleaseId);
        Assert.Equal("aborted", after.RunState);
        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync("Aborted");
        await Expect(page.GetByTestId("timeline").Locator("li.event-action")).ToContainTextAsync(reason);
    }

    [Fact]
    public async Task RunningVerification_UpdatesTheLookWithoutReloadingThePage()
    {
        // A new release with no traffic: its looks come every 5 s (each Inconclusive, none decisive) for 40 s.
        var release = await StartVerificationAsync("9.4.0", "ui-live");
        var page = await ui.NewPageAsync();
        await page.GotoAsync($"/releases/{release.ReleaseId}");
        await Expect(page.Locator("[data-live-src]")).ToHaveAttributeAsync("data-live-src", $"/releases/{release.ReleaseId}/live");
        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync(new Regex("^Running…"));
        await Expect(page.Locator("[data-live-done]")).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => { window.__vigilNoReload = true; }");
        var look = page.GetByTestId("look");
        var first = LookNumber(await look.TextContentAsync());

        var clock = Stopwatch.StartNew();
        while (LookNumber(await look.TextContentAsync()) <= first)
        {
            Assert.True(clock.Elapsed < LiveTimeout, $"the look counter moved past {first} within {LiveTimeout.TotalSeconds:F0}s without a reload");
            await Task.Delay(250);
        }

        Assert.True(await page.EvaluateAsync<bool>("() => window.__vigilNoReload === true"), "the page was not reloaded: the live region updated in place");
        await Expect(page.GetByTestId("history").Locator("tbody tr").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task UnknownId_Answers404WithANotice()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/releases/rel_0000000000000000");

        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Release not found");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No release rel_0000000000000000");
        await ui.AssertAccessibleAsync(page, "release (unknown id)");
    }

    [Fact]
    public async Task MalformedId_Answers400WithANotice()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/releases/%3Cscript%3E%20x");

        Assert.Equal(400, response!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Not a release id");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("<script> x");
    }

    [Fact]
    public async Task BaselineRelease_ExplainsWhyItIsNotVerified()
    {
        var page = await ui.NewPageAsync();

        await page.GotoAsync($"/releases/{ui.BaselineRelease.Id}");

        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync("No verification");
        await Expect(page.Locator(".release-verdict")).ToContainTextAsync("nothing to compare it with");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Override verdict" })).ToHaveCountAsync(0);
    }

    private async Task<VerdictDto> StartVerificationAsync(string version, string environment) =>
        await ui.Client.VerifyReleaseAsync(new VerifyReleaseRequest(UiFixture.Service, version, environment, Plan: UiFixture.PlanName));

    private static string Samples(double count, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{Math.Round(count):#,0} {unit}");

    private static int LookNumber(string? text)
    {
        var match = LookText().Match(text ?? string.Empty);
        Assert.True(match.Success, $"the look counter reads 'look N of M': '{text}'");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^look (\d+) of \d+$")]
    private static partial Regex LookText();
}
