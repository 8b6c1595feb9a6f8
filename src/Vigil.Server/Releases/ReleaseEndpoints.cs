using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Releases;
using Vigil.Core.Security;
using Vigil.Server.Api;
using Vigil.Server.Security;
using Vigil.Storage.State;

namespace Vigil.Server.Releases;

/// <summary>
/// Releases: <c>POST /api/v1/releases</c> (idempotent on service, version and environment; an <c>ingest</c> key, as CI
/// has), and the reads <c>GET /api/v1/releases</c>, <c>/{id}</c> and <c>/{id}/timeline</c> (a <c>read</c> key).
/// </summary>
public static class ReleaseEndpoints
{
    /// <summary>The largest request body accepted when creating a release: 256 KiB, ample for notes and links at their limits.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Releases listed when no limit is given: 100.</summary>
    public const int DefaultListLimit = 100;

    /// <summary>Timeline events returned when no limit is given: 1,000.</summary>
    public const int DefaultTimelineLimit = 1000;

    /// <summary>Maps the release endpoints.</summary>
    public static IEndpointRouteBuilder MapReleaseEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/releases").WithTags("Releases");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeyScope.Ingest)
            .WithSummary("Creates a release (201), or answers the existing one with the same service, version and environment (200), filling in only details it lacked; CI may retry freely.")
            .Accepts<CreateReleaseRequest>("application/json");
        group.MapGet("/", ListAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("Lists releases, newest start first, optionally of one service, environment or state.")
            .WithQueryParameters(
                ("service", "service.name"),
                ("environment", "deployment.environment.name"),
                ("state", "pending, verifying, passed, marginal, failed, inconclusive, aborted or baseline"),
                ("limit", $"releases returned; default {DefaultListLimit}, cap {SqliteReleaseStore.MaxListLimit}"));
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("One release by id.");
        group.MapGet("/{id}/timeline", TimelineAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("A release's timeline, oldest first: created, repeated creations, verification, verdict, overrides, webhooks and evidence.")
            .WithQueryParameters(("limit", $"events returned; default {DefaultTimelineLimit}, cap {SqliteReleaseStore.MaxEventsLimit}"));
        return endpoints;
    }

    /// <summary>A release as the API shows it (state and source in lower case).</summary>
    public static ReleaseDto ToDto(Release release) => new(
        release.Id,
        release.Service,
        release.Version,
        release.Environment,
        release.Commit,
        release.Author,
        release.Notes,
        release.Links.Select(l => new ReleaseLinkDto(l.Title, l.Url)).ToList(),
        release.StartedAt,
        SqliteReleaseStore.StateText(release.State),
        SqliteReleaseStore.SourceText(release.Source),
        release.CreatedAt);

    /// <summary>A timeline event as the API shows it, its data parsed back into JSON.</summary>
    public static ReleaseEventDto ToDto(ReleaseEvent e)
    {
        JsonElement? data = null;
        if (e.DataJson is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(e.DataJson);
                data = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // The store only accepts JSON objects; an unreadable value is shown as no data rather than failing the timeline.
            }
        }

        return new ReleaseEventDto(e.Id, e.At, e.Kind, e.Message, e.Actor, data);
    }

    private static async Task<Results<Created<ReleaseDto>, Ok<ReleaseDto>, ProblemHttpResult>> CreateAsync(
        HttpContext context, SqliteReleaseStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadBodyAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var release = new NewRelease(
            body!.Service,
            body.Version,
            body.Environment,
            body.Commit,
            body.Author,
            body.Notes,
            body.Links?.Select(l => l is null ? null! : new ReleaseLink(l.Title, l.Url)).ToList(),
            body.StartedAt,
            ReleaseSource.Api);
        if (SqliteReleaseStore.Check(release, now) is { } error)
        {
            return ApiProblems.BadParameter(error.Field, error.Reason);
        }

        var actor = (context.Items[ApiKeyMiddleware.ApiKeyItem] as ApiKey)?.Name;
        var (stored, created) = await store.CreateOrGetAsync(release, ReleaseState.Pending, actor, now, cancellationToken);
        if (created)
        {
            return TypedResults.Created($"/api/v1/releases/{stored.Id}", ToDto(stored));
        }

        var data = JsonSerializer.Serialize(new Dictionary<string, string?> { ["commit"] = release.Commit, ["author"] = release.Author });
        var carriesDetails = release.Commit is not null || release.Author is not null || release.Notes is not null || release.Links is { Count: > 0 };
        await store.AppendEventAsync(
            stored.Id, now, ReleaseEventKinds.CreateRepeated,
            carriesDetails
                ? "Creation repeated for the same service, version and environment; the existing release is kept, with the details it lacked filled in from this request (none overwritten)."
                : "Creation repeated for the same service, version and environment; the existing release is kept as it is.",
            actor, data, cancellationToken);
        return TypedResults.Ok(ToDto(stored));
    }

    private static async Task<Results<Ok<ReleasesResponse>, ProblemHttpResult>> ListAsync(
        HttpRequest request, IReleaseStore store, CancellationToken cancellationToken)
    {
        ReleaseQuery query;
        try
        {
            var parameters = new QueryParameters(request.Query);
            var stateText = parameters.String("state");
            ReleaseState? state = null;
            if (stateText is not null)
            {
                if (!SqliteReleaseStore.TryParseState(stateText, out var parsed))
                {
                    var states = string.Join(", ", Enum.GetValues<ReleaseState>().Select(SqliteReleaseStore.StateText));
                    throw new BadParameterException("state", $"'{Clip(stateText)}' is not a release state ({states})");
                }

                state = parsed;
            }

            query = new ReleaseQuery(
                parameters.String("service"),
                parameters.String("environment"),
                state,
                parameters.Limit("limit", DefaultListLimit, SqliteReleaseStore.MaxListLimit));
        }
        catch (BadParameterException ex)
        {
            return ApiProblems.BadParameter(ex.Parameter, ex.Reason);
        }

        var releases = await store.ListAsync(query, cancellationToken);
        return TypedResults.Ok(new ReleasesResponse(releases.Select(ToDto).ToList()));
    }

    private static async Task<Results<Ok<ReleaseDto>, ProblemHttpResult>> GetAsync(string id, IReleaseStore store, CancellationToken cancellationToken)
    {
        var release = await store.GetAsync(id, cancellationToken);
        return release is null ? ApiProblems.NotFound($"no release with id {Clip(id)}") : TypedResults.Ok(ToDto(release));
    }

    private static async Task<Results<Ok<ReleaseTimelineResponse>, ProblemHttpResult>> TimelineAsync(
        string id, HttpRequest request, IReleaseStore store, CancellationToken cancellationToken)
    {
        int limit;
        try
        {
            limit = new QueryParameters(request.Query).Limit("limit", DefaultTimelineLimit, SqliteReleaseStore.MaxEventsLimit);
        }
        catch (BadParameterException ex)
        {
            return ApiProblems.BadParameter(ex.Parameter, ex.Reason);
        }

        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return ApiProblems.NotFound($"no release with id {Clip(id)}");
        }

        var events = await store.EventsAsync(id, limit, cancellationToken);
        return TypedResults.Ok(new ReleaseTimelineResponse(id, events.Select(ToDto).ToList()));
    }

    /// <summary>
    /// Reads the JSON body with a size bound, turning every failure into a problem that names the field (from the JSON
    /// path of the value that could not be read) or the body.
    /// </summary>
    private static async Task<(CreateReleaseRequest? Body, ProblemHttpResult? Problem)> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "send the release as JSON (Content-Type: application/json)"));
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
            var body = await JsonSerializer.DeserializeAsync<CreateReleaseRequest>(request.Body, VigilJson.Options, cancellationToken);
            return body is null ? (null, ApiProblems.BadParameter("body", "a release object is required")) : (body, null);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is null or "$" ? "body" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path;
            var reason = field switch
            {
                "body" => $"not a JSON object (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})",
                "startedAt" => "must be an RFC 3339 time such as 2025-03-01T12:00:00Z",
                "links" => "must be a list of {\"title\", \"url\"} objects",
                _ when field.StartsWith("links[", StringComparison.Ordinal) && !field.Contains('.', StringComparison.Ordinal) => "must be a {\"title\", \"url\"} object",
                _ => "must be a string",
            };
            return (null, ApiProblems.BadParameter(field, reason));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    private static ProblemHttpResult TooLarge() => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large",
        detail: $"a release is at most {MaxBodyBytes / 1024} KiB of JSON");

    private static string Clip(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
