using Vigil.Client.Contracts;
using Vigil.Core.Releases;
using Vigil.Core.Security;
using Vigil.Core.Verification;
using Vigil.Server.Api;
using Vigil.Server.Security;

namespace Vigil.Server.Verification;

/// <summary>
/// Release verification over REST: start or follow a run (<c>POST /api/v1/releases/verify</c>, CI keys), read a
/// release's verdict and per-interval history, the gate endpoint for Argo Rollouts and Flagger
/// (<c>/api/v1/verdict</c>), and abort or override (admin; a reason is required and audited with the key's name).
/// </summary>
public static class VerificationEndpoints
{
    /// <summary>The longest service, version or environment accepted (the bound the release API uses too).</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest abort or override reason accepted.</summary>
    public const int MaxReasonLength = 2_000;

    /// <summary>Maps the verification endpoints.</summary>
    public static IEndpointRouteBuilder MapVerificationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1").WithTags("Verification");
        group.MapPost("/releases/verify", VerifyAsync).RequireScope(ApiKeyScope.Ingest)
            .WithSummary("Finds or creates the release and starts its verification (unless one runs or is done); answers the verdict so far.");
        group.MapGet("/releases/{id}/verdict", VerdictAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("The verdict of a release's latest verification run.");
        group.MapGet("/releases/{id}/intervals", IntervalsAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("Every judged interval of a release's latest verification run.");
        group.MapPost("/releases/{id}/abort", AbortAsync).RequireScope(ApiKeyScope.Admin)
            .WithSummary("Aborts the running verification of a release, with a reason (audited).");
        group.MapPost("/releases/{id}/override", OverrideAsync).RequireScope(ApiKeyScope.Admin)
            .WithSummary("Overrides the verdict of a release's latest run, with a reason (audited).");
        group.MapMethods("/verdict", ["GET", "POST"], GateAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("The verdict by service, environment and version (default: the newest release); gate=true answers 200 only for Pass, 409 while undecided, 412 otherwise; gate=fail answers 412 only for Fail.");
        return endpoints;
    }

    private static async Task<Results<Ok<VerdictDto>, Accepted<VerdictDto>, ProblemHttpResult>> VerifyAsync(
        VerifyReleaseRequest? body, HttpContext http, VerificationCoordinator coordinator, TimeProvider time, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return ApiProblems.BadParameter("body", "a JSON object with service, version and environment is required");
        }

        if ((CheckName("service", body.Service) ?? CheckName("version", body.Version) ?? CheckName("environment", body.Environment)) is { } bad)
        {
            return bad;
        }

        if (body.Plan is not null && CheckName("plan", body.Plan) is { } badPlan)
        {
            return badPlan;
        }

        if (body.BaselineVersion is not null && CheckName("baselineVersion", body.BaselineVersion) is { } badBaseline)
        {
            return badBaseline;
        }

        var service = body.Service.Trim();
        Core.Verification.Plans.ResolvedPlan plan;
        try
        {
            plan = await coordinator.ResolvePlanAsync(service, body.Plan?.Trim(), cancellationToken);
        }
        catch (UnknownPlanException e)
        {
            return ApiProblems.NotFound(e.Message);
        }

        var (release, _) = await coordinator.Releases.CreateOrGetAsync(
            new NewRelease(service, body.Version.Trim(), body.Environment.Trim()), time.GetUtcNow(), cancellationToken);
        var (run, started) = await coordinator.EnsureRunAsync(release, plan, body.Plan is not null, body.BaselineVersion?.Trim(), body.Restart, Actor(http), cancellationToken);
        var dto = VerdictMapping.ToDto(release, run, coordinator.PlannedLooks(run));
        return started ? TypedResults.Accepted($"/api/v1/releases/{release.Id}/verdict", dto) : TypedResults.Ok(dto);
    }

    private static async Task<Results<Ok<VerdictDto>, ProblemHttpResult>> VerdictAsync(
        string id, VerificationCoordinator coordinator, CancellationToken cancellationToken)
    {
        var release = await coordinator.Releases.GetAsync(id, cancellationToken);
        if (release is null)
        {
            return ApiProblems.NotFound($"no release with id {id}");
        }

        var run = await coordinator.Runs.LatestForReleaseAsync(release.Id, cancellationToken);
        return TypedResults.Ok(VerdictMapping.ToDto(release, run, run is null ? 0 : coordinator.PlannedLooks(run)));
    }

    private static async Task<Results<Ok<RunIntervalsResponse>, ProblemHttpResult>> IntervalsAsync(
        string id, VerificationCoordinator coordinator, CancellationToken cancellationToken)
    {
        var release = await coordinator.Releases.GetAsync(id, cancellationToken);
        if (release is null)
        {
            return ApiProblems.NotFound($"no release with id {id}");
        }

        var run = await coordinator.Runs.LatestForReleaseAsync(release.Id, cancellationToken);
        var intervals = run is null ? [] : await coordinator.Runs.IntervalsAsync(run.Id, cancellationToken);
        return TypedResults.Ok(new RunIntervalsResponse(release.Id, run?.Id, intervals.Select(VerdictMapping.ToDto).ToList()));
    }

    private static async Task<Results<Ok<VerdictDto>, ProblemHttpResult>> AbortAsync(
        string id, AbortVerificationRequest? body, HttpContext http, VerificationCoordinator coordinator, CancellationToken cancellationToken)
    {
        if (CheckReason(body?.Reason) is { } bad)
        {
            return bad;
        }

        var release = await coordinator.Releases.GetAsync(id, cancellationToken);
        if (release is null)
        {
            return ApiProblems.NotFound($"no release with id {id}");
        }

        var run = await coordinator.AbortAsync(release, body!.Reason.Trim(), Actor(http), cancellationToken);
        if (run is null)
        {
            return Conflict($"release {id} has no running verification to abort");
        }

        return TypedResults.Ok(VerdictMapping.ToDto(release, run, coordinator.PlannedLooks(run)));
    }

    private static async Task<Results<Ok<VerdictDto>, ProblemHttpResult>> OverrideAsync(
        string id, OverrideVerdictRequest? body, HttpContext http, VerificationCoordinator coordinator, CancellationToken cancellationToken)
    {
        if (!VerdictMapping.TryParseVerdict(body?.Verdict, out var verdict))
        {
            return ApiProblems.BadParameter("verdict", $"'{body?.Verdict}' is not a verdict (pass, marginal, fail, inconclusive)");
        }

        if (CheckReason(body!.Reason) is { } bad)
        {
            return bad;
        }

        var release = await coordinator.Releases.GetAsync(id, cancellationToken);
        if (release is null)
        {
            return ApiProblems.NotFound($"no release with id {id}");
        }

        var run = await coordinator.OverrideAsync(release, verdict, body.Reason.Trim(), Actor(http), cancellationToken);
        if (run is null)
        {
            return ApiProblems.NotFound($"release {id} has no verification run to override; start one with POST /api/v1/releases/verify");
        }

        return TypedResults.Ok(VerdictMapping.ToDto(release, run, coordinator.PlannedLooks(run)));
    }

    /// <summary>
    /// <c>GET|POST /api/v1/verdict?service=S&amp;environment=E[&amp;version=V][&amp;gate=true|fail]</c>. Without
    /// <c>version</c>, the newest release of the service in the environment (Flagger cannot put the canary's version in
    /// a webhook URL). Without <c>gate</c>: 200 with the verdict (404 for an unknown release). With <c>gate=true</c>:
    /// 200 only for Pass; 409 while no verdict is decided (no run yet, or running); 412 for Fail, Marginal,
    /// Inconclusive or an aborted run. With <c>gate=fail</c>: 412 only for a decided Fail, else 200 (for hooks that must
    /// not fail while the run is going). Refusals are problems whose <c>verdict</c> extension holds the verdict. A POSTed
    /// body (Flagger's payload) is ignored.
    /// </summary>
    private static async Task<IResult> GateAsync(
        string? service, string? version, string? environment, string? gate, VerificationCoordinator coordinator, CancellationToken cancellationToken)
    {
        if ((CheckName("service", service) ?? CheckName("environment", environment) ?? (version is null ? null : CheckName("version", version))) is { } bad)
        {
            return bad;
        }

        var mode = gate?.Trim().ToLowerInvariant();
        if (mode is not (null or "" or "false" or "true" or "fail"))
        {
            return ApiProblems.BadParameter("gate", $"'{gate}' is not true, fail or false");
        }

        var release = version is null
            ? (await coordinator.Releases.ListAsync(new ReleaseQuery(service!.Trim(), environment!.Trim(), Limit: 1), cancellationToken)).FirstOrDefault()
            : await coordinator.Releases.FindAsync(service!.Trim(), version.Trim(), environment!.Trim(), cancellationToken);
        if (release is null)
        {
            return ApiProblems.NotFound($"no release of {service}{(version is null ? string.Empty : " " + version)} in {environment}; create it with POST /api/v1/releases/verify");
        }

        var run = await coordinator.Runs.LatestForReleaseAsync(release.Id, cancellationToken);
        var dto = VerdictMapping.ToDto(release, run, run is null ? 0 : coordinator.PlannedLooks(run));
        var name = $"{release.Service} {release.Version} in {release.Environment}";
        switch (mode)
        {
            case "true" when dto.Verdict != nameof(Verdict.Pass) && !dto.Decided && dto.RunState is "none" or "running":
                var progress = dto.RunState == "none"
                    ? "no verification has started"
                    : $"verification running (look {dto.Look}/{dto.PlannedLooks}{(dto.Current is null ? string.Empty : ", currently " + dto.Current)})";
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Verdict not decided yet",
                    detail: $"{name}: {progress}", extensions: new Dictionary<string, object?> { ["verdict"] = dto });
            case "true" when dto.Verdict != nameof(Verdict.Pass):
            case "fail" when dto.Verdict == nameof(Verdict.Fail):
                var what = dto.Verdict ?? "no verdict (aborted: " + dto.AbortReason + ")";
                return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Release gate failed",
                    detail: $"{name}: {what}. {dto.Summary}".Trim(), extensions: new Dictionary<string, object?> { ["verdict"] = dto });
            default:
                return TypedResults.Ok(dto);
        }
    }

    private static ProblemHttpResult? CheckName(string parameter, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return ApiProblems.BadParameter(parameter, "required");
        }

        return value.Length > MaxNameLength || value.Any(char.IsControl)
            ? ApiProblems.BadParameter(parameter, $"1 to {MaxNameLength} characters, without control characters")
            : null;
    }

    private static ProblemHttpResult? CheckReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? ApiProblems.BadParameter("reason", "a reason is required (it is recorded on the release timeline)")
        : reason.Length > MaxReasonLength ? ApiProblems.BadParameter("reason", $"at most {MaxReasonLength} characters")
        : null;

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    /// <summary>The audit actor: the API key's name, or <c>anonymous</c> when keys are optional and none was sent.</summary>
    private static string Actor(HttpContext http) =>
        http.Items.TryGetValue(ApiKeyMiddleware.ApiKeyItem, out var key) && key is ApiKey apiKey ? apiKey.Name : "anonymous";
}
