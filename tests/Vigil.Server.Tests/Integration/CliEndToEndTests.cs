using System.Diagnostics;
using System.Text.Json;

namespace Vigil.Server.Tests.Integration;

/// <summary>The built <c>vigil</c> command against a real server, as a user runs it: output and exit codes.</summary>
public sealed class CliEndToEndTests
{
    [Fact]
    public async Task Cli_AgainstRunningServer_ListsSearchesGetsAndMapsExitCodes()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var now = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        var traceId = OtlpPayloads.TraceId(41);
        Assert.True((await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(OtlpPayloads.Gauges("clisvc", now, ("cli_probe", "a", 7))))).IsSuccessStatusCode);
        Assert.True((await client.PostAsync("/v1/logs", OtlpPayloads.Protobuf(OtlpPayloads.Logs("clisvc", now, "payment accepted", "payment refused")))).IsSuccessStatusCode);
        Assert.True((await client.PostAsync("/v1/traces", OtlpPayloads.Protobuf(OtlpPayloads.Spans("clisvc", now, (traceId, "POST /pay"))))).IsSuccessStatusCode);
        var server = vigil.HttpAddress.ToString();

        var series = await RunAsync("series", "list", "cli_probe", "--server", server);
        Assert.Equal(0, series.ExitCode);
        Assert.Contains("cli_probe", series.Output, StringComparison.Ordinal);

        var logs = await RunAsync("logs", "search", "--service", "clisvc", "--contains", "refused", "--since", "1h", "--output", "json", "--server", server);
        Assert.Equal(0, logs.ExitCode);
        using (var json = JsonDocument.Parse(logs.Output))
        {
            var record = Assert.Single(json.RootElement.GetProperty("records").EnumerateArray());
            Assert.Equal("payment refused", record.GetProperty("body").GetString());
        }

        var hex = Convert.ToHexString(traceId).ToLowerInvariant();
        var trace = await RunAsync("traces", "get", hex, "--server", server);
        Assert.Equal(0, trace.ExitCode);
        Assert.Contains("POST /pay", trace.Output, StringComparison.Ordinal);

        var missing = await RunAsync("traces", "get", "0123456789abcdef0123456789abcdef", "--server", server);
        Assert.Equal(5, missing.ExitCode); // the server answered with an error
        Assert.Contains("no trace", missing.Error, StringComparison.Ordinal);

        var usage = await RunAsync("series", "list", "--limit", "many", "--server", server);
        Assert.Equal(3, usage.ExitCode);

        var unreachable = await RunAsync("series", "list", "--server", "http://127.0.0.1:1");
        Assert.Equal(4, unreachable.ExitCode);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(VigilServerProcess.VigilDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
