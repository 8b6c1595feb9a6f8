using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.Checks.Agents;

/// <summary>
/// Issue 8's locations scenario with every part a separate process: <c>vigil serve</c> (location <c>local</c>) and two
/// <c>vigil agent</c> processes (<c>east</c>, <c>west</c>), keys required, the agents holding an ingest key created
/// through the CLI. One check runs at all three locations with quorum 2.
/// <para>
/// How one target fails for one location only: each process has its own environment variable
/// <c>PROBE_LOCATION</c>, and the check sends it as a header (<c>X-Probe-Location: ${env:PROBE_LOCATION}</c>), resolved
/// by the process that runs the check, as secrets are. The test's target answers 503 to the locations it is told to
/// fail, 200 to the others, so which locations fail is switched by the test without touching the processes.
/// </para>
/// </summary>
public sealed class AgentQuorumTests : IAsyncLifetime
{
    private const string CheckName = "quorum-health";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requestsByLocation = new(StringComparer.Ordinal);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "vigil-agents-" + Guid.NewGuid().ToString("N"));
    private WebApplication _target = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _target = builder.Build();
        _target.MapGet("/health", (HttpContext context) =>
        {
            var location = context.Request.Headers["X-Probe-Location"].ToString();
            _requestsByLocation.AddOrUpdate(location, 1, (_, n) => n + 1);
            return _failing.ContainsKey(location)
                ? Results.Text($"down for {location}", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text("ok");
        });
        await _target.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _target.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task TwoOfThreeQuorum_OneLocationFailing_DoesNotFailAndNamesIt_TwoFailing_Fails_AcrossAServerRestart()
    {
        // Keys required on loopback too: a bootstrap admin key made offline, the agents' ingest key through the API.
        var bootstrap = await VigilServerProcess.RunCliAsync("keys", "create", "--name", "bootstrap", "--scope", "admin", "--data", _data, "-o", "json");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.Error);
        var adminKey = Secret(bootstrap.Output);
        var serverEnvironment = new Dictionary<string, string> { ["VIGIL__SECURITY__REQUIREAPIKEYS"] = "true", ["VIGIL__CHECKS__RELOADINTERVAL"] = "1s", ["PROBE_LOCATION"] = "local" };
        VigilServerProcess? vigil = await VigilServerProcess.StartAsync(_data, environment: serverEnvironment);
        try
        {
            var server = vigil.HttpAddress.ToString();
            var ingest = await VigilServerProcess.RunCliAsync("keys", "create", "--name", "agents", "--scope", "ingest", "--server", server, "--api-key", adminKey, "-o", "json");
            Assert.True(ingest.ExitCode == 0, ingest.Error);
            var ingestKey = Secret(ingest.Output);

            var checkFile = Path.Combine(_data, "check.yaml");
            await File.WriteAllTextAsync(checkFile, $$"""
                apiVersion: vigil/v1
                kind: Check
                metadata:
                  name: {{CheckName}}
                spec:
                  type: http
                  interval: 1s
                  timeout: 500ms
                  locations: [local, east, west]
                  quorum: 2
                  http:
                    url: {{_target.Urls.First()}}/health
                    headers:
                      X-Probe-Location: ${env:PROBE_LOCATION}
                """);
            var applied = await VigilServerProcess.RunCliAsync("apply", "-f", checkFile, "--server", server, "--api-key", adminKey);
            Assert.True(applied.ExitCode == 0, applied.Output + applied.Error);

            _failing["west"] = true;
            var (east, _) = await StartAgentAsync("east", server, ingestKey);
            await using var eastAgent = east;
            var (west, westPid) = await StartAgentAsync("west", server, ingestKey);
            await using var westAgent = west;

            // One location failing: 1 < quorum 2, so the check stays passing, and the summary names the failing location.
            var since = TimeProvider.System.GetUtcNow();
            var onlyWest = await WaitForAsync(vigil, adminKey, since, c => Latest(c, "west") == "fail" && Latest(c, "east") == "pass" && Latest(c, "local") == "pass", east, west);
            Assert.Equal("pass", onlyWest.Status);
            Assert.Contains("west", onlyWest.Summary, StringComparison.Ordinal);
            Assert.Matches("fail", onlyWest.Summary);
            Assert.True(_requestsByLocation.ContainsKey("east") && _requestsByLocation.ContainsKey("west") && _requestsByLocation.ContainsKey("local"));

            // The server goes away and comes back on the same port: the agents keep running and report again.
            var port = vigil.HttpAddress.Port;
            Assert.Equal(0, await vigil.StopAsync(TimeSpan.FromSeconds(30)));
            await vigil.DisposeAsync();
            vigil = null;
            await WaitUntilAsync(() => east.Output.Contains("cannot report", StringComparison.Ordinal) || east.Output.Contains("cannot reach", StringComparison.Ordinal), "east never noticed the server was gone", east, west);
            vigil = await VigilServerProcess.StartAsync(_data, environment: serverEnvironment, listen: $"127.0.0.1:{port}");

            // A second location fails: 2 ≥ quorum 2, the check fails, naming both.
            _failing["east"] = true;
            since = TimeProvider.System.GetUtcNow();
            var twoFailing = await WaitForAsync(vigil, adminKey, since, c => Latest(c, "west") == "fail" && Latest(c, "east") == "fail" && Latest(c, "local") == "pass", east, west);
            Assert.Equal("fail", twoFailing.Status);
            Assert.Contains("east", twoFailing.Summary, StringComparison.Ordinal);
            Assert.Contains("west", twoFailing.Summary, StringComparison.Ordinal);
            Assert.Contains("503", string.Join(' ', twoFailing.LatestByLocation.Where(r => r.Location == "east").Select(r => r.Reason)), StringComparison.Ordinal);

            // The CLI shows the same.
            var listed = await VigilServerProcess.RunCliAsync("checks", "list", "--server", vigil.HttpAddress.ToString(), "--api-key", adminKey);
            Assert.True(listed.ExitCode == 0, listed.Error);
            Assert.Matches($@"{CheckName} +http +1s +local,east,west +2/3 +fail ", listed.Output);
            Assert.True(east.Output.Contains("answers again", StringComparison.Ordinal) || east.Output.Contains("reporting again", StringComparison.Ordinal), east.Output);

            // SIGTERM stops an agent cleanly.
            Assert.Equal(0, Kill(westPid, SigTerm));
            await WaitUntilAsync(() => west.HasExited, "west did not stop on SIGTERM", west);
            Assert.Contains("agent stopped", west.Output, StringComparison.Ordinal);

            // The ingest key is the agents' only credential, and it never shows in their logs.
            Assert.DoesNotContain(ingestKey, east.Output + west.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (vigil is not null)
            {
                await vigil.DisposeAsync();
            }
        }
    }

    // `env` gives each agent its own PROBE_LOCATION, and the key by variable rather than on the command line.
    private async Task<(ChildProcess Agent, int Pid)> StartAgentAsync(string location, string server, string ingestKey)
    {
        var readyFile = Path.Combine(_data, $"agent-{location}.json");
        var agent = ChildProcess.Start(
            "/usr/bin/env",
            [$"PROBE_LOCATION={location}", $"VIGIL_API_KEY={ingestKey}", "dotnet", VigilServerProcess.VigilDll,
             "agent", "--server", server, "--location", location, "--poll-interval", "1s", "--ready-file", readyFile]);
        await WaitUntilAsync(() => File.Exists(readyFile), $"agent {location} never became ready", agent);
        using var ready = JsonDocument.Parse(await File.ReadAllTextAsync(readyFile));
        Assert.Equal(location, ready.RootElement.GetProperty("location").GetString());
        return (agent, ready.RootElement.GetProperty("pid").GetInt32());
    }

    private static string? Latest(CheckDto check, string location) =>
        check.LatestByLocation.FirstOrDefault(r => r.Location == location)?.Outcome;

    // Polls the check until every location's newest result started after `since` and the condition holds.
    private static async Task<CheckDto> WaitForAsync(VigilServerProcess vigil, string adminKey, DateTimeOffset since, Func<CheckDto, bool> condition, params ChildProcess[] agents)
    {
        using var http = vigil.CreateClient(adminKey);
        using var client = new VigilClient(http, vigil.HttpAddress, adminKey);
        var watch = Stopwatch.StartNew();
        CheckDto? last = null;
        while (watch.Elapsed < Deadline)
        {
            try
            {
                last = await client.GetCheckAsync(CheckName);
            }
            catch (VigilApiException e) when (e.StatusCode == 404)
            {
                // Applied objects are loaded on the server's next reload.
                await Task.Delay(200);
                continue;
            }

            if (last.LatestByLocation.Count == 3 && last.LatestByLocation.All(r => r.StartedAt > since) && condition(last))
            {
                return last;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the check did not reach the expected state within {Deadline}; last: {JsonSerializer.Serialize(last)}\n" +
            $"server:\n{vigil.Output}\n" + string.Join('\n', agents.Select(a => a.Output)));
        return last!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure, params ChildProcess[] agents)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Deadline)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail(failure + "\n" + string.Join('\n', agents.Select(a => a.Output)));
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string Secret(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("secret").GetString()!;
    }
}
