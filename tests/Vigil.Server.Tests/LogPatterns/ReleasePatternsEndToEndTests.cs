using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.LogPatterns;

/// <summary>
/// The per-release log-pattern diff end to end: an app logs through the OpenTelemetry .NET SDK as 1.0.0, then 2.0.0
/// emits a new error message; the release's diff lists it as new with its count and an example record, the CLI prints
/// it, the release timeline announces it, and <c>vigil_release_new_log_templates</c> counts it for plans.
/// </summary>
public sealed partial class ReleasePatternsEndToEndTests
{
    private const string Service = "patterns-e2e";
    private static readonly Dictionary<string, string> FastFlush = new() { ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "1s" };

    [Fact]
    public async Task NewErrorMessageInV2_IsListedAsNew_WithCountAndExample_OnApiCliTimelineAndSeries()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-release-patterns-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var vigil = await VigilServerProcess.StartAsync(dataDirectory, environment: FastFlush);
            using var client = vigil.CreateClient();

            // 1.0.0 runs alone first: orders and a stale-cache warning.
            using (var v1 = Logs(vigil, "1.0.0"))
            {
                var logger = v1.CreateLogger("orders");
                for (var i = 0; i < 40; i++)
                {
                    OrderPlaced(logger, 1000 + i, 10 + i);
                }

                logger.LogWarning("Cache entry {Key} is stale", "cart:7");
            }

            await TelemetryApi.Eventually(
                async () => await QueryAsync(client, $"sum(vigil_log_records_total{{service_name=\"{Service}\",service_version=\"1.0.0\"}})") is >= 41,
                "1.0.0's log counts flushed");

            // The release of 2.0.0, as CI would create it.
            var created = await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest(Service, "2.0.0", "prod"), TelemetryApi.Json);
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            var release = (await created.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!;

            // Side by side: both versions log orders; 2.0.0 also rejects payments, a message no version logged before.
            using (var v1 = Logs(vigil, "1.0.0"))
            using (var v2 = Logs(vigil, "2.0.0"))
            {
                var old = v1.CreateLogger("orders");
                var updated = v2.CreateLogger("orders");
                for (var i = 0; i < 40; i++)
                {
                    OrderPlaced(old, 2000 + i, 12 + i);
                    OrderPlaced(updated, 3000 + i, 11 + i);
                }

                for (var i = 0; i < 7; i++)
                {
                    PaymentRejected(updated, "acme", 51 + i);
                }
            }

            ReleasePatternsResponse? diff = null;
            var last = string.Empty;
            try
            {
                await TelemetryApi.Eventually(async () =>
                {
                    last = await client.GetStringAsync($"/api/v1/releases/{release.Id}/patterns");
                    diff = JsonSerializer.Deserialize<ReleasePatternsResponse>(last, TelemetryApi.Json);
                    return diff!.Changes.Any(c => c.Change == "new" && c.ReleaseCount == 7);
                }, "the payment error listed as new with 7 records");
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Assert.Fail(ex.Message + " last answer: " + last);
            }

            Assert.Equal("1.0.0", diff!.BaselineVersion);
            var payment = Assert.Single(diff.Changes);
            Assert.Equal("new", payment.Change);
            Assert.Equal("error", payment.Severity);
            Assert.Equal(7, payment.ReleaseCount);
            Assert.Equal(0, payment.BaselineCount);
            Assert.StartsWith("Payment provider", payment.Template, StringComparison.Ordinal);
            Assert.NotNull(payment.Example);
            Assert.StartsWith("Payment provider acme rejected card: code", payment.Example!.Body, StringComparison.Ordinal);
            Assert.Equal("2.0.0", payment.Example.Resource["service.version"]);

            var cli = await VigilServerProcess.RunCliAsync("release", "patterns", release.Id, "--server", vigil.HttpAddress.ToString());
            Assert.True(cli.ExitCode == 0, cli.Error);
            Assert.Contains("new", cli.Output, StringComparison.Ordinal);
            Assert.Contains("Payment provider", cli.Output, StringComparison.Ordinal);
            Assert.Contains("vs 1.0.0", cli.Output, StringComparison.Ordinal);

            // The timeline announces it once, and the series plans read counts one new error template.
            await TelemetryApi.Eventually(async () =>
            {
                var timeline = await client.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{release.Id}/timeline", TelemetryApi.Json);
                return timeline!.Events.Count(e => e.Kind == "log_patterns.new_template" && e.Message.Contains("Payment provider", StringComparison.Ordinal)) == 1;
            }, "a log_patterns.new_template event on the release timeline", TimeSpan.FromSeconds(60));
            await TelemetryApi.Eventually(
                async () => await TelemetryApi.LastValueAsync(client, $"vigil_release_new_log_templates{{service_name=\"{Service}\",service_version=\"2.0.0\",severity=\"error\"}}") == 1,
                "vigil_release_new_log_templates counts the new error template");

            // A plan can gate on it: a critical limit rule "no new error templates" fails the release, naming the rule.
            var planFile = Path.Combine(dataDirectory, "no-new-errors.yaml");
            await File.WriteAllTextAsync(planFile, NoNewErrorsPlan);
            var apply = await VigilServerProcess.RunCliAsync("apply", "-f", planFile, "--server", vigil.HttpAddress.ToString());
            Assert.True(apply.ExitCode == 0, apply.Error);
            var verify = await VigilServerProcess.RunCliAsync(
                "release", "verify", "--service", Service, "--version", "2.0.0", "--environment", "prod", "--plan", "no-new-errors",
                "--baseline", "1.0.0", "--restart", "--wait", "--timeout", "60s", "--server", vigil.HttpAddress.ToString());
            Assert.True(verify.ExitCode == 1, $"exit {verify.ExitCode}: {verify.Output} {verify.Error}");
            Assert.Contains("new error templates is 1 on 2.0.0, above its limit of 0", verify.Output, StringComparison.Ordinal);

            // A bad baseline and an unknown release are problem details.
            var bad = await client.GetAsync($"/api/v1/releases/{release.Id}/patterns?baseline=");
            Assert.Equal(400, (int)bad.StatusCode);
            var missing = await client.GetAsync("/api/v1/releases/rel_doesnotexist/patterns");
            Assert.Equal(404, (int)missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private const string NoNewErrorsPlan = """
        apiVersion: vigil/v1
        kind: VerificationPlan
        metadata:
          name: no-new-errors
        spec:
          services: [patterns-e2e]
          interval: 2s
          duration: 20s
          metrics:
            - name: new-error-templates
              kind: continuous
              direction: increase
              query: sum(vigil_release_new_log_templates{service_name="{{service}}",service_version="{{version}}",deployment_environment_name="{{environment}}",severity="error"})
              critical: true
              limit: 0
        """;

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} placed in {Elapsed} ms")]
    private static partial void OrderPlaced(ILogger logger, int orderId, int elapsed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Payment provider {Provider} rejected card: code {Code}")]
    private static partial void PaymentRejected(ILogger logger, string provider, int code);

    /// <summary>The value of a one-element PromQL instant query, or null while it has none.</summary>
    private static async Task<double?> QueryAsync(HttpClient client, string expression)
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(expression)));
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0
            ? null
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ILoggerFactory Logs(VigilServerProcess vigil, string version) => LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
    {
        o.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddAttributes(new Dictionary<string, object>
        {
            ["service.name"] = Service,
            ["service.version"] = version,
            ["deployment.environment.name"] = "prod",
            ["service.instance.id"] = Service + "-" + version,
        }));
        o.IncludeFormattedMessage = true;
        o.AddOtlpExporter(e =>
        {
            e.Protocol = OtlpExportProtocol.HttpProtobuf;
            e.Endpoint = new Uri(vigil.OtlpHttpAddress!, "/v1/logs");
            e.ExportProcessorType = ExportProcessorType.Simple;
        });
    }));
}
