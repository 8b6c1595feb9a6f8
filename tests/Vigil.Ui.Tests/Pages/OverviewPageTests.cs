using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Server.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Ui.Tests;

/// <summary>
/// The overview ("/"): the fixture's service in its environment with both versions, the canary's Fail verdict linking
/// to its release, three sparklines, the last day's releases; and, on a bare server, the first-start guide.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class OverviewPageTests(UiFixture ui)
{
    [Fact]
    public async Task Overview_ListsCheckoutInUiWithBothVersionsSparklinesAndTheCanaryFailVerdict()
    {
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync("/");

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Overview" })).ToBeVisibleAsync();
        var row = page.Locator($"[data-testid=overview-service][data-service={UiFixture.Service}][data-env={UiFixture.Environment}]");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = UiFixture.Service, Exact = true }))
            .ToHaveAttributeAsync("href", $"/services/{UiFixture.Service}?env={UiFixture.Environment}");
        await Expect(row.GetByTestId("version").Filter(new() { HasText = UiFixture.BaselineVersion })).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("version").Filter(new() { HasText = UiFixture.CanaryVersion })).ToHaveCountAsync(1);
        var latest = row.GetByTestId("latest-release");
        await Expect(latest).ToHaveAttributeAsync("href", $"/releases/{ui.CanaryRelease.Id}");
        await Expect(latest.Locator(".badge")).ToHaveTextAsync("Fail");
        await Expect(row.Locator(".sparkline svg polyline")).ToHaveCountAsync(3);
        await Expect(row.GetByRole(AriaRole.Img, new() { NameRegex = new Regex($"^{UiFixture.Service} error ratio: latest \\d") })).ToBeVisibleAsync();

        var recent = page.GetByTestId("recent-releases").Locator($"tr[data-release-id={ui.CanaryRelease.Id}]");
        await Expect(recent).ToContainTextAsync(UiFixture.CanaryVersion);
        await Expect(recent.Locator(".badge")).ToHaveTextAsync("Fail");
        await Expect(recent.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Open release 2\\.0\\.0 of checkout") }))
            .ToHaveAttributeAsync("href", $"/releases/{ui.CanaryRelease.Id}");

        await ui.CheckPageAsync(page, "overview");
    }

    [Fact]
    public async Task Overview_OnABareServer_ShowsTheOtlpEndpointsAndCopyPasteSnippets()
    {
        await using var bare = await VigilServerProcess.StartAsync();
        var page = await ui.NewPageAsync();

        var response = await page.GotoAsync(bare.HttpAddress.ToString());

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Welcome to Vigil" })).ToBeVisibleAsync();
        var otlpHttp = bare.OtlpHttpAddress!.ToString().TrimEnd('/');
        var otlpGrpc = bare.OtlpGrpcAddress!.ToString().TrimEnd('/');
        await Expect(page.GetByTestId("otlp-http")).ToHaveTextAsync(otlpHttp);
        await Expect(page.GetByTestId("otlp-grpc")).ToHaveTextAsync(otlpGrpc);
        await Expect(page.GetByTestId("otlp-main")).ToHaveTextAsync(bare.HttpAddress.ToString().TrimEnd('/') + "/v1/traces");

        var dotnet = page.GetByTestId("snippet-dotnet");
        await Expect(dotnet).ToContainTextAsync($"new Uri(\"{otlpHttp}/\")");
        await Expect(dotnet).ToContainTextAsync("AddOtlpExporter");
        await Expect(dotnet).ToContainTextAsync("AddService(\"checkout\", serviceVersion: \"1.4.2\")");
        await Expect(dotnet).ToContainTextAsync("deployment.environment.name");
        var env = page.GetByTestId("snippet-env");
        await Expect(env).ToContainTextAsync($"OTEL_EXPORTER_OTLP_ENDPOINT={otlpHttp}");
        await Expect(env).ToContainTextAsync("OTEL_RESOURCE_ATTRIBUTES=service.name=checkout,service.version=1.4.2,deployment.environment.name=production");
        await Expect(page.Locator("button[data-copy=snippet-dotnet]")).ToHaveTextAsync("Copy");

        await ui.CheckPageAsync(page, "empty-state");
    }
}
