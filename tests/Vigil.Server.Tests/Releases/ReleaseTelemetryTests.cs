using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Releases;

/// <summary>
/// Automatic releases end to end: the OpenTelemetry .NET SDK sends traces (and metrics) of new versions to a real
/// server, which records the first version of a service in an environment as its baseline and later ones as pending.
/// </summary>
public sealed class ReleaseTelemetryTests
{
    [Fact]
    public async Task Traces_FirstVersionIsBaseline_NextIsPending_CiCreatedIsLeftAlone_NoEnvironmentMakesNone()
    {
        await using var vigil = await VigilServerProcess.StartAsync(environment: ReleaseServerFixture.NoAutoVerify);
        using var client = vigil.CreateClient();
        const string service = "shop-auto";

        SendSpans(vigil, service, "1.0.0", "prod");
        var v1 = await WaitForReleaseAsync(client, service, "1.0.0", "prod");
        Assert.Equal(("baseline", "telemetry"), (v1.State, v1.Source));

        SendSpans(vigil, service, "2.0.0", "prod");
        var v2 = await WaitForReleaseAsync(client, service, "2.0.0", "prod");
        Assert.Equal(("pending", "telemetry"), (v2.State, v2.Source));
        var timeline = await client.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{v2.Id}/timeline", TelemetryApi.Json);
        var created = Assert.Single(timeline!.Events);
        Assert.Equal(("release.created", "telemetry"), (created.Kind, created.Actor));

        // CI announces 2.0.0 after its telemetry: the same release, with the commit CI knows filled in.
        var announced = await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest(service, "2.0.0", "prod", Commit: "beef"), TelemetryApi.Json);
        Assert.Equal(System.Net.HttpStatusCode.OK, announced.StatusCode);
        var filled = (await announced.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!;
        Assert.Equal((v2.Id, "beef", "telemetry", "pending"), (filled.Id, filled.Commit, filled.Source, filled.State));

        // The same version in another environment is that environment's first: its baseline.
        SendSpans(vigil, service, "2.0.0", "staging");
        Assert.Equal("baseline", (await WaitForReleaseAsync(client, service, "2.0.0", "staging")).State);

        // CI announced 3.0.0 before its telemetry arrived: that release stays as CI made it.
        var ci = await (await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest(service, "3.0.0", "prod", Commit: "c0ffee"), TelemetryApi.Json))
            .Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json);
        SendSpans(vigil, service, "3.0.0", "prod");

        // No environment: no release (verification could not select its series). Metrics of 4.0.0 make one, as traces do.
        SendSpans(vigil, service, "9.9.9", environment: null);
        SendMetrics(vigil, service, "4.0.0", "prod");
        await WaitForReleaseAsync(client, service, "4.0.0", "prod");

        // Intake handles resources in order, so by the time 4.0.0 exists the 3.0.0 and 9.9.9 sightings were handled.
        var all = (await client.GetFromJsonAsync<ReleasesResponse>($"/api/v1/releases?service={service}", TelemetryApi.Json))!.Releases;
        var ciNow = Assert.Single(all, r => r.Version == "3.0.0");
        Assert.Equal((ci!.Id, "api", "pending", "c0ffee"), (ciNow.Id, ciNow.Source, ciNow.State, ciNow.Commit));
        Assert.Single((await client.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{ci.Id}/timeline", TelemetryApi.Json))!.Events);
        Assert.DoesNotContain(all, r => r.Version == "9.9.9");
        Assert.Equal(5, all.Count);
        Assert.Contains("has no deployment.environment.name", vigil.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_KnownVersionsAreNotCreatedAgain()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-release-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            string id;
            await using (var first = await VigilServerProcess.StartAsync(dataDirectory, environment: ReleaseServerFixture.NoAutoVerify))
            {
                using var client = first.CreateClient();
                SendSpans(first, "restart-svc", "1.0.0", "prod");
                id = (await WaitForReleaseAsync(client, "restart-svc", "1.0.0", "prod")).Id;
                Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));
            }

            await using var second = await VigilServerProcess.StartAsync(dataDirectory, environment: ReleaseServerFixture.NoAutoVerify);
            using var again = second.CreateClient();
            SendSpans(second, "restart-svc", "1.0.0", "prod");
            SendSpans(second, "restart-svc", "1.1.0", "prod");
            var v11 = await WaitForReleaseAsync(again, "restart-svc", "1.1.0", "prod");

            Assert.Equal("pending", v11.State); // 1.0.0 is still known after the restart, so 1.1.0 is not a baseline
            var releases = (await again.GetFromJsonAsync<ReleasesResponse>("/api/v1/releases?service=restart-svc", TelemetryApi.Json))!.Releases;
            Assert.Equal(2, releases.Count);
            Assert.Single((await again.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{id}/timeline", TelemetryApi.Json))!.Events);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<ReleaseDto> WaitForReleaseAsync(HttpClient client, string service, string version, string environment)
    {
        ReleaseDto? found = null;
        await TelemetryApi.Eventually(async () =>
        {
            var releases = await client.GetFromJsonAsync<ReleasesResponse>(
                $"/api/v1/releases?service={Uri.EscapeDataString(service)}&environment={Uri.EscapeDataString(environment)}", TelemetryApi.Json);
            found = releases!.Releases.FirstOrDefault(r => r.Version == version);
            return found is not null;
        }, $"a release of {service} {version} in {environment}");
        return found!;
    }

    private static ResourceBuilder Resource(string service, string version, string? environment)
    {
        var attributes = new Dictionary<string, object> { ["service.name"] = service, ["service.version"] = version, ["service.instance.id"] = "i-1" };
        if (environment is not null)
        {
            attributes["deployment.environment.name"] = environment;
        }

        return ResourceBuilder.CreateEmpty().AddAttributes(attributes);
    }

    /// <summary>A few server spans through the SDK's OTLP/gRPC exporter, flushed before returning.</summary>
    private static void SendSpans(VigilServerProcess vigil, string service, string version, string? environment)
    {
        using var source = new ActivitySource("vigil.tests.releases." + service);
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(Resource(service, version, environment))
            .AddSource(source.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.Grpc;
                o.Endpoint = vigil.OtlpGrpcAddress!;
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();
        for (var i = 0; i < 3; i++)
        {
            using var span = source.StartActivity("GET /items", ActivityKind.Server);
        }

        Assert.True(tracing.ForceFlush(30_000));
    }

    /// <summary>One counter through the SDK's OTLP/HTTP metrics exporter.</summary>
    private static void SendMetrics(VigilServerProcess vigil, string service, string version, string environment)
    {
        using var meter = new Meter("vigil.tests.releases.metrics." + service + version);
        var counter = meter.CreateCounter<long>("items.sold");
        using var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(Resource(service, version, environment))
            .AddMeter(meter.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = new Uri(vigil.OtlpHttpAddress!, "/v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
            })
            .Build()!;
        counter.Add(2);
        Assert.True(metrics.ForceFlush(30_000));
    }
}
