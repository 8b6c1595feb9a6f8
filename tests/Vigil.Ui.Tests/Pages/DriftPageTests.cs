using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Client.Contracts;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests.Pages;

/// <summary>
/// The drift page: its empty state before any snapshot, then two uploaded snapshots compared through the form, the
/// report grouped by category with risk badges and the state in the URL; bad and unknown sides get clear messages.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class DriftPageTests(UiFixture ui)
{
    private const string Left = "shell-uat";
    private const string Right = "shell-prod";

    [Fact]
    public async Task EmptyState_ThenCompareOfTwoSnapshots_GroupsTheReportByCategoryAndRisk()
    {
        var page = await ui.NewPageAsync();
        if ((await ui.Client.ListDriftSnapshotsAsync()).Snapshots.Count == 0)
        {
            await page.GotoAsync("/drift");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No snapshots yet" })).ToBeVisibleAsync();
            await Expect(page.GetByText("vigil drift snapshot --environment uat")).ToBeVisibleAsync();
            await ui.AssertAccessibleAsync(page, "drift (empty)");
            await ui.ScreenshotAsync(page, "drift-empty");
        }

        var now = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        await ui.Client.UploadDriftSnapshotAsync(new DriftSnapshotDto(Left, null, now, "uat-1",
        [
            new("config", "key", "Payments:TimeoutSeconds", "30", "appsettings.json"),
            new("env", "variable", "FEATURE_NEW_CART", "on", null),
            new("schema", "table", "public.orders", "id bigint, total numeric", "postgres"),
        ]));
        await ui.Client.UploadDriftSnapshotAsync(new DriftSnapshotDto(Right, null, now, "prod-1",
        [
            new("config", "key", "Payments:TimeoutSeconds", "5", "appsettings.json"),
            new("env", "variable", "FEATURE_NEW_CART", "on", null),
        ]));

        await page.GotoAsync("/drift");
        await Expect(page.GetByTestId("drift-snapshots")).ToContainTextAsync(Left);
        await page.GetByLabel("Reference (left)").FillAsync(Left);
        await page.GetByLabel("Checked (right)").FillAsync(Right);
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/drift\\?left={Left}&right={Right}&service=$"));
        var report = page.GetByTestId("drift-report");
        await Expect(report.GetByRole(AriaRole.Heading, new() { Level = 3 })).ToHaveTextAsync($"{Left} compared with {Right}");
        await Expect(page.GetByTestId("drift-counts")).ToContainTextAsync("2 difference(s)");
        await Expect(report.GetByRole(AriaRole.Heading, new() { Level = 4, Name = "schema" })).ToBeVisibleAsync();
        await Expect(report.GetByRole(AriaRole.Heading, new() { Level = 4, Name = "config" })).ToBeVisibleAsync();
        var missingTable = report.Locator("tr", new() { HasText = "public.orders" });
        await Expect(missingTable).ToContainTextAsync("missing");
        await Expect(missingTable.Locator(".badge")).ToHaveTextAsync("High");
        var timeout = report.Locator("tr", new() { HasText = "Payments:TimeoutSeconds" });
        await Expect(timeout).ToContainTextAsync("changed");
        await Expect(timeout).ToContainTextAsync("30");
        await Expect(page.GetByLabel("Reference (left)")).ToHaveValueAsync(Left);
        await ui.AssertAccessibleAsync(page, "drift");
        ui.AssertNoBrowserErrors(page);
        await ui.ScreenshotAsync(page, "drift");

        var dark = await ui.NewPageAsync(ColorScheme.Dark);
        await dark.GotoAsync($"/drift?left={Left}&right={Right}");
        await Expect(dark.GetByTestId("drift-report")).ToBeVisibleAsync();
        await ui.AssertAccessibleAsync(dark, "drift (dark)");
    }

    [Fact]
    public async Task BadAndUnknownSides_SayWhichParameterAndWhy()
    {
        var page = await ui.NewPageAsync();

        var bad = await page.GotoAsync("/drift?left=prod@notatime&right=uat");
        Assert.Equal(400, bad!.Status);
        await Expect(page.GetByTestId("drift-problem")).ToContainTextAsync("left: 'notatime' after '@' is not a date");

        var unknown = await page.GotoAsync("/drift?left=nowhere-env&right=uat");
        Assert.Equal(404, unknown!.Status);
        await Expect(page.GetByTestId("drift-problem")).ToContainTextAsync("no snapshot of nowhere-env");
        await Expect(page.GetByTestId("drift-problem")).ToContainTextAsync("vigil drift snapshot --environment nowhere-env");
        await ui.AssertAccessibleAsync(page, "drift (unknown side)");
    }
}
