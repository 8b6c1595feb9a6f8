using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.DriftApi;

/// <summary>One real <c>vigil serve</c> shared by the drift API tests (each test uses its own environment names).</summary>
public sealed class DriftServerFixture : IAsyncLifetime
{
    public VigilServerProcess Vigil { get; private set; } = null!;

    // Releases stay pending (verification would start on its own otherwise); the drift link looks at start times.
    public async Task InitializeAsync() =>
        Vigil = await VigilServerProcess.StartAsync(environment: new Dictionary<string, string> { ["VIGIL__VERIFICATION__AUTOSTART"] = "false" });

    public async Task DisposeAsync() => await Vigil.DisposeAsync();
}

/// <summary><c>/api/v1/drift</c> on a real server: intake validation, listing, comparing, history and the release timeline.</summary>
public sealed class DriftApiTests(DriftServerFixture fixture) : IClassFixture<DriftServerFixture>
{
    internal const string HmacA = "aaaaaaaa11111111aaaaaaaa11111111aaaaaaaa11111111aaaaaaaa11111111";
    internal const string HmacB = "bbbbbbbb22222222bbbbbbbb22222222bbbbbbbb22222222bbbbbbbb22222222";
    private readonly VigilServerProcess _vigil = fixture.Vigil;

    internal static DriftSnapshotDto Snapshot(string environment, DateTimeOffset takenAt, string? service = null, params SnapshotItemDto[] items) =>
        new(environment, service, takenAt, "host-" + environment, items);

    internal static SnapshotItemDto Config(string key, string value) => new("config", "key", key, value, "appsettings.json");

    internal static async Task<DriftSnapshotSummaryDto> UploadAsync(HttpClient client, DriftSnapshotDto snapshot)
    {
        var response = await client.PostAsJsonAsync("/api/v1/drift/snapshots", snapshot, TelemetryApi.Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DriftSnapshotSummaryDto>(TelemetryApi.Json))!;
    }

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    public static TheoryData<string, string, string> BadSnapshots => new()
    {
        { """{"environment":"prod@x","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[]}""", "environment", "is not an environment name" },
        { """{"environment":"prod","service":"","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[]}""", "service", "must be 1 to 200" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"","items":[]}""", "host", "required" },
        { """{"environment":"prod","takenAt":"soon","host":"h","items":[]}""", "takenAt", "RFC 3339" },
        { """{"environment":"prod","takenAt":"2999-01-01T00:00:00Z","host":"h","items":[]}""", "takenAt", "ahead of the server's clock" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h"}""", "items", "required" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"network","kind":"key","key":"a","value":"1"}]}""", "items[0].category", "'network' is not a category" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"config","kind":"colour","key":"a","value":"1"}]}""", "items[0].kind", "'colour' is not an item kind" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"config","kind":"key","key":"","value":"1"}]}""", "items[0].key", "required" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"env","kind":"variable","key":"PW","value":"hunter2-planted","secret":true}]}""", "items[0].value", "must be null for a secret" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"env","kind":"variable","key":"PW","secret":true,"secretHmac":"XYZ"}]}""", "items[0].secretHmac", "64 lower-case hex" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"env","kind":"variable","key":"A","value":"1","secretHmac":"aa"}]}""", "items[0].secretHmac", "not a secret" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"config","kind":"key","key":"a","value":"1"},{"category":"config","kind":"key","key":"a","value":"2"}]}""", "items[1].key", "repeats items[0]" },
        { """{"environment":"prod","takenAt":"2026-11-01T00:00:00Z","host":"h","items":[{"category":"config","kind":"key","key":"a","value":7}]}""", "items[0].value", "wrong type" },
        { """[1,2,3]""", "body", "not a JSON snapshot object" },
    };

    [Theory]
    [MemberData(nameof(BadSnapshots))]
    public async Task Upload_BadSnapshot_Answers400ProblemNamingTheField(string body, string field, string reason)
    {
        using var client = _vigil.CreateClient();

        var response = await client.PostAsync("/api/v1/drift/snapshots", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(field, problem.RootElement.GetProperty("parameter").GetString());
        Assert.Contains(reason, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-planted", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_TooManyItemsOrNotJson_AreRejected()
    {
        using var client = _vigil.CreateClient();
        var items = Enumerable.Range(0, 100_001).Select(i => new SnapshotItemDto("config", "key", "k" + i.ToString(CultureInfo.InvariantCulture), "v", null)).ToList();

        var tooMany = await client.PostAsJsonAsync("/api/v1/drift/snapshots", Snapshot("bulk", Now, null, [.. items]), TelemetryApi.Json);
        var notJson = await client.PostAsync("/api/v1/drift/snapshots", new StringContent("environment=prod", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("100001 items, more than the limit of 100000", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<DriftSnapshotsResponse>("/api/v1/drift/snapshots?environment=bulk", TelemetryApi.Json))!.Snapshots);
    }

    [Fact]
    public async Task Upload_DeclaredLargerThanTheBodyLimit_Answers413ProblemWithoutReadingIt()
    {
        // A raw request: the header announces 65 MiB and only the first bytes follow; the answer must come without the rest.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_vigil.HttpAddress.Host, _vigil.HttpAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/v1/drift/snapshots HTTP/1.1\r\nHost: {_vigil.HttpAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {65 * 1024 * 1024}\r\nConnection: close\r\n\r\n{{\"environment\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var answer = await reader.ReadToEndAsync(timeout.Token);

        Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("at most 64 MiB", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadListAndCompare_ReportsEachDifferenceWithRiskAndWhy_AndNoSecretValue()
    {
        using var client = _vigil.CreateClient();
        var t = Now.AddMinutes(-10);
        var uat = await UploadAsync(client, Snapshot("api-uat", t, null,
            Config("appsettings:Timeout", "30"),
            new SnapshotItemDto("schema", "column", "public.orders.total", "numeric(10,2) not null", "$DB"),
            new SnapshotItemDto("env", "variable", "DB_PASSWORD", null, "env", Secret: true, SecretHmac: HmacA),
            new SnapshotItemDto("env", "variable", "API_TOKEN", null, "env", Secret: true, SecretHmac: HmacA)));
        await UploadAsync(client, Snapshot("api-prod", t.AddMinutes(1), null,
            Config("appsettings:Timeout", "5"),
            new SnapshotItemDto("env", "variable", "DB_PASSWORD", null, "env", Secret: true, SecretHmac: HmacA),
            new SnapshotItemDto("env", "variable", "API_TOKEN", null, "env", Secret: true, SecretHmac: HmacB)));

        var list = (await client.GetFromJsonAsync<DriftSnapshotsResponse>("/api/v1/drift/snapshots?environment=api-uat", TelemetryApi.Json))!;
        var text = await client.GetStringAsync("/api/v1/drift/compare?left=api-uat&right=api-prod");
        var report = JsonSerializer.Deserialize<DriftReportDto>(text, TelemetryApi.Json)!;

        Assert.Equal(uat, Assert.Single(list.Snapshots));
        Assert.Matches("^snap_[0-9a-f]{16}$", uat.Id);
        Assert.Equal(4, uat.Items);
        Assert.Equal(("api-uat", "api-prod"), (report.Left, report.Right));
        Assert.Equal(
            [
                ("missing", "schema", "public.orders.total", "high"),
                ("changed", "config", "appsettings:Timeout", "medium"),
                ("changed", "env", "API_TOKEN", "medium"),
            ],
            report.Items.Select(i => (i.Change, i.Category, i.Key, i.Risk)));
        Assert.Equal("The column public.orders.total exists in api-uat, not in api-prod: queries that read or write it fail in api-prod (column does not exist).", report.Items[0].Why);
        Assert.Contains(report.Notes!, n => n.Contains("Same secret", StringComparison.Ordinal) && n.Contains("env DB_PASSWORD", StringComparison.Ordinal));
        Assert.DoesNotContain(HmacA, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_EnvAtTime_ComparesAnEnvironmentWithItsOwnPast()
    {
        using var client = _vigil.CreateClient();
        var day1 = new DateTimeOffset(Now.UtcDateTime.Date.AddDays(-3), TimeSpan.Zero).AddHours(12);
        await UploadAsync(client, Snapshot("hist", day1, null, Config("appsettings:Pool", "10")));
        await UploadAsync(client, Snapshot("hist", day1.AddDays(1), null, Config("appsettings:Pool", "20")));
        await UploadAsync(client, Snapshot("hist", Now.AddMinutes(-1), null, Config("appsettings:Pool", "40")));
        var dayAfter = day1.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var exact = day1.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        // A date is midnight UTC at its start: the newest snapshot at or before it is day 1's.
        var byDate = (await client.GetFromJsonAsync<DriftReportDto>($"/api/v1/drift/compare?left=hist@{dayAfter}&right=hist", TelemetryApi.Json))!;
        var byTime = (await client.GetFromJsonAsync<DriftReportDto>($"/api/v1/drift/compare?left=hist@{exact}&right=hist@{Uri.EscapeDataString(day1.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture))}", TelemetryApi.Json))!;

        Assert.Equal($"hist@{dayAfter}T00:00:00Z", byDate.Left);
        Assert.Equal(day1, byDate.LeftTakenAt);
        Assert.Equal(("10", "40"), (Assert.Single(byDate.Items).Left, byDate.Items[0].Right));
        Assert.Equal(("10", "20"), (Assert.Single(byTime.Items).Left, byTime.Items[0].Right));
    }

    [Fact]
    public async Task Compare_NoSnapshotOrBadSide_Answers404Or400Problems()
    {
        using var client = _vigil.CreateClient();
        await UploadAsync(client, Snapshot("only-svc", Now.AddMinutes(-5), "orders", Config("a", "1")));

        var unknown = await client.GetAsync("/api/v1/drift/compare?left=nowhere&right=only-svc");
        var noService = await client.GetAsync("/api/v1/drift/compare?left=only-svc&right=only-svc");
        var tooEarly = await client.GetAsync("/api/v1/drift/compare?left=only-svc@2001-01-01&right=only-svc&service=orders");
        var badTime = await client.GetAsync("/api/v1/drift/compare?left=only-svc@yesterday&right=only-svc");
        var missingRight = await client.GetAsync("/api/v1/drift/compare?left=only-svc");
        var badList = await client.GetAsync("/api/v1/drift/snapshots?environment=a%40b&limit=0");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no snapshot of nowhere", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noService.StatusCode);
        Assert.Contains("has snapshots for service(s): orders", await noService.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, tooEarly.StatusCode);
        Assert.Contains("the oldest kept is from", await tooEarly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badTime.StatusCode);
        Assert.Contains("'yesterday' after '@' is not a date", await badTime.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missingRight.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badList.StatusCode);
        Assert.Contains("'a@b' is not an environment name", await badList.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_WithAppliedPolicy_CountsTheIgnoredDifferences()
    {
        using var client = _vigil.CreateClient();
        var policy = """
            apiVersion: vigil/v1
            kind: DriftPolicy
            metadata:
              name: pol-hosts
            spec:
              ignore:
                - category: config
                  key: "appsettings:Services:*"
                  valuesMatch: 'orders\.pol-(uat|prod)\.example\.com'
                  reason: each environment calls its own orders service
            """;
        var apply = await client.PostAsJsonAsync("/api/v1/apply", new ApplyRequest([new ApplyFileDto("drift.yaml", policy)]), TelemetryApi.Json);
        Assert.True(apply.IsSuccessStatusCode, await apply.Content.ReadAsStringAsync());
        await UploadAsync(client, Snapshot("pol-uat", Now.AddMinutes(-3), null, Config("appsettings:Services:Orders", "https://orders.pol-uat.example.com"), Config("appsettings:Timeout", "1")));
        await UploadAsync(client, Snapshot("pol-prod", Now.AddMinutes(-3), null, Config("appsettings:Services:Orders", "https://orders.pol-prod.example.com"), Config("appsettings:Timeout", "2")));

        var report = (await client.GetFromJsonAsync<DriftReportDto>("/api/v1/drift/compare?left=pol-uat&right=pol-prod", TelemetryApi.Json))!;

        Assert.Equal("appsettings:Timeout", Assert.Single(report.Items).Key);
        Assert.Equal(1, report.Ignored);
    }

    [Fact]
    public async Task Upload_DuringARelease_PutsDriftOnItsTimeline()
    {
        using var client = _vigil.CreateClient();
        var created = await client.PostAsJsonAsync("/api/v1/releases", new CreateReleaseRequest("drift-svc", "2.0.0", "tl-prod", StartedAt: Now.AddMinutes(-5)), TelemetryApi.Json);
        var release = (await created.Content.ReadFromJsonAsync<ReleaseDto>(TelemetryApi.Json))!;
        await UploadAsync(client, Snapshot("tl-prod", Now.AddMinutes(-4), "drift-svc",
            Config("appsettings:Timeout", "30"), new SnapshotItemDto("migration", "migration", "efcore:20261101_AddTotal", "applied", "$DB")));
        await UploadAsync(client, Snapshot("tl-prod", Now.AddMinutes(-3), "other-svc", Config("appsettings:Timeout", "1")));

        await UploadAsync(client, Snapshot("tl-prod", Now.AddMinutes(-2), "drift-svc", Config("appsettings:Timeout", "5")));

        var timeline = (await client.GetFromJsonAsync<ReleaseTimelineResponse>($"/api/v1/releases/{release.Id}/timeline", TelemetryApi.Json))!;
        var drift = Assert.Single(timeline.Events, e => e.Kind == "drift.detected");
        Assert.StartsWith("Drift in tl-prod since the snapshot of ", drift.Message, StringComparison.Ordinal);
        Assert.Contains("1 high, 1 medium, 0 low", drift.Message, StringComparison.Ordinal);
        var data = drift.Data!.Value;
        Assert.Equal((1, 1, 0), (data.GetProperty("high").GetInt32(), data.GetProperty("medium").GetInt32(), data.GetProperty("low").GetInt32()));
        var top = data.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(["efcore:20261101_AddTotal", "appsettings:Timeout"], top.Select(i => i.GetProperty("key").GetString()));
        Assert.Equal("missing", top[0].GetProperty("change").GetString());
    }
}
