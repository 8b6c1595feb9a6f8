using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Server.Tests.Integration;
using Vigil.Storage.State;

namespace Vigil.Server.Tests.Declarative;

/// <summary><c>vigil apply</c> (the built CLI) against a real <c>vigil serve</c>: create, unchanged, configured, dry run, prune, and bad files.</summary>
public sealed class ApplyEndToEndTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-apply-" + Guid.NewGuid().ToString("N"));

    public ApplyEndToEndTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Plan(string name, string services, string allowedEffect = "0.2", string query = "sum(increase(traces_span_metrics_calls_total{service_name=\"{{service}}\",service_version=\"{{version}}\",status_code=\"STATUS_CODE_ERROR\"}[{{interval}}]))") => $"""
        apiVersion: vigil/v1
        kind: VerificationPlan
        metadata:
          name: {name}
        spec:
          services: {services}
          interval: 5s
          duration: 2m
          metrics:
            - name: error-ratio
              kind: count-ratio
              direction: increase
              query: '{query}'
              totalQuery: 'sum(increase(traces_span_metrics_calls_total{"{"}service_name="{"{{"}service{"}}"}",service_version="{"{{"}version{"}}"}"{"}"}[{"{{"}interval{"}}"}]))'
              critical: true
              allowedEffect: {allowedEffect}

        """;

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<IReadOnlyList<DeclarativeObjectDto>> ObjectsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<DeclarativeObjectsResponse>("/api/v1/objects?kind=VerificationPlan", TelemetryApi.Json))!.Objects;

    [Fact]
    public async Task Apply_Directory_CreatesThenUnchangedConfiguredDryRunPruneAndRejectsBadFilesWithPositions()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var server = vigil.HttpAddress.ToString();
        var plans = Path.Combine(_dir, "plans");
        Write("plans/checkout.yaml", Plan("checkout", "[checkout]"));
        Write("plans/shop.yml", Plan("cart", "[cart]") + "---\n" + Plan("payments", "[payments]"));
        Write("plans/README.md", "not yaml, not read\n");
        Write("plans/nested/ignored.yaml", "this: is not read without -R\n");

        var created = await VigilServerProcess.RunCliAsync("apply", "-f", plans, "--server", server);
        Assert.True(created.ExitCode == 0, created.Error);
        Assert.Equal("verificationplan/checkout created\nverificationplan/cart created\nverificationplan/payments created\n", created.Output);
        Assert.Equal(["cart", "checkout", "payments"], (await ObjectsAsync(client)).Select(o => o.Name));

        var again = await VigilServerProcess.RunCliAsync("apply", "-f", plans, "--server", server);
        Assert.Equal((0, "verificationplan/checkout unchanged\nverificationplan/cart unchanged\nverificationplan/payments unchanged\n"), (again.ExitCode, again.Output));

        Write("plans/checkout.yaml", Plan("checkout", "[checkout]", allowedEffect: "0.3"));
        var changed = await VigilServerProcess.RunCliAsync("apply", "-f", plans, "--server", server);
        Assert.Equal((0, "verificationplan/checkout configured\nverificationplan/cart unchanged\nverificationplan/payments unchanged\n"), (changed.ExitCode, changed.Output));
        var stored = await client.GetFromJsonAsync<DeclarativeObjectDto>("/api/v1/objects/verificationplan/checkout", TelemetryApi.Json);
        Assert.Contains("allowedEffect: 0.3", stored!.Yaml, StringComparison.Ordinal);

        // A dry run reports, but changes nothing.
        File.Delete(Path.Combine(plans, "shop.yml"));
        Write("plans/search.yaml", Plan("search", "[search]"));
        var before = await ObjectsAsync(client);
        var dry = await VigilServerProcess.RunCliAsync("apply", "-f", plans, "--prune", "--dry-run", "--server", server);
        Assert.Equal(
            (0, "verificationplan/search created (dry run)\nverificationplan/checkout unchanged (dry run)\nverificationplan/cart pruned (dry run)\nverificationplan/payments pruned (dry run)\n"),
            (dry.ExitCode, dry.Output));
        Assert.Equal(before, await ObjectsAsync(client));

        // Prune deletes what the files no longer hold.
        var pruned = await VigilServerProcess.RunCliAsync("apply", "-f", plans, "--prune", "--output", "json", "--server", server);
        Assert.Equal(0, pruned.ExitCode);
        using (var json = JsonDocument.Parse(pruned.Output))
        {
            Assert.Equal(["VerificationPlan/cart", "VerificationPlan/payments"], json.RootElement.GetProperty("pruned").EnumerateArray().Select(e => e.GetString()));
            Assert.False(json.RootElement.GetProperty("dryRun").GetBoolean());
        }

        Assert.Equal(["checkout", "search"], (await ObjectsAsync(client)).Select(o => o.Name));

        // Bad files: every error with file:line:col, and nothing applied, not even the good file beside them.
        Write("plans/search.yaml", Plan("search", "[search]", allowedEffect: "0.5"));
        var bad = Write("plans/zz-bad.yaml", """
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata: {name: bad}
            spec:
              passThreshold: 120
              metrics:
                - name: errors
                  kind: count-ratio
                  direction: increase
                  query: 'sum(increase(checkout_requests_total{service_name="{{service}}",code="5xx"}[{{interval}}]))'
                  totalQuery: 'sum(increase(checkout_requests_total{service_name="{{service}}"}[{{window}}]))'
                - name: latency
                  kind: latency-histogram
                  direction: increase
                  quantile: 0.95
                  query: 'sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{service_name="{{service}}"}[{{interval}}])'
                  threshold: 3
            ---
            apiVersion: vigil/v1
            kind: Dashboard
            metadata: {name: overview}
            """);
        var refused = await VigilServerProcess.RunCliAsync("apply", "-f", plans, "--server", server);
        Assert.Equal(5, refused.ExitCode);
        Assert.Equal("", refused.Output);
        var lines = refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                $"{bad}:5:18: spec.passThreshold: 120 is out of range (0 to 100)",
                $"{bad}:10:14: spec.metrics[0].query: unknown metric 'checkout_requests_total': no series of it in the metrics source recently (check the name, or apply the plan once the metric has data)",
                $"{bad}:11:85: spec.metrics[0].totalQuery: unknown placeholder '{{{{window}}}}' (known: {{{{service}}}}, {{{{version}}}}, {{{{baseline_version}}}}, {{{{environment}}}}, {{{{interval}}}})",
                $"{bad}:16:27: spec.metrics[1].query: PromQL does not parse: unclosed left parenthesis (at character 13 of the query)",
                $"{bad}:17:7: spec.metrics[1].threshold: unknown key (known: name, kind, direction, query, totalQuery, quantile, critical, allowedEffect, group, weight, limit)",
                $"{bad}:20:7: kind: unknown kind 'Dashboard' (known: AnomalyWatch, Check, DriftPolicy, VerificationPlan)",
                "error: 6 errors in the files; nothing was applied.",
            ],
            lines);
        var after = await ObjectsAsync(client);
        Assert.Equal(["checkout", "search"], after.Select(o => o.Name));
        Assert.DoesNotContain("allowedEffect: 0.5", after[1].Yaml, StringComparison.Ordinal);

        // A file that does not exist is a usage error; the API reads, deletes and answers 404 after.
        var missing = await VigilServerProcess.RunCliAsync("apply", "-f", Path.Combine(_dir, "nope.yaml"), "--server", server);
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/objects/VerificationPlan/search")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/objects/VerificationPlan/search")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/v1/objects/VerificationPlan/search")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/objects?kind=Dashboard")).StatusCode);
    }

    [Fact]
    public async Task Apply_MetricWithSeries_IsKnown_AndOversizedOrMalformedBodiesAreRefused()
    {
        await using var vigil = await VigilServerProcess.StartAsync();
        using var client = vigil.CreateClient();
        var now = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        Assert.True((await client.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(OtlpPayloads.Gauges("shop", now, ("shop_queue_depth", "a", 3))))).IsSuccessStatusCode);
        var text = Plan("queue", "[shop]", query: "max(shop_queue_depth{service_name=\"{{service}}\"})");
        var request = new ApplyRequest([new ApplyFileDto("queue.yaml", text)]);

        var response = await client.PostAsJsonAsync("/api/v1/apply", request, TelemetryApi.Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal(["VerificationPlan/queue"], (await response.Content.ReadFromJsonAsync<ApplyResponse>(TelemetryApi.Json))!.Created);

        // A declared length over the limit is refused before the body is read. With "Expect: 100-continue" the client
        // waits for that answer instead of writing 5 MiB into a connection the server is closing (a broken pipe).
        var huge = new ApplyRequest([new ApplyFileDto("huge.yaml", "# " + new string('x', 5 * 1024 * 1024))]);
        using var hugeRequest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply")
        {
            Content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(huge, TelemetryApi.Json)),
        };
        hugeRequest.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        hugeRequest.Headers.ExpectContinue = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(hugeRequest)).StatusCode);
        var malformed = await client.PostAsync("/api/v1/apply", new StringContent("{\"files\": 3}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/apply", new ApplyRequest([]), TelemetryApi.Json)).StatusCode);
        Assert.True(vigil.IsRunning);
    }

    [Fact]
    public async Task Apply_NeedsAnAdminKey_ReadsNeedARead()
    {
        var dataDirectory = Path.Combine(_dir, "data");
        Directory.CreateDirectory(dataDirectory);
        string admin, read;
        await using (var state = await SqliteStateStore.OpenAsync(dataDirectory, TimeProvider.System, CancellationToken.None))
        {
            var keys = new SqliteApiKeyStore(state);
            admin = (await keys.CreateAsync("admin", ApiKeyScope.Admin, TimeProvider.System.GetUtcNow(), CancellationToken.None)).Secret;
            read = (await keys.CreateAsync("read", ApiKeyScope.Read, TimeProvider.System.GetUtcNow(), CancellationToken.None)).Secret;
        }

        await using var vigil = await VigilServerProcess.StartAsync(dataDirectory, listen: "0.0.0.0:0");
        var baseAddress = new Uri($"http://127.0.0.1:{vigil.HttpAddress.Port}");
        var file = Write("p.yaml", Plan("checkout", "[checkout]"));

        var refused = await VigilServerProcess.RunCliAsync("apply", "-f", file, "--server", baseAddress.ToString(), "--api-key", read);
        Assert.Equal(5, refused.ExitCode);
        Assert.Contains("scope", refused.Error, StringComparison.Ordinal);

        var applied = await VigilServerProcess.RunCliAsync("apply", "-f", file, "--server", baseAddress.ToString(), "--api-key", admin);
        Assert.Equal((0, "verificationplan/checkout created\n"), (applied.ExitCode, applied.Output));

        using var reader = new HttpClient { BaseAddress = baseAddress };
        reader.DefaultRequestHeaders.Authorization = new("Bearer", read);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/v1/objects")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync("/api/v1/objects/VerificationPlan/checkout")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await new HttpClient { BaseAddress = baseAddress }.GetAsync("/api/v1/objects")).StatusCode);
    }
}
