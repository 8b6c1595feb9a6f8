using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Declarative;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Releases;
using Vigil.Core.Telemetry;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Plans;
using Vigil.Server.Verification;
using Vigil.Storage.State;

namespace Vigil.Server.Tests.Verification;

/// <summary>
/// The verification endpoints, coordinator and run store on a real Kestrel listener, over the real embedded metrics
/// source and SQLite run store, with simulated time. The release store, plan source and judge are in-test
/// stand-ins: those parts are written by other components and tested with them.
/// </summary>
internal sealed class VerificationTestHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-verify-" + Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;
    private SqliteStateStore _state = null!;

    public FakeTimeProvider Time { get; } = new(Start);

    public InMemoryReleaseStore Releases { get; } = new();

    public ScriptedJudge Judge { get; } = new();

    public TrafficSeries Series { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public VerificationCoordinator Coordinator => _app.Services.GetRequiredService<VerificationCoordinator>();

    public IServiceProvider Services => _app.Services;

    public static async Task<VerificationTestHost> StartAsync(Action<VerificationOptions>? configure = null)
    {
        var host = new VerificationTestHost();
        Directory.CreateDirectory(host._directory);
        host._state = await SqliteStateStore.OpenAsync(host._directory, host.Time, CancellationToken.None);
        host.Releases.DatabasePath = host._state.DatabasePath;
        var options = new VerificationOptions { TickInterval = TimeSpan.FromDays(1), EvaluationDelay = TimeSpan.Zero };
        configure?.Invoke(options);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.Configure<JsonOptions>(json => json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<TimeProvider>(host.Time);
        builder.Services.AddSingleton(host._state);
        builder.Services.AddSingleton<IReleaseStore>(host.Releases);
        builder.Services.AddSingleton<IMetricsSource>(new EmbeddedMetricsSource(host.Series, new MetricMetadataCatalog(), new PromQlEngineOptions()));
        builder.Services.AddSingleton<IVerificationJudge>(host.Judge);
        builder.Services.AddSingleton<IRunPlanSource>(new CodePlans());
        builder.Services.AddVerification(options);
        host._app = builder.Build();
        host._app.UseStatusCodePages();
        host._app.MapVerificationEndpoints();
        await host._app.StartAsync();
        host.Client = new HttpClient { BaseAddress = new Uri(host._app.Urls.First()) };
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _state.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body) => Client.PostAsJsonAsync(path, body);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>The plans: <c>fast</c> (3 looks of 10s, the default for any service) and <c>slow</c> (6 looks of 10s).</summary>
    private sealed class CodePlans : IRunPlanSource
    {
        public static readonly VerificationPlan Fast = new(
            "fast", [], ComparisonMode.Canary, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30),
            [DefaultVerificationPlan.Plan.Metrics[0]]);

        public static readonly VerificationPlan Slow = Fast with { Name = "slow", Duration = TimeSpan.FromMinutes(1) };

        public Task<ResolvedPlan?> ResolveAsync(string service, string? planName, CancellationToken cancellationToken) =>
            Task.FromResult(planName switch
            {
                null or "fast" => new ResolvedPlan(Fast, "name: fast"),
                "slow" => new ResolvedPlan(Slow, "name: slow"),
                _ => null,
            });

        public VerificationPlan? Read(VerificationRun run, List<DocumentError> errors) => run.PlanName switch
        {
            "fast" => Fast,
            "slow" => Slow,
            _ => null,
        };
    }
}

/// <summary>A judge whose verdict the test sets; it records the looks it judged.</summary>
internal sealed class ScriptedJudge : IVerificationJudge
{
    public Verdict Verdict { get; set; } = Verdict.Inconclusive;

    public bool Decisive { get; set; }

    public ConcurrentQueue<int> Looks { get; } = new();

    public bool Throw { get; set; }

    public LookVerdict Judge(VerificationPlan plan, IReadOnlyList<MetricHistory> metrics, int look, string canaryVersion)
    {
        if (Throw)
        {
            throw new InvalidOperationException("the judge broke");
        }

        Looks.Enqueue(look);
        var classification = Verdict == Verdict.Fail ? MetricClassification.High : MetricClassification.Pass;
        var metric = new MetricJudgement("error-ratio", "errors", MetricKind.CountRatio, true, 1, classification,
            new EffectEstimate(2.5, 1.2, double.PositiveInfinity, true), 0.001, null, 400, 4000, "requests",
            $"error ratio is 250% higher on {canaryVersion}", "test");
        return new LookVerdict(Verdict, Verdict == Verdict.Fail ? 0 : 100, Decisive, look, plan.PlannedLooks, [metric], $"{Verdict}: error ratio");
    }
}

/// <summary>Request counters of two versions of <c>checkout</c> in <c>prod</c>, for the baseline choice.</summary>
internal sealed class TrafficSeries : ISeriesSource
{
    private readonly Dictionary<LabelSet, List<Sample>> _series = [];

    public TrafficSeries()
    {
        foreach (var (version, perSecond) in new[] { ("1.4.1", 100.0), ("1.4.2", 10.0) })
        {
            var labels = LabelSet.From(("__name__", "traces_span_metrics_calls_total"), ("service_name", "checkout"), ("service_version", version),
                ("deployment_environment_name", "prod"), ("span_kind", "SPAN_KIND_SERVER"));
            var from = VerificationTestHost.Start.AddMinutes(-10).ToUnixTimeMilliseconds();
            _series[labels] = Enumerable.Range(0, 12 * 60).Select(i => new Sample(from + (i * 5_000L), perSecond * 5 * i)).ToList();
        }
    }

    public IReadOnlyList<LabelSet> SelectSeries(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit) =>
        SelectSamples(matchers, startMs, endMs, limit).Select(s => s.Labels).ToList();

    public IReadOnlyList<SeriesSamples> SelectSamples(IReadOnlyList<LabelMatcher> matchers, long startMs, long endMs, int limit) =>
        _series.Where(kv => matchers.All(m => m.Matches(kv.Key)))
            .Select(kv => new SeriesSamples(kv.Key, kv.Value.Where(s => s.TimestampMs >= startMs && s.TimestampMs <= endMs).ToList()))
            .Where(s => s.Samples.Count > 0).Take(limit).ToList();
}

/// <summary>Releases and timelines in memory, keeping <see cref="IReleaseStore"/>'s contract (idempotent create, newest first).</summary>
internal sealed class InMemoryReleaseStore : IReleaseStore
{
    /// <summary>The state database file, where each release also gets a row (the run store's foreign key needs one).</summary>
    public string? DatabasePath { get; set; }

    private readonly object _lock = new();
    private readonly List<Release> _releases = [];
    private readonly List<ReleaseEvent> _events = [];

    public Task<(Release Release, bool Created)> CreateOrGetAsync(NewRelease release, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var existing = _releases.FirstOrDefault(r => r.Service == release.Service && r.Version == release.Version && r.Environment == release.Environment);
            if (existing is not null)
            {
                return Task.FromResult((existing, false));
            }

            var created = new Release("rel_" + (_releases.Count + 1), release.Service, release.Version, release.Environment, release.Commit, release.Author,
                release.Notes, release.Links ?? [], release.StartedAt ?? now, ReleaseState.Pending, release.Source, now);
            _releases.Add(created);
            Mirror(created);
            _events.Add(new ReleaseEvent(_events.Count + 1, created.Id, now, ReleaseEventKinds.Created, "created", null, null));
            return Task.FromResult((created, true));
        }
    }

    public Task<Release?> GetAsync(string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_releases.FirstOrDefault(r => r.Id == id));
        }
    }

    public Task<Release?> FindAsync(string service, string version, string environment, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_releases.FirstOrDefault(r => r.Service == service && r.Version == version && r.Environment == environment));
        }
    }

    public Task<IReadOnlyList<Release>> ListAsync(ReleaseQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Release>>(_releases
                .Where(r => (query.Service is null || r.Service == query.Service) && (query.Environment is null || r.Environment == query.Environment)
                    && (query.State is null || r.State == query.State))
                .OrderByDescending(r => r.StartedAt).Take(query.Limit).ToList());
        }
    }

    public Task<bool> SetStateAsync(string id, ReleaseState state, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var i = _releases.FindIndex(r => r.Id == id);
            if (i < 0)
            {
                return Task.FromResult(false);
            }

            _releases[i] = _releases[i] with { State = state };
            return Task.FromResult(true);
        }
    }

    public Task<ReleaseEvent> AppendEventAsync(string releaseId, DateTimeOffset at, string kind, string message, string? actor, string? dataJson, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var e = new ReleaseEvent(_events.Count + 1, releaseId, at, kind, message, actor, dataJson);
            _events.Add(e);
            return Task.FromResult(e);
        }
    }

    public Task<IReadOnlyList<ReleaseEvent>> EventsAsync(string releaseId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ReleaseEvent>>(_events.Where(e => e.ReleaseId == releaseId).Take(limit).ToList());
        }
    }

    private void Mirror(Release release)
    {
        if (DatabasePath is null)
        {
            return;
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DatabasePath + ";Pooling=False");
        connection.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO releases (id, service, version, environment, started_at, state, source, created_at)
            VALUES ($id, $service, $version, $environment, '2026-11-29T12:00:00.0000000Z', 'Pending', 'Api', '2026-11-29T12:00:00.0000000Z')
            """;
        insert.Parameters.AddWithValue("$id", release.Id);
        insert.Parameters.AddWithValue("$service", release.Service);
        insert.Parameters.AddWithValue("$version", release.Version);
        insert.Parameters.AddWithValue("$environment", release.Environment);
        insert.ExecuteNonQuery();
    }
}
