using System.Net;
using System.Text.Json;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.EndToEnd;

/// <summary>
/// The sample's and the driver's deterministic knobs, on the real processes: which requests fail, what latency each
/// request gets for a seed, how weights split traffic, and that bad options are usage errors naming the option.
/// No Vigil is needed here: the sample's exporter points at a closed port and drops what it cannot send.
/// </summary>
public sealed class SampleKnobsTests
{
    [Fact]
    public async Task Checkout_FailEveryAndSeededLatency_AreTheSameForTheSameSeed()
    {
        using var workDirectory = new WorkDirectory("vigil-knobs-");
        var work = workDirectory.Path;
        string[] knobs = ["--fail-every", "4", "--latency-ms", "2", "--latency-factor", "1.5", "--jitter-ms", "10"];
        var (a, aCheckout) = await StartSampleAsync(work, "a", [.. knobs, "--seed", "42"]);
        await using var aProcess = a;
        var (b, bCheckout) = await StartSampleAsync(work, "b", [.. knobs, "--seed", "42"]);
        await using var bProcess = b;
        var (c, cCheckout) = await StartSampleAsync(work, "c", [.. knobs, "--seed", "43"]);
        await using var cProcess = c;
        using var http = new HttpClient();

        var first = await CheckoutSequenceAsync(http, aCheckout, 12);
        var same = await CheckoutSequenceAsync(http, bCheckout, 12);
        var otherSeed = await CheckoutSequenceAsync(http, cCheckout, 12);

        // Requests 4, 8 and 12 fail; the others wait 2 x 1.5 = 3 ms plus a jitter in [0, 10) ms.
        Assert.Equal([4, 8, 12], first.Where(r => r.Status == HttpStatusCode.InternalServerError).Select(r => r.Number));
        Assert.All(first.Where(r => r.Status == HttpStatusCode.OK), r => Assert.InRange(r.LatencyMs, 3, 13));
        Assert.Equal(first, same);
        Assert.NotEqual(first.Select(r => r.LatencyMs), otherSeed.Select(r => r.LatencyMs));
        Assert.Equal(first.Select(r => r.Status), otherSeed.Select(r => r.Status));
    }

    [Fact]
    public async Task Driver_WeightedTargets_SplitRequestsByWeightExactly()
    {
        using var workDirectory = new WorkDirectory("vigil-knobs-");
        var work = workDirectory.Path;
        var (sample, checkout) = await StartSampleAsync(work, "w", ["--latency-ms", "1", "--fail-every", "10"]);
        await using var sampleProcess = sample;
        var health = new Uri(checkout, "/healthz");

        var driver = await SampleProcesses.RunToEndAsync(
            SampleProcesses.DriverDll, TimeSpan.FromSeconds(60), "--rps", "40", "--duration", "2s", "--target", checkout + "=3", "--target", health + "=1");

        // 80 requests: 60 to /checkout (every 10th fails: 6) and 20 to /healthz.
        Assert.Equal(0, driver.ExitCode);
        var done = SampleProcesses.DriverSummary(driver.Output);
        Assert.Contains("done: requests 80 errors 6 (7.50%)", done, StringComparison.Ordinal);
        Assert.Contains($"{checkout} requests 60 errors 6", done, StringComparison.Ordinal);
        Assert.Contains($"{health} requests 20 errors 0", done, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sample", "--fail-evry", "unknown option --fail-evry")]
    [InlineData("sample", "--fail-every=-1", "--fail-every must be a whole number >= 0")]
    [InlineData("sample", "--otlp=localhost:4318", "--otlp must be an absolute http:// or https:// URL")]
    [InlineData("driver", "--rps=0", "--rps must be a number >= 0.001")]
    [InlineData("driver", "--duration=soon", "--duration must be a positive duration")]
    [InlineData("driver", "--target=http://127.0.0.1:1/x=0", "--target weight must be at least 1")]
    public async Task BadOption_ExitsThreeNamingTheOption(string program, string option, string message)
    {
        var dll = program == "sample" ? SampleProcesses.SampleDll : SampleProcesses.DriverDll;
        string[] arguments = program == "sample" ? [option] : [option, "--target", "http://127.0.0.1:1/"];

        var (exitCode, output, error) = await SampleProcesses.RunToEndAsync(dll, TimeSpan.FromSeconds(60), arguments);

        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Equal(3, exitCode);
        Assert.Equal(string.Empty, output);
    }

    private static async Task<(ChildProcess Process, Uri Checkout)> StartSampleAsync(string work, string name, string[] knobs)
    {
        var readyFile = Path.Combine(work, name + ".json");
        var process = ChildProcess.Start(
            "dotnet",
            [SampleProcesses.SampleDll, "--listen", "http://127.0.0.1:0", "--ready-file", readyFile, "--otlp", "http://127.0.0.1:9", .. knobs],
            work);
        await TelemetryApi.Eventually(() => Task.FromResult(File.Exists(readyFile) || process.HasExited), "the sample's ready file", TimeSpan.FromSeconds(60));
        Assert.False(process.HasExited, "the sample exited before it was ready:\n" + process.Output);
        using var ready = JsonDocument.Parse(await File.ReadAllTextAsync(readyFile));
        return (process, new Uri(new Uri(ready.RootElement.GetProperty("http").GetString()!), "/checkout"));
    }

    private static async Task<List<CheckoutAnswer>> CheckoutSequenceAsync(HttpClient http, Uri checkout, int count)
    {
        var answers = new List<CheckoutAnswer>();
        for (var n = 1; n <= count; n++)
        {
            using var response = await http.GetAsync(checkout);
            var latency = double.NaN;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(n, body.RootElement.GetProperty("order").GetInt64());
                latency = body.RootElement.GetProperty("latencyMs").GetDouble();
            }

            answers.Add(new CheckoutAnswer(n, response.StatusCode, latency));
        }

        return answers;
    }

    private sealed record CheckoutAnswer(int Number, HttpStatusCode Status, double LatencyMs);
}
