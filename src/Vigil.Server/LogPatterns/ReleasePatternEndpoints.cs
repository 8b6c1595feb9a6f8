using Vigil.Client.Contracts;
using Vigil.Core.PromQl;
using Vigil.Core.Releases;
using Vigil.Core.Security;
using Vigil.Server.Api;
using Vigil.Server.Security;

namespace Vigil.Server.LogPatterns;

/// <summary><c>GET /api/v1/releases/{id}/patterns</c>: the release's log templates new, gone or changed against its baseline.</summary>
internal static class ReleasePatternEndpoints
{
    /// <summary>The longest version name accepted as <c>baseline</c>.</summary>
    private const int MaxVersionLength = 200;

    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapReleasePatterns(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/releases/{id}/patterns", GetAsync)
            .RequireScope(ApiKeyScope.Read)
            .WithTags("Releases")
            .WithSummary("The release's log templates that are new, gone or changed in rate against its baseline, errors first.");
        return endpoints;
    }

    private static async Task<Results<Ok<ReleasePatternsResponse>, ProblemHttpResult>> GetAsync(
        string id,
        string? baseline,
        IReleaseStore releases,
        ReleasePatternReport report,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (baseline is not null && (baseline.Length is 0 or > MaxVersionLength || baseline.Any(char.IsControl)))
        {
            return ApiProblems.BadParameter("baseline", $"a version of 1 to {MaxVersionLength} characters, without control characters");
        }

        var release = await releases.GetAsync(id, cancellationToken);
        if (release is null)
        {
            return ApiProblems.NotFound($"no release with id {id}");
        }

        try
        {
            return TypedResults.Ok(await report.BuildAsync(release, baseline, time.GetUtcNow(), withExamples: true, cancellationToken));
        }
        catch (MetricsSourceException ex)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Metrics source failed",
                detail: $"cannot count log templates: {ex.Message}");
        }
    }
}
