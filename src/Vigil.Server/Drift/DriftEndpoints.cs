using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Declarative;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Drift.Policy;
using Vigil.Core.Security;
using Vigil.Server.Api;
using Vigil.Server.Security;
using Vigil.Storage.State;

namespace Vigil.Server.Drift;

/// <summary>
/// Drift: <c>POST /api/v1/drift/snapshots</c> stores a snapshot (an <c>ingest</c> key, as snapshot hosts have) and
/// links it to a release of its service in its environment that is under way; <c>GET /api/v1/drift/snapshots</c>
/// lists stored snapshots and <c>GET /api/v1/drift/compare?left=uat&amp;right=prod</c> compares two (a <c>read</c> key).
/// </summary>
public static class DriftEndpoints
{
    /// <summary>The largest snapshot upload: 64 MiB of JSON, room for <see cref="DriftMapping.MaxItems"/> items.</summary>
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    /// <summary>Snapshots listed when no limit is given: 100.</summary>
    public const int DefaultListLimit = 100;

    /// <summary>Registers the snapshot store and the release link.</summary>
    public static IServiceCollection AddDrift(this IServiceCollection services)
    {
        services.AddSingleton<IDriftSnapshotStore>(sp => new SqliteDriftSnapshotStore(sp.GetRequiredService<SqliteStateStore>()));
        services.AddSingleton<DriftReleaseLink>();
        return services;
    }

    /// <summary>Maps the drift endpoints.</summary>
    public static IEndpointRouteBuilder MapDriftEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/drift").WithTags("Drift");
        group.MapPost("/snapshots", UploadAsync).RequireScope(ApiKeyScope.Ingest)
            .WithSummary("Stores an environment snapshot (what 'vigil drift snapshot' uploads); secrets carry only a fingerprint, never a value.")
            .Accepts<DriftSnapshotDto>("application/json");
        group.MapGet("/snapshots", ListAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("Lists stored snapshots, newest taken first.")
            .WithQueryParameters(
                ("environment", "only this environment"),
                ("service", "only this service"),
                ("limit", $"snapshots returned; default {DefaultListLimit}, cap {SqliteDriftSnapshotStore.MaxListLimit}"));
        group.MapGet("/compare", CompareAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("Compares the newest snapshot of one environment with another's (or its own at an earlier time, env@2026-11-01), highest risk first.")
            .WithQueryParameters(
                ("left", "the reference side: an environment, or env@TIME (a date or RFC 3339 time: the newest snapshot taken at or before it)"),
                ("right", "the side checked against it, same syntax"),
                ("service", "compare the snapshots taken for this service; default: those taken without a service"));
        return endpoints;
    }

    private static async Task<Results<Ok<DriftSnapshotSummaryDto>, ProblemHttpResult>> UploadAsync(
        HttpContext context, IDriftSnapshotStore store, DriftReleaseLink link, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadBodyAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        if (DriftMapping.Check(body!, now) is var (field, reason))
        {
            return ApiProblems.BadParameter(field, reason);
        }

        var snapshot = DriftMapping.ToModel(body!);
        var summary = await store.SaveAsync(snapshot, now, cancellationToken);
        await link.OnSnapshotAsync(summary, snapshot, now, cancellationToken);
        return TypedResults.Ok(DriftMapping.ToDto(summary));
    }

    private static async Task<Results<Ok<DriftSnapshotsResponse>, ProblemHttpResult>> ListAsync(
        HttpRequest request, IDriftSnapshotStore store, CancellationToken cancellationToken)
    {
        string? environment;
        string? service;
        int limit;
        try
        {
            var parameters = new QueryParameters(request.Query);
            environment = parameters.String("environment");
            if (environment is not null && !DriftSide.IsEnvironmentName(environment))
            {
                throw new BadParameterException("environment", $"'{Clip(environment)}' is not an environment name");
            }

            service = Service(parameters);
            limit = parameters.Limit("limit", DefaultListLimit, SqliteDriftSnapshotStore.MaxListLimit);
        }
        catch (BadParameterException ex)
        {
            return ApiProblems.BadParameter(ex.Parameter, ex.Reason);
        }

        var summaries = await store.ListAsync(environment, service, limit, cancellationToken);
        return TypedResults.Ok(new DriftSnapshotsResponse(summaries.Select(DriftMapping.ToDto).ToList()));
    }

    private static async Task<Results<Ok<DriftReportDto>, ProblemHttpResult>> CompareAsync(
        HttpRequest request, IDriftSnapshotStore store, IDeclarativeStore objects, CancellationToken cancellationToken)
    {
        DriftSide left;
        DriftSide right;
        string? service;
        try
        {
            var parameters = new QueryParameters(request.Query);
            left = Side(parameters, "left");
            right = Side(parameters, "right");
            service = Service(parameters);
        }
        catch (BadParameterException ex)
        {
            return ApiProblems.BadParameter(ex.Parameter, ex.Reason);
        }

        var leftSnapshot = await store.FindAsync(left.Environment, service, left.At, cancellationToken);
        if (leftSnapshot is null)
        {
            return await NoSnapshotAsync(store, left, service, cancellationToken);
        }

        var rightSnapshot = await store.FindAsync(right.Environment, service, right.At, cancellationToken);
        if (rightSnapshot is null)
        {
            return await NoSnapshotAsync(store, right, service, cancellationToken);
        }

        var policies = DriftPolicyYaml.ReadStored(await objects.ListAsync(DriftPolicyYaml.Kind, cancellationToken));
        var report = new DriftComparer(policies).Compare(leftSnapshot.Snapshot, rightSnapshot.Snapshot, left.Label, right.Label);
        return TypedResults.Ok(DriftMapping.ToDto(report));
    }

    /// <summary>404 naming what was looked for, and which services the environment has snapshots for when the service was the problem.</summary>
    private static async Task<ProblemHttpResult> NoSnapshotAsync(IDriftSnapshotStore store, DriftSide side, string? service, CancellationToken cancellationToken)
    {
        var of = service is null ? $"{side.Environment} (taken without --service)" : $"{side.Environment} for service {service}";
        var when = side.At is { } at ? $" taken at or before {at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}" : string.Empty;
        var detail = $"no snapshot of {of}{when}";
        var stored = await store.ListAsync(side.Environment, null, SqliteDriftSnapshotStore.MaxListLimit, cancellationToken);
        var matching = stored.Where(s => s.Service == service).ToList();
        if (stored.Count == 0)
        {
            detail += $"; upload one with 'vigil drift snapshot --environment {side.Environment}'";
        }
        else if (matching.Count == 0)
        {
            var services = stored.Select(s => s.Service ?? "(none)").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(20);
            detail += $"; {side.Environment} has snapshots for service(s): {string.Join(", ", services)}";
        }
        else
        {
            detail += $"; the oldest kept is from {matching.Min(s => s.TakenAt).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}";
        }

        return ApiProblems.NotFound(detail);
    }

    private static DriftSide Side(QueryParameters parameters, string name)
    {
        var text = parameters.String(name) ?? throw new BadParameterException(name, "required: an environment, such as prod or prod@2026-11-01");
        return DriftSide.TryParse(text, out var side, out var error) ? side : throw new BadParameterException(name, error);
    }

    private static string? Service(QueryParameters parameters)
    {
        var service = parameters.String("service");
        if (service is not null && (service.Length > DriftMapping.MaxServiceLength || service.Any(char.IsControl)))
        {
            throw new BadParameterException("service", $"at most {DriftMapping.MaxServiceLength} characters without control characters");
        }

        return service;
    }

    /// <summary>Reads the JSON body with a size bound; every failure becomes a problem naming the field or the body.</summary>
    private static async Task<(DriftSnapshotDto? Body, ProblemHttpResult? Problem)> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "send the snapshot as JSON (Content-Type: application/json)"));
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync<DriftSnapshotDto>(request.Body, VigilJson.Options, cancellationToken);
            return body is null ? (null, ApiProblems.BadParameter("body", "a snapshot object is required")) : (body, null);
        }
        catch (JsonException ex)
        {
            // The message is the serializer's, which never quotes values; the path names the field.
            var field = ex.Path is null or "$" ? "body" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path;
            var reason = field == "body"
                ? $"not a JSON snapshot object (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"
                : field == "takenAt" ? "must be an RFC 3339 time such as 2026-11-01T12:00:00Z" : "has the wrong type or is malformed";
            return (null, ApiProblems.BadParameter(field, reason));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    private static ProblemHttpResult TooLarge() => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large",
        detail: $"a snapshot is at most {MaxBodyBytes / (1024 * 1024)} MiB of JSON and {DriftMapping.MaxItems} items");

    private static string Clip(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
