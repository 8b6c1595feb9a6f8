using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Verification.Plans;
using Vigil.Server.Tests.EndToEnd;
using Vigil.Server.Tests.Integration;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Vigil.Ui.Tests;

/// <summary>
/// The shared world of the UI tests, made once per run: a real <c>vigil serve</c>, a 5-second verification plan for
/// <see cref="Service"/>, the sample service as v1 (<see cref="BaselineVersion"/>, failing 0.5%) then v2
/// (<see cref="CanaryVersion"/>, failing 5%) under the traffic driver until the canary's verification has FINISHED with
/// a Fail verdict, then the samples stopped so the data no longer changes; and one headless Debian chromium driven by
/// Playwright (never a downloaded browser). Pages get a fresh browser context each (<see cref="NewPageAsync()"/>).
/// A missing chromium or axe-core (node_modules) fails the fixture, and so every UI test, with a message saying what to
/// install; nothing is skipped. The start's timings are printed as a diagnostic message and kept in
/// <see cref="StartTimings"/>.
/// </summary>
public sealed partial class UiFixture(IMessageSink diagnostics) : IAsyncLifetime
{
    /// <summary>The sample's service name.</summary>
    public const string Service = "checkout";

    /// <summary>The deployment environment the samples report.</summary>
    public const string Environment = "ui";

    /// <summary>The baseline version (v1, failing 1 request in 200).</summary>
    public const string BaselineVersion = "1.0.0";

    /// <summary>The canary version (v2, failing 1 request in 20): its verification fails on the error ratio.</summary>
    public const string CanaryVersion = "2.0.0";

    /// <summary>The name of the verification plan the fixture applies.</summary>
    public const string PlanName = "checkout-ui";

    // As the end-to-end verification test: 45/s per version, so the failures drift through the 5-second windows.
    private const double RequestsPerSecondPerVersion = 45;
    private static readonly string[] BaselineKnobs = ["--fail-every", "200", "--latency-ms", "20", "--jitter-ms", "4", "--seed", "1"];
    private static readonly string[] CanaryKnobs = ["--fail-every", "20", "--latency-ms", "20", "--jitter-ms", "4", "--seed", "2"];
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromSeconds(120);

    private readonly Stopwatch _clock = new();
    private readonly List<string> _timings = [];
    private WorkDirectory? _work;
    private VigilServerProcess? _vigil;
    private VigilClient? _client;
    private readonly List<ChildProcess> _samples = [];
    private readonly List<ChildProcess> _drivers = [];
    private bool _disposed;

    /// <summary>The server's address (UI and API), <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress => Server.HttpAddress;

    /// <summary>A client of the server's API.</summary>
    public VigilClient Client => _client ?? throw NotStarted();

    /// <summary>The server process (its output helps a failing test say why).</summary>
    public VigilServerProcess Server => _vigil ?? throw NotStarted();

    /// <summary>The server's data folder.</summary>
    public string DataDirectory { get; private set; } = string.Empty;

    /// <summary>The baseline release (v1), detected from its telemetry.</summary>
    public ReleaseDto BaselineRelease { get; private set; } = default!;

    /// <summary>The canary release (v2): its verification has finished with a Fail verdict.</summary>
    public ReleaseDto CanaryRelease { get; private set; } = default!;

    /// <summary>The canary's final verdict, as the API gave it once decided.</summary>
    public VerdictDto CanaryVerdict { get; private set; } = default!;

    /// <summary>The body of a log record the canary wrote (an "injected failure" error line).</summary>
    public string KnownLogMessage { get; private set; } = string.Empty;

    /// <summary>That log record, as the API returns it.</summary>
    public LogRecordDto KnownLog { get; private set; } = null!;

    /// <summary>The id of a canary trace whose spans are stored (the failed request of <see cref="KnownLog"/> when it has one).</summary>
    public string KnownTraceId { get; private set; } = string.Empty;

    /// <summary>That trace, with its spans.</summary>
    public TraceResponse KnownTrace { get; private set; } = null!;

    /// <summary>How long each step of the fixture's start took (one line each, seconds since the start).</summary>
    public string StartTimings
    {
        get
        {
            lock (_timings)
            {
                return string.Join('\n', _timings);
            }
        }
    }

    /// <summary>The repository root (the folder holding Vigil.slnx).</summary>
    public static string RepositoryRoot => VigilServerProcess.RepositoryRoot;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _clock.Start();
        try
        {
            // Prerequisites first: a missing browser or axe-core fails at once, not after two minutes of set-up.
            var chromium = ChromiumPath();
            var axe = AxeScriptPath();
            _work = new WorkDirectory("vigil-ui-");
            DataDirectory = Path.Combine(_work.Path, "data");

            // The browser starts while the server and the samples do.
            _browserLaunch = LaunchBrowserAsync(chromium);
            _axeScript = axe;

            _vigil = await VigilServerProcess.StartAsync(
                DataDirectory, environment: new Dictionary<string, string> { ["VIGIL__SPANMETRICS__FLUSHINTERVAL"] = "1s" });
            _client = new VigilClient(_vigil.HttpAddress);
            Mark("vigil serve ready");

            await ApplyPlanAsync();
            Mark("plan applied");

            await RunReleasesAsync();
            await FindKnownTelemetryAsync();
            Mark(KnownLog.TraceId == KnownTraceId ? "known log line and its trace found" : "known log line and a canary trace (not the log's) found");

            await _browserLaunch;
            Mark("browser ready (launched in parallel)");
        }
        catch (Exception e)
        {
            var why = $"the UI fixture failed after {_clock.Elapsed.TotalSeconds:F1}s: {e.Message}\n--- timings ---\n{StartTimings}\n--- vigil serve output (last 4000 chars) ---\n{Tail(_vigil?.Output)}";
            Report(why);
            await DisposeAsync();
            throw new InvalidOperationException(why, e);
        }

        Report($"UI fixture ready in {_clock.Elapsed.TotalSeconds:F1}s at {BaseAddress}\n{StartTimings}");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await CloseBrowserAsync();
        await StopSamplesAsync();
        _client?.Dispose();
        if (_vigil is not null)
        {
            await _vigil.DisposeAsync();
        }

        _work?.Dispose();
    }

    private async Task ApplyPlanAsync()
    {
        // The default plan's metrics on a short 5-second schedule: at least 2 intervals, 40 seconds at most.
        var plan = DefaultVerificationPlan.Plan with
        {
            Name = PlanName,
            Services = [Service],
            Interval = TimeSpan.FromSeconds(5),
            Duration = TimeSpan.FromSeconds(40),
            MinimumIntervals = 2,
        };
        var yaml = VerificationPlanYaml.Write(plan);
        await Client.ApplyAsync(new ApplyRequest([new ApplyFileDto("plans/checkout-ui.yaml", yaml)]));
    }

    /// <summary>v1 first (so it becomes the baseline release), then v2, until the canary's verification is decided.</summary>
    private async Task RunReleasesAsync()
    {
        var work = _work!.Path;
        var (v1, v1Checkout) = await SampleProcesses.StartSampleAsync(Server, work, BaselineVersion, Environment, BaselineKnobs);
        _samples.Add(v1);
        await SampleProcesses.WarmUpAsync(v1Checkout);
        _drivers.Add(SampleProcesses.StartDriver(work, RequestsPerSecondPerVersion, duration: null, v1Checkout));
        BaselineRelease = await PollAsync(
            async () => (await Client.ListReleasesAsync(Service, Environment)).Releases.FirstOrDefault(r => r.Version == BaselineVersion),
            "the baseline release detected from v1's telemetry",
            TimeSpan.FromSeconds(30));
        Mark("v1 running, its release detected");

        var (v2, v2Checkout) = await SampleProcesses.StartSampleAsync(Server, work, CanaryVersion, Environment, CanaryKnobs);
        _samples.Add(v2);
        await SampleProcesses.WarmUpAsync(v2Checkout);
        _drivers.Add(SampleProcesses.StartDriver(work, RequestsPerSecondPerVersion, duration: null, v2Checkout));
        Mark("v2 running");

        var started = await Client.VerifyReleaseAsync(new VerifyReleaseRequest(Service, CanaryVersion, Environment, Plan: PlanName));
        var last = started;
        CanaryVerdict = await PollAsync(
            async () =>
            {
                last = await Client.GetVerdictAsync(started.ReleaseId);
                return last.Decided || last.RunState == "aborted" ? last : null;
            },
            "the canary's verification to finish",
            VerdictTimeout,
            () => $"still {last.RunState}, look {last.Look}/{last.PlannedLooks}, currently {last.Current ?? "-"}");
        Mark($"canary verdict {CanaryVerdict.Verdict} at look {CanaryVerdict.Look}/{CanaryVerdict.PlannedLooks}");
        if (CanaryVerdict.Verdict != "Fail")
        {
            throw new InvalidOperationException(
                $"the canary (failing 5% vs 0.5%) should fail its verification, but it ended {CanaryVerdict.RunState} with {CanaryVerdict.Verdict ?? "no verdict"}: {CanaryVerdict.Summary}\n" +
                string.Join('\n', CanaryVerdict.Metrics.Select(m => $"{m.Name}: {m.Classification} ({m.Sentence}) {m.Reason}")));
        }

        // The data stops changing from here on: pages see a finished release.
        await StopSamplesAsync();
        Mark("samples and drivers stopped");

        var releases = (await Client.ListReleasesAsync(Service, Environment)).Releases;
        CanaryRelease = releases.Single(r => r.Version == CanaryVersion);
        BaselineRelease = releases.Single(r => r.Version == BaselineVersion);
    }

    /// <summary>An "injected failure" error line of the canary, and its trace (or another canary trace) with its spans.</summary>
    private async Task FindKnownTelemetryAsync()
    {
        var logs = await PollAsync(
            async () =>
            {
                var found = await Client.SearchLogsAsync(new LogSearch
                {
                    Service = Service,
                    Environment = Environment,
                    Version = CanaryVersion,
                    Contains = "injected failure",
                    Limit = 20,
                });
                return found.Records.Count > 0 ? found.Records : null;
            },
            "an \"injected failure\" log line of the canary",
            TimeSpan.FromSeconds(20));
        // The newest records' spans may have died with the sample (killed before its exporter's next batch): try each.
        LogRecordDto? known = null;
        TraceResponse? trace = null;
        foreach (var record in logs.Where(r => r.TraceId.Length > 0))
        {
            trace = await CanaryTraceAsync(record.TraceId);
            if (trace is not null)
            {
                known = record;
                break;
            }
        }

        KnownLog = known ?? logs[0];
        KnownLogMessage = KnownLog.Body;
        KnownTrace = trace ?? await PollAsync(
            async () =>
            {
                foreach (var summary in (await Client.ListTracesAsync(new TraceSearch { Service = Service, Limit = 100 })).Traces)
                {
                    if (await CanaryTraceAsync(summary.TraceId) is { } listed)
                    {
                        return listed;
                    }
                }

                return null;
            },
            "a stored trace of the canary",
            TimeSpan.FromSeconds(20));
        KnownTraceId = KnownTrace.TraceId;
    }

    private async Task<TraceResponse?> CanaryTraceAsync(string traceId)
    {
        try
        {
            var trace = await Client.GetTraceAsync(traceId);
            return trace.Spans.Count > 0 && trace.Spans.Any(s => s.Resource.TryGetValue("service.version", out var v) && v == CanaryVersion)
                ? trace
                : null;
        }
        catch (VigilApiException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }

    private async Task StopSamplesAsync()
    {
        // The drivers first, so no request reaches a stopped sample and both versions' last requests end together.
        foreach (var process in _drivers.Concat(_samples))
        {
            await process.DisposeAsync();
        }

        _drivers.Clear();
        _samples.Clear();
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value or the deadline passes (never a fixed sleep).</summary>
    private async Task<T> PollAsync<T>(Func<Task<T?>> probe, string what, TimeSpan timeout, Func<string>? state = null)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_browserLaunch is { IsFaulted: true } launch)
            {
                await launch; // A browser that cannot start fails the fixture now, not after the set-up.
            }

            if (await probe() is { } value)
            {
                return value;
            }

            if (clock.Elapsed >= timeout)
            {
                var samples = string.Join("\n", _samples.Concat(_drivers).Select(s => Tail(s.Output, 600)));
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0}s waiting for {what}{(state is null ? string.Empty : ": " + state())}\n--- samples and drivers ---\n{samples}");
            }

            await Task.Delay(250);
        }
    }

    private void Mark(string what)
    {
        lock (_timings)
        {
            _timings.Add(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,6:F1}s {what}"));
        }
    }

    private void Report(string message) => diagnostics.OnMessage(new DiagnosticMessage(message));

    private static string Tail(string? text, int chars = 4000) =>
        text is null ? "(none)" : text.Length <= chars ? text : "..." + text[^chars..];

    private static InvalidOperationException NotStarted() => new("the UI fixture has not started (or failed to)");
}
