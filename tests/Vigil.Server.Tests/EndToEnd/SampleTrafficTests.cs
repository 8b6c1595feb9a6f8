using System.Globalization;
using Vigil.Client;
using Vigil.Server.Tests.Integration;
using Xunit.Abstractions;

namespace Vigil.Server.Tests.EndToEnd;

/// <summary>
/// The sample service (two versions side by side) under the traffic driver, exporting over OTLP with the
/// OpenTelemetry SDK to a real <c>vigil serve</c>: every request the driver sends shows up in Vigil's span metrics under
/// its version, the deterministic failures as error spans, and the failures' logs with their resource.
/// </summary>
public sealed class SampleTrafficTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SampleVersionsUnderDriver_SpanMetricsCountEveryRequestPerVersionWithItsErrors()
    {
        using var workDirectory = new WorkDirectory("vigil-sample-");
        var work = workDirectory.Path;
        await using var vigil = await VigilServerProcess.StartAsync(
            Path.Combine(work, "data"), environment: new Dictionary<string, string> { ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "1s" });
        using var client = new VigilClient(vigil.HttpAddress);
        using var api = vigil.CreateClient();

        // v1 never fails; v2 fails every 5th request. 40 requests/s for 5 s over both: exactly 100 each, 20 of v2's failing.
        var (v1, v1Checkout) = await SampleProcesses.StartSampleAsync(vigil, work, "1.0.0", "smoke", "--fail-every", "0", "--latency-ms", "5");
        await using var v1Process = v1;
        var (v2, v2Checkout) = await SampleProcesses.StartSampleAsync(vigil, work, "2.0.0", "smoke", "--fail-every", "5", "--latency-ms", "5", "--jitter-ms", "3", "--seed", "7");
        await using var v2Process = v2;

        // Health checks are not traced: they must not count as checkout calls.
        using (var http = new HttpClient())
        {
            var health = await http.GetStringAsync(new Uri(v1Checkout, "/healthz"));
            Assert.Equal("ok\n", health);
        }

        var driver = await SampleProcesses.RunToEndAsync(
            SampleProcesses.DriverDll, TimeSpan.FromSeconds(60), "--rps", "40", "--duration", "5s", "--target", v1Checkout.ToString(), "--target", v2Checkout.ToString());
        output.WriteLine(driver.Output + driver.Error);
        Assert.Equal(0, driver.ExitCode);
        var done = SampleProcesses.DriverSummary(driver.Output);
        Assert.Contains("done: requests 200 errors 20 (10.00%)", done, StringComparison.Ordinal);
        Assert.Contains($"{v1Checkout} requests 100 errors 0", done, StringComparison.Ordinal);
        Assert.Contains($"{v2Checkout} requests 100 errors 20", done, StringComparison.Ordinal);

        // Span metrics (flushed every second) count the server spans per version and status.
        const string Calls = "sum by (service_version, status_code) (traces_span_metrics_calls_total{service_name=\"checkout\",deployment_environment_name=\"smoke\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /checkout\"})";
        var expected = new Dictionary<string, double>
        {
            ["1.0.0/STATUS_CODE_UNSET"] = 100,
            ["2.0.0/STATUS_CODE_UNSET"] = 80,
            ["2.0.0/STATUS_CODE_ERROR"] = 20,
        };
        Dictionary<string, double> seen = [];
        await TelemetryApi.Eventually(
            async () =>
            {
                var result = await client.QueryAsync(Calls);
                seen = result.Series.ToDictionary(
                    s => s.Metric["service_version"] + "/" + s.Metric["status_code"],
                    s => double.Parse(s.Points[^1].Value, CultureInfo.InvariantCulture));
                return seen.Count == expected.Count && expected.All(e => seen.TryGetValue(e.Key, out var v) && v == e.Value);
            },
            "span metrics of both versions",
            TimeSpan.FromSeconds(30));
        Assert.Equal(expected.OrderBy(e => e.Key), seen.OrderBy(e => e.Key));

        // The latency histogram (what the default plan's latency metrics read) holds every call too.
        var histogram = await client.QueryAsync(
            "sum by (service_version) (traces_span_metrics_duration_seconds_count{service_name=\"checkout\",deployment_environment_name=\"smoke\",span_kind=\"SPAN_KIND_SERVER\"})");
        Assert.Equal(
            ["1.0.0=100", "2.0.0=100"],
            histogram.Series.Select(s => $"{s.Metric["service_version"]}={s.Points[^1].Value}").Order(StringComparer.Ordinal));

        // The failures' logs arrive over OTLP with the failing version's resource.
        await TelemetryApi.Eventually(
            async () => (await TelemetryApi.LogsAsync(api, "service=checkout&severity=error&limit=100")).Records.Count == 20,
            "20 error logs of the failing version",
            TimeSpan.FromSeconds(30));
        var logs = await TelemetryApi.LogsAsync(api, "service=checkout&severity=error&limit=100");
        Assert.All(logs.Records, record =>
        {
            Assert.Equal("2.0.0", record.Resource["service.version"]);
            Assert.Equal("smoke", record.Resource["deployment.environment.name"]);
            Assert.Contains("injected failure", record.Body, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(record.TraceId), "a failure's log carries its request's trace id");
        });
    }
}
