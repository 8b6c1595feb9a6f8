using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Vigil.Client.Contracts;
using Vigil.Core.Declarative;
using Vigil.Core.PromQl;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Core.Verification.Plans;
using Vigil.Server.Api;
using Vigil.Server.Security;
using Vigil.Storage.State;

namespace Vigil.Server.Declarative;

/// <summary>
/// Declarative objects: <c>POST /api/v1/apply</c> (what <c>vigil apply -f</c> calls) validates every document first
/// and applies them atomically; <c>/api/v1/objects</c> lists, reads and deletes stored objects.
/// </summary>
public static partial class DeclarativeEndpoints
{
    /// <summary>The largest apply request: 4 MiB of JSON, far more than any repository's plans, checks and SLOs.</summary>
    public const long MaxApplyBytes = 4L * 1024 * 1024;

    /// <summary>The most files in one apply.</summary>
    public const int MaxFiles = 1000;

    /// <summary>How far back a metric must have had series to count as known (a weekly job's metric still counts).</summary>
    public static readonly TimeSpan KnownMetricLookback = TimeSpan.FromDays(7);

    /// <summary>The most metric names read for the unknown-metric check; with more, the check is skipped rather than wrong.</summary>
    public const int MaxKnownMetricNames = 200_000;

    private const int MaxFileNameLength = 1024;

    // One apply at a time: the diff against the stored objects and the write must see the same state.
    private static readonly SemaphoreSlim ApplyLock = new(1, 1);

    /// <summary>Registers the declarative store, the kinds and the plan catalog.</summary>
    public static IServiceCollection AddDeclarative(this IServiceCollection services)
    {
        services.AddSingleton(DeclarativeKinds.Default);
        services.AddSingleton<IDeclarativeStore>(sp => new SqliteDeclarativeStore(sp.GetRequiredService<SqliteStateStore>()));
        services.AddSingleton<VerificationPlanCatalog>();
        return services;
    }

    /// <summary>Maps the apply and objects endpoints.</summary>
    public static IEndpointRouteBuilder MapDeclarativeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/apply", ApplyAsync).RequireScope(ApiKeyScope.Admin).WithTags("Declarative")
            .Accepts<ApplyRequest>("application/json")
            .WithSummary("Validates declarative documents (all errors as file:line:col: reason) and applies them atomically; dryRun and prune as kubectl's.");
        var objects = endpoints.MapGroup("/api/v1/objects").WithTags("Declarative");
        objects.MapGet("/", ListAsync).RequireScope(ApiKeyScope.Read).WithSummary("Lists stored declarative objects, of one kind or all.");
        objects.MapGet("/{kind}/{name}", GetAsync).RequireScope(ApiKeyScope.Read).WithSummary("One stored declarative object.");
        objects.MapDelete("/{kind}/{name}", DeleteAsync).RequireScope(ApiKeyScope.Admin).WithSummary("Deletes a stored declarative object.");
        return endpoints;
    }

    private static async Task<Results<Ok<ApplyResponse>, ProblemHttpResult>> ApplyAsync(
        HttpContext context,
        IDeclarativeStore store,
        DeclarativeKinds kinds,
        IMetricsSource source,
        [FromServices] IEnumerable<DeclarativeKindLimit> limits,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var log = loggerFactory.CreateLogger(typeof(DeclarativeEndpoints));
        if (context.Request.ContentLength > MaxApplyBytes)
        {
            return TooLarge();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxApplyBytes;
        }

        ApplyRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<ApplyRequest>(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return ApiProblems.BadParameter("body", $"expected a JSON apply request {{\"files\": [{{\"file\": ..., \"text\": ...}}], \"dryRun\": false, \"prune\": false}}: {e.Message}");
        }

        if (request?.Files is not { Count: > 0 } files)
        {
            return ApiProblems.BadParameter("files", "give at least one file");
        }

        if (files.Count > MaxFiles)
        {
            return ApiProblems.BadParameter("files", $"at most {MaxFiles} files in one apply");
        }

        for (var i = 0; i < files.Count; i++)
        {
            if (files[i] is not { File: { Length: > 0 and <= MaxFileNameLength } name, Text: not null } || name.Any(char.IsControl))
            {
                return ApiProblems.BadParameter($"files[{i}]", $"each file needs a name (1 to {MaxFileNameLength} characters, no control characters) and its text");
            }
        }

        var known = await KnownMetricNamesAsync(source, time, log, cancellationToken);
        var errors = new List<DocumentError>();
        var documents = DeclarativeReader.Read([.. files.Select(f => new DeclarativeFile(f.File, f.Text))], kinds, new DeclarativeValidationContext(known), errors);
        if (errors.Count > 0)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid documents",
                detail: $"{errors.Count} {(errors.Count == 1 ? "error" : "errors")} in the applied files; nothing was applied",
                extensions: new Dictionary<string, object?> { ["errors"] = errors.Select(e => e.ToString()).ToList() });
        }

        await ApplyLock.WaitAsync(cancellationToken);
        try
        {
            var stored = await store.ListAsync(null, cancellationToken);
            var plan = ApplyPlan.Compute(documents, stored, request.Prune, time.GetUtcNow());
            if (plan.Exceeded(limits, stored) is { Count: > 0 } exceeded)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Too many objects",
                    detail: $"{string.Join("; ", exceeded)}; nothing was applied",
                    extensions: new Dictionary<string, object?> { ["errors"] = exceeded });
            }

            if (!request.DryRun && (plan.Upserts.Count > 0 || plan.Deletes.Count > 0))
            {
                await store.ApplyAsync(plan.Upserts, plan.Deletes, cancellationToken);
                Log.Applied(log, plan.Created.Count, plan.Configured.Count, plan.Unchanged.Count, plan.Pruned.Count);
            }

            return TypedResults.Ok(new ApplyResponse(request.DryRun, plan.Created, plan.Configured, plan.Unchanged, plan.Pruned));
        }
        finally
        {
            ApplyLock.Release();
        }
    }

    private static async Task<Results<Ok<DeclarativeObjectsResponse>, ProblemHttpResult>> ListAsync(
        string? kind, IDeclarativeStore store, DeclarativeKinds kinds, CancellationToken cancellationToken)
    {
        string? canonical = null;
        if (!string.IsNullOrEmpty(kind))
        {
            canonical = kinds.Find(kind)?.Kind;
            if (canonical is null)
            {
                return ApiProblems.BadParameter("kind", $"unknown kind '{kind}' (known: {string.Join(", ", kinds.Names)})");
            }
        }

        var objects = await store.ListAsync(canonical, cancellationToken);
        return TypedResults.Ok(new DeclarativeObjectsResponse([.. objects.Select(ToDto)]));
    }

    private static async Task<Results<Ok<DeclarativeObjectDto>, ProblemHttpResult>> GetAsync(
        string kind, string name, IDeclarativeStore store, DeclarativeKinds kinds, CancellationToken cancellationToken)
    {
        var found = kinds.Find(kind) is { } k ? await store.GetAsync(k.Kind, name, cancellationToken) : null;
        return found is null ? ApiProblems.NotFound($"no {kind} named '{name}'") : TypedResults.Ok(ToDto(found));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string kind, string name, IDeclarativeStore store, DeclarativeKinds kinds, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (kinds.Find(kind) is not { } k)
        {
            return ApiProblems.NotFound($"no {kind} named '{name}'");
        }

        await ApplyLock.WaitAsync(cancellationToken);
        try
        {
            if (await store.GetAsync(k.Kind, name, cancellationToken) is null)
            {
                return ApiProblems.NotFound($"no {k.Kind} named '{name}'");
            }

            await store.ApplyAsync([], [(k.Kind, name)], cancellationToken);
            var log = loggerFactory.CreateLogger(typeof(DeclarativeEndpoints));
            Log.Deleted(log, k.Kind, name);
            return TypedResults.NoContent();
        }
        finally
        {
            ApplyLock.Release();
        }
    }

    // The metric names with series in the metrics source lately; null (check skipped) when the source cannot say in full.
    private static async Task<IReadOnlySet<string>?> KnownMetricNamesAsync(IMetricsSource source, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        var end = time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            var names = await source.LabelValuesAsync(LabelSet.MetricNameLabel, [], end - (long)KnownMetricLookback.TotalMilliseconds, end, MaxKnownMetricNames, cancellationToken);
            if (names.Count >= MaxKnownMetricNames)
            {
                Log.TooManyMetricNames(log, MaxKnownMetricNames);
                return null;
            }

            return names.ToHashSet(StringComparer.Ordinal);
        }
        catch (MetricsSourceException e)
        {
            Log.KnownMetricsSkipped(log, e.Message);
            return null;
        }
    }

    private static ProblemHttpResult TooLarge() => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request too large",
        detail: $"an apply request is at most {MaxApplyBytes / (1024 * 1024)} MiB; apply fewer files at a time");

    private static DeclarativeObjectDto ToDto(DeclarativeObject o) => new(o.Kind, o.Name, o.Yaml, o.UpdatedAt);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4600, Level = LogLevel.Information, Message = "Declarative objects applied: {Created} created, {Configured} configured, {Unchanged} unchanged, {Pruned} pruned")]
        public static partial void Applied(ILogger logger, int created, int configured, int unchanged, int pruned);

        [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "Declarative object {Kind}/{Name} deleted")]
        public static partial void Deleted(ILogger logger, string kind, string name);

        [LoggerMessage(EventId = 4603, Level = LogLevel.Warning, Message = "Apply skipped the unknown-metric check: the metrics source has more than {Limit} metric names")]
        public static partial void TooManyMetricNames(ILogger logger, int limit);

        [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "Apply skipped the unknown-metric check: {Reason}")]
        public static partial void KnownMetricsSkipped(ILogger logger, string reason);
    }
}
