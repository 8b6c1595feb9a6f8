namespace Vigil.Server.Api;

/// <summary>Problem details (RFC 9457) for Vigil's own REST API.</summary>
internal static class ApiProblems
{
    /// <summary>400 for a bad query parameter, naming the parameter.</summary>
    public static ProblemHttpResult BadParameter(string parameter, string reason) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "Bad request",
            detail: $"parameter '{parameter}': {reason}",
            extensions: new Dictionary<string, object?> { ["parameter"] = parameter });

    /// <summary>404 for an unknown resource.</summary>
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);
}

/// <summary>Thrown while reading query parameters; turned into a 400 problem by the endpoint.</summary>
internal sealed class BadParameterException(string parameter, string reason) : Exception($"parameter '{parameter}': {reason}")
{
    public string Parameter { get; } = parameter;

    public string Reason { get; } = reason;
}

/// <summary>Thrown when a query's answer would pass a configured bound; turned into a 422 problem.</summary>
internal sealed class QueryTooLargeException(string message) : Exception(message);
