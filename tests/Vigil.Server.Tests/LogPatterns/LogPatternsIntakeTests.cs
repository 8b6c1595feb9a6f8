using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.LogPatterns;

/// <summary>Template mining at OTLP log intake, against the real server and CLI: ids, counts, filter, restart.</summary>
public sealed class LogPatternsIntakeTests
{
    private const string TemplateAttribute = "vigil.log.template_id";
    private static readonly Dictionary<string, string> FastFlush = new() { ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "1s" };

    [Fact]
    public async Task Intake_TwoShapesDifferingInNumbers_TwoTemplatesWithCounts_FilterByTemplate_SameIdsAfterRestart()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-logpatterns-" + Guid.NewGuid().ToString("N"));
        var now = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        try
        {
            long loginId, cacheId;
            await using (var first = await VigilServerProcess.StartAsync(dataDirectory, environment: FastFlush))
            {
                using var client = first.CreateClient();
                var payload = OtlpPayloads.Logs(
                    "patsvc",
                    now,
                    "user 17 logged in after 250 ms",
                    "cache miss for key 42 in shard 7",
                    "user 3 logged in after 12 ms",
                    "cache miss for key 9001 in shard 2",
                    "user 123456 logged in after 1 ms");
                Assert.True((await client.PostAsync("/v1/logs", OtlpPayloads.Protobuf(payload))).IsSuccessStatusCode);

                var patterns = await PatternsAsync(client, "patsvc");
                Assert.Equal(2, patterns.Patterns.Count);
                var login = Assert.Single(patterns.Patterns, p => p.Template.StartsWith("user ", StringComparison.Ordinal));
                var cache = Assert.Single(patterns.Patterns, p => p.Template.StartsWith("cache ", StringComparison.Ordinal));
                Assert.Equal("user <*> logged in after <*> ms", login.Template);
                Assert.Equal(3, login.Count);
                Assert.Equal(2, cache.Count);
                Assert.NotEqual(login.Id, cache.Id);
                (loginId, cacheId) = (login.Id, cache.Id);

                // Filter by template id: exactly the records of that shape, each carrying the id.
                var filtered = await TelemetryApi.LogsAsync(client, $"service=patsvc&template_id={cacheId}");
                Assert.Equal(2, filtered.Records.Count);
                Assert.All(filtered.Records, r =>
                {
                    Assert.StartsWith("cache miss", r.Body, StringComparison.Ordinal);
                    Assert.Equal(cacheId.ToString(CultureInfo.InvariantCulture), r.Attributes[TemplateAttribute]);
                });

                // Grouped by template: the counts of the matching records, with the newest record of each.
                var groups = JsonSerializer.Deserialize<LogTemplateGroupsResponse>(
                    await first.CreateClient().GetStringAsync("/api/v1/telemetry/logs/templates?service=patsvc"), TelemetryApi.Json)!;
                Assert.Equal((5L, false), (groups.Scanned, groups.Truncated));
                Assert.Equal([(loginId, 3L), (cacheId, 2L)], groups.Groups.Select(g => (g.TemplateId!.Value, g.Count)));
                Assert.Equal("user <*> logged in after <*> ms", groups.Groups[0].Template);
                Assert.Equal("user 123456 logged in after 1 ms", groups.Groups[0].Example.Body);
                var grouped = await VigilServerProcess.RunCliAsync("logs", "search", "--service", "patsvc", "--group-by", "template", "--server", first.HttpAddress.ToString());
                Assert.True(grouped.ExitCode == 0, grouped.Error);
                Assert.Contains("cache miss for key <*> in shard <*>", grouped.Output, StringComparison.Ordinal);
                var ungrouped = await VigilServerProcess.RunCliAsync("logs", "search", "--group-by", "template", "--server", first.HttpAddress.ToString());
                Assert.Equal(3, ungrouped.ExitCode);
                Assert.Contains("needs --service", ungrouped.Error, StringComparison.Ordinal);

                // The CLI lists the same templates.
                var cli = await VigilServerProcess.RunCliAsync("logs", "patterns", "--service", "patsvc", "--output", "json", "--server", first.HttpAddress.ToString());
                Assert.Equal(0, cli.ExitCode);
                using (var json = JsonDocument.Parse(cli.Output))
                {
                    var listed = json.RootElement.GetProperty("patterns").EnumerateArray()
                        .ToDictionary(p => p.GetProperty("id").GetInt64(), p => p.GetProperty("count").GetInt64());
                    Assert.Equal(new Dictionary<long, long> { [loginId] = 3, [cacheId] = 2 }, listed);
                }

                var table = await VigilServerProcess.RunCliAsync("logs", "patterns", "--service", "patsvc", "--server", first.HttpAddress.ToString());
                Assert.Equal(0, table.ExitCode);
                Assert.Contains("user <*> logged in after <*> ms", table.Output, StringComparison.Ordinal);

                // vigil_log_records_total per template and severity, flushed every second.
                await WaitForCountsAsync(client, loginId, cacheId);

                // Bad input: problem details naming the parameter.
                await AssertBadRequestAsync(client, "/api/v1/telemetry/log-patterns", "service");
                await AssertBadRequestAsync(client, "/api/v1/telemetry/logs?service=patsvc&template_id=abc", "template_id");
                await AssertBadRequestAsync(client, "/api/v1/telemetry/logs?template_id=1", "template_id");
                await AssertBadRequestAsync(client, "/api/v1/telemetry/logs/templates", "service");

                Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));
            }

            Assert.True(File.Exists(Path.Combine(dataDirectory, "log-templates.bin")));
            await using var second = await VigilServerProcess.StartAsync(dataDirectory, environment: FastFlush);
            using var reader = second.CreateClient();
            var after = await PatternsAsync(reader, "patsvc");
            Assert.Equal(
                new Dictionary<long, long> { [loginId] = 3, [cacheId] = 2 },
                after.Patterns.ToDictionary(p => p.Id, p => p.Count));

            // A new line of a known shape gets the id it had before the restart, and the filter finds old and new records.
            Assert.True((await reader.PostAsync("/v1/logs", OtlpPayloads.Protobuf(OtlpPayloads.Logs("patsvc", now, "user 77 logged in after 5 ms")))).IsSuccessStatusCode);
            var logins = await TelemetryApi.LogsAsync(reader, $"service=patsvc&template_id={loginId}");
            Assert.Equal(4, logins.Records.Count);
            Assert.All(logins.Records, r => Assert.Equal(loginId.ToString(CultureInfo.InvariantCulture), r.Attributes[TemplateAttribute]));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<LogPatternsResponse> PatternsAsync(HttpClient client, string service)
    {
        var response = await client.GetAsync("/api/v1/telemetry/log-patterns?service=" + Uri.EscapeDataString(service));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"log-patterns: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<LogPatternsResponse>(body, TelemetryApi.Json)!;
    }

    private static async Task WaitForCountsAsync(HttpClient client, long loginId, long cacheId)
    {
        var deadline = Stopwatch.StartNew();
        var last = string.Empty;
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var response = await client.GetAsync("/api/v1/telemetry/samples?match[]=" + Uri.EscapeDataString("vigil_log_records_total{service_name=\"patsvc\"}"));
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                var samples = JsonSerializer.Deserialize<SamplesResponse>(last, TelemetryApi.Json)!;
                var totals = samples.Series.ToDictionary(s => s.Labels["template_id"] + "/" + s.Labels["severity"], s => s.Samples[^1].Value);
                if (totals.Count == 2 &&
                    totals.GetValueOrDefault($"{loginId}/information") == 3 &&
                    totals.GetValueOrDefault($"{cacheId}/information") == 2)
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        Assert.Fail("vigil_log_records_total did not reach 3 and 2: " + last);
    }

    private static async Task AssertBadRequestAsync(HttpClient client, string url, string parameter)
    {
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(parameter, body, StringComparison.Ordinal);
    }
}
