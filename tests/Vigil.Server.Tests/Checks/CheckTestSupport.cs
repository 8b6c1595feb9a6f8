using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Vigil.Client;
using Vigil.Client.Contracts;

namespace Vigil.Server.Tests.Checks;

/// <summary>Check documents and polling for the checks integration tests.</summary>
internal static class CheckTestSupport
{
    /// <summary>Settings that make a test server react within a second: checks re-read every 500ms, no auto-verification.</summary>
    public static Dictionary<string, string> FastEnvironment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["VIGIL__CHECKS__RELOADINTERVAL"] = "500ms",
            ["VIGIL__VERIFICATION__AUTOSTART"] = "false",
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>An HTTP check document asserting status 200.</summary>
    public static string HttpCheck(string name, Uri url, string interval = "1s", string locations = "[local]", int quorum = 1, string labels = "") => $$"""
        apiVersion: vigil/v1
        kind: Check
        metadata:
          name: {{name}}
          labels: {{(labels.Length == 0 ? "{}" : labels)}}
        spec:
          type: http
          interval: {{interval}}
          locations: {{locations}}
          quorum: {{quorum}}
          http:
            url: {{url}}
            assertions:
              - status: 200
        """;

    /// <summary>A result as an agent reports it, started 5 ms ago.</summary>
    public static CheckResultDto AgentResult(string check, string location, string outcome, string? reason = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        return new CheckResultDto(check, location, now.AddMilliseconds(-5), now, 0.042, outcome, reason ?? (outcome == "fail" ? "status 503" : null), null, 1, false,
            [new CheckPhaseDto("connect", 0.001)], [new CheckAssertionDto("status == 200", outcome != "fail", false, "200", null)], []);
    }

    public static async Task ApplyAsync(VigilClient client, params string[] documents)
    {
        var files = documents.Select((d, i) => new ApplyFileDto($"check-{i}.yaml", d)).ToList();
        await client.ApplyAsync(new ApplyRequest(files));
    }

    /// <summary>Polls <paramref name="probe"/> (a 404 counts as not yet) until <paramref name="done"/> holds; fails with the last value after <paramref name="timeout"/>.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        T last;
        while (true)
        {
            try
            {
                last = await probe();
                if (done(last))
                {
                    return last;
                }
            }
            catch (VigilApiException e) when (e.StatusCode == 404)
            {
                // Not loaded yet: the server re-reads applied checks every reloadInterval.
                last = default!;
            }

            if (clock.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds:0}s waiting for {what}; last seen: {JsonSerializer.Serialize(last)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Asserts a 400 problem naming <paramref name="parameter"/>; returns its detail.</summary>
    public static async Task<string> AssertBadRequestAsync(HttpResponseMessage response, string parameter)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(parameter, document.RootElement.GetProperty("parameter").GetString());
        return document.RootElement.GetProperty("detail").GetString()!;
    }
}
