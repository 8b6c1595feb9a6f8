using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Checks;
using Vigil.Core.Security;
using Vigil.Server.Api;
using Vigil.Server.Security;
using Vigil.Storage.State;

namespace Vigil.Server.Checks;

/// <summary>
/// Checks: <c>GET /api/v1/checks</c>, <c>/{name}</c> and <c>/{name}/results</c> (a <c>read</c> key), and the agent
/// endpoints <c>GET /api/v1/agent/checks?location=</c> and <c>POST /api/v1/agent/results</c> (an <c>ingest</c> key).
/// </summary>
public static class CheckEndpoints
{
    /// <summary>Results returned when no limit is given: 100.</summary>
    public const int DefaultResultsLimit = 100;

    /// <summary>The largest agent results request: 16 MiB, a full batch of results at their field limits.</summary>
    public const long MaxAgentBodyBytes = 16L * 1024 * 1024;

    // Errors listed in one problem, beyond the first that names the parameter.
    private const int MaxErrorsListed = 20;

    /// <summary>Maps the check and agent endpoints.</summary>
    public static IEndpointRouteBuilder MapCheckEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var checks = endpoints.MapGroup("/api/v1/checks").WithTags("Checks");
        checks.MapGet("/", List).RequireScope(ApiKeyScope.Read)
            .WithSummary("Every loaded check, by name, with its status combined over its locations by quorum and the latest result of each location.");
        checks.MapGet("/{name}", Get).RequireScope(ApiKeyScope.Read)
            .WithSummary("One check with its status; 404 for an unknown name.");
        checks.MapGet("/{name}/results", ResultsAsync).RequireScope(ApiKeyScope.Read)
            .WithSummary("Results of one check, newest first, with reasons and response excerpts.")
            .WithQueryParameters(
                ("location", "only this location's results"),
                ("limit", $"results returned; default {DefaultResultsLimit}, cap {SqliteCheckResultStore.MaxListLimit}"));
        var agent = endpoints.MapGroup("/api/v1/agent").WithTags("Checks");
        agent.MapGet("/checks", AgentChecks).RequireScope(ApiKeyScope.Ingest)
            .WithSummary("The checks assigned to an agent's location, as their stored documents (secrets stay references, resolved by the agent).")
            .WithQueryParameters(("location", "the agent's location name (required)"));
        agent.MapPost("/results", AgentResultsAsync).RequireScope(ApiKeyScope.Ingest)
            .WithSummary("Results an agent ran at its location; every result is checked (known check, assigned location, sane times and sizes) and the batch is refused whole on any error.")
            .Accepts<AgentResultsRequest>("application/json");
        return endpoints;
    }

    private static Ok<ChecksResponse> List(CheckCatalog catalog, CheckResultProcessor processor) =>
        TypedResults.Ok(new ChecksResponse([.. catalog.Current.Checks.Values
            .OrderBy(c => c.Definition.Name, StringComparer.Ordinal)
            .Select(c => CheckDtos.ToDto(c, processor.StatusOf(c.Definition)))]));

    private static Results<Ok<CheckDto>, ProblemHttpResult> Get(string name, CheckCatalog catalog, CheckResultProcessor processor) =>
        catalog.Current.Checks.TryGetValue(name, out var check)
            ? TypedResults.Ok(CheckDtos.ToDto(check, processor.StatusOf(check.Definition)))
            : UnknownCheck(name);

    private static async Task<Results<Ok<CheckResultsResponse>, ProblemHttpResult>> ResultsAsync(
        string name, HttpRequest request, CheckCatalog catalog, ICheckResultStore store, CancellationToken cancellationToken)
    {
        string? location;
        int limit;
        try
        {
            var parameters = new QueryParameters(request.Query);
            location = parameters.String("location");
            if (location is not null && !CheckDtos.IsLocationName(location))
            {
                throw new BadParameterException("location", LocationRule(location));
            }

            limit = parameters.Limit("limit", DefaultResultsLimit, SqliteCheckResultStore.MaxListLimit);
        }
        catch (BadParameterException e)
        {
            return ApiProblems.BadParameter(e.Parameter, e.Reason);
        }

        if (!catalog.Current.Checks.ContainsKey(name))
        {
            return UnknownCheck(name);
        }

        var results = await store.ListAsync(name, location, limit, cancellationToken);
        return TypedResults.Ok(new CheckResultsResponse(name, [.. results.Select(CheckResultDtos.ToDto)]));
    }

    private static Results<Ok<AgentChecksResponse>, ProblemHttpResult> AgentChecks(HttpRequest request, CheckCatalog catalog, ChecksOptions options)
    {
        if (!options.Enabled)
        {
            return Disabled();
        }

        var location = request.Query["location"].ToString();
        if (BadLocation(location, options) is { } problem)
        {
            return problem;
        }

        var assigned = catalog.Current.AssignedTo(location).Select(c => new AgentCheckDto(c.Definition.Name, c.Yaml)).ToList();
        return TypedResults.Ok(new AgentChecksResponse(location, assigned));
    }

    private static async Task<Results<Ok<AgentResultsResponse>, ProblemHttpResult>> AgentResultsAsync(
        HttpContext context, CheckCatalog catalog, CheckResultProcessor processor, ChecksOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return Disabled();
        }

        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "send the results as JSON (Content-Type: application/json)");
        }

        if (request.ContentLength > MaxAgentBodyBytes)
        {
            return TooLarge();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxAgentBodyBytes;
        }

        AgentResultsRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<AgentResultsRequest>(request.Body, VigilJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is null or "$" ? "body" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path;
            return ApiProblems.BadParameter(field, $"not valid here (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): expected {{\"location\": NAME, \"results\": [...]}} with results as GET /api/v1/checks/{{name}}/results shows them");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }

        if (body is null)
        {
            return ApiProblems.BadParameter("body", "a {\"location\", \"results\"} object is required");
        }

        if (BadLocation(body.Location, options) is { } problem)
        {
            return problem;
        }

        if (body.Results is null)
        {
            return ApiProblems.BadParameter("results", "a list of results is required");
        }

        if (body.Results.Count > options.MaxAgentBatch)
        {
            return ApiProblems.BadParameter("results", $"{body.Results.Count} results in one request; at most {options.MaxAgentBatch} (checks.maxAgentBatch): send smaller batches");
        }

        var snapshot = catalog.Current;
        var now = time.GetUtcNow();
        var accepted = new List<CheckResult>(body.Results.Count);
        var errors = new List<string>();
        string? firstField = null;
        string? firstReason = null;
        for (var i = 0; i < body.Results.Count; i++)
        {
            var result = CheckDtos.FromAgent(body.Results[i], $"results[{i}]", body.Location, snapshot, now, out var field, out var reason);
            if (result is null)
            {
                (firstField, firstReason) = (firstField ?? field, firstReason ?? reason);
                if (errors.Count < MaxErrorsListed)
                {
                    errors.Add($"{field}: {reason}");
                }

                continue;
            }

            accepted.Add(result);
        }

        if (firstField is not null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Bad request",
                detail: $"parameter '{firstField}': {firstReason}; nothing was accepted",
                extensions: new Dictionary<string, object?> { ["parameter"] = firstField, ["errors"] = errors });
        }

        if (!processor.TryAccept(accepted))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy",
                detail: $"the server's check result queue is full (checks.queueSize {options.QueueSize}); retry shortly");
        }

        return TypedResults.Ok(new AgentResultsResponse(accepted.Count));
    }

    private static ProblemHttpResult? BadLocation(string? location, ChecksOptions options)
    {
        if (string.IsNullOrEmpty(location))
        {
            return ApiProblems.BadParameter("location", "required: the agent's location name");
        }

        if (!CheckDtos.IsLocationName(location))
        {
            return ApiProblems.BadParameter("location", LocationRule(location));
        }

        if (options.LocalLocation && location == CheckDefinition.LocalLocation)
        {
            return ApiProblems.BadParameter("location", "'local' is the server itself; give the agent its own location name");
        }

        return null;
    }

    private static string LocationRule(string location) =>
        $"'{CheckDtos.Clip(location)}' is not a location name (1 to {CheckDtos.MaxLocationLength} lowercase letters, digits and '-', starting and ending with a letter or digit)";

    private static ProblemHttpResult UnknownCheck(string name) => ApiProblems.NotFound($"no check named '{CheckDtos.Clip(name)}'");

    private static ProblemHttpResult Disabled() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Checks disabled",
        detail: "checks are disabled on this server (checks.enabled: false)");

    private static ProblemHttpResult TooLarge() => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large",
        detail: $"an agent results request is at most {MaxAgentBodyBytes / (1024 * 1024)} MiB; send smaller batches");
}
