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

        var series = await VigilServerProcess.RunCliAsync("series", "list", "cli_probe", "--server", server);
        Assert.Equal(0, series.ExitCode);
        Assert.Contains("cli_probe", series.Output, StringComparison.Ordinal);

        var logs = await VigilServerProcess.RunCliAsync("logs", "search", "--service", "clisvc", "--contains", "refused", "--since", "1h", "--output", "json", "--server", server);
        Assert.Equal(0, logs.ExitCode);
        using (var json = JsonDocument.Parse(logs.Output))
        {
            var record = Assert.Single(json.RootElement.GetProperty("records").EnumerateArray());
            Assert.Equal("payment refused", record.GetProperty("body").GetString());
        }

        var hex = Convert.ToHexString(traceId).ToLowerInvariant();
        var trace = await VigilServerProcess.RunCliAsync("traces", "get", hex, "--server", server);
        Assert.Equal(0, trace.ExitCode);
        Assert.Contains("POST /pay", trace.Output, StringComparison.Ordinal);

        var missing = await VigilServerProcess.RunCliAsync("traces", "get", "0123456789abcdef0123456789abcdef", "--server", server);
        Assert.Equal(5, missing.ExitCode); // the server answered with an error
        Assert.Contains("no trace", missing.Error, StringComparison.Ordinal);

        var usage = await VigilServerProcess.RunCliAsync("series", "list", "--limit", "many", "--server", server);
        Assert.Equal(3, usage.ExitCode);

        var unreachable = await VigilServerProcess.RunCliAsync("series", "list", "--server", "http://127.0.0.1:1");
        Assert.Equal(4, unreachable.ExitCode);
    }

    [Fact]
    public async Task Query_PrintsInstantAndRangeResults_AsTableAndJson_AndReportsBadPromQl()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var t0 = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 300);
        for (var i = 0; i < 5; i++)
        {
            var payload = OtlpPayloads.Gauges("querysvc", t0.AddSeconds(60 * i), ("cli_query_probe", "a", 10 * (i + 1)), ("cli_query_probe", "b", 1));
            Assert.True((await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(payload))).IsSuccessStatusCode);
        }

        var server = vigil.HttpAddress.ToString();
        var at = t0.AddSeconds(240).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var instant = await VigilServerProcess.RunCliAsync("query", "sum by (point) (cli_query_probe)", "--time", at, "--server", server);
        Assert.Equal(0, instant.ExitCode);
        var rows = instant.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("SERIES", rows[0], StringComparison.Ordinal);
        Assert.Contains(rows, r => r.Contains("{point=\"a\"}", StringComparison.Ordinal) && r.TrimEnd().EndsWith("50", StringComparison.Ordinal));

        var end = t0.AddSeconds(240).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var range = await VigilServerProcess.RunCliAsync("query", "cli_query_probe{point=\"a\"}", "--range", "4m", "--step", "1m", "--end", end, "--output", "json", "--server", server);
        Assert.Equal(0, range.ExitCode);
        using (var json = JsonDocument.Parse(range.Output))
        {
            Assert.Equal("matrix", json.RootElement.GetProperty("resultType").GetString());
            var series = Assert.Single(json.RootElement.GetProperty("result").EnumerateArray());
            Assert.Equal(["10", "20", "30", "40", "50"], series.GetProperty("values").EnumerateArray().Select(v => v[1].GetString()));
        }

        var scalar = await VigilServerProcess.RunCliAsync("query", "1 + 2", "--server", server);
        Assert.Equal(0, scalar.ExitCode);
        Assert.Contains("scalar", scalar.Output, StringComparison.Ordinal);

        var bad = await VigilServerProcess.RunCliAsync("query", "sum(rate(x[5m])", "--server", server);
        Assert.Equal(5, bad.ExitCode);
        Assert.Contains("bad_data", bad.Error, StringComparison.Ordinal);
        Assert.Contains("position", bad.Error, StringComparison.Ordinal);

        var mixed = await VigilServerProcess.RunCliAsync("query", "up", "--time", at, "--range", "1h", "--server", server);
        Assert.Equal(3, mixed.ExitCode);
        var stepWithoutRange = await VigilServerProcess.RunCliAsync("query", "up", "--step", "30s", "--server", server);
        Assert.Equal(3, stepWithoutRange.ExitCode);
    }
}
