using Vigil.Client.Contracts;

namespace Vigil.Client;

/// <summary>The Vigil server answered with an error status; <see cref="Problem"/> says what it reported.</summary>
public sealed class VigilApiException : Exception
{
    /// <summary>Creates the exception for an answer with <paramref name="statusCode"/> and its problem detail.</summary>
    public VigilApiException(int statusCode, ProblemDetailsDto problem)
        : base(Describe(statusCode, problem))
    {
        StatusCode = statusCode;
        Problem = problem;
    }

    /// <summary>The HTTP status code of the answer.</summary>
    public int StatusCode { get; }

    /// <summary>The problem detail the server sent, or one made from the status when it sent none.</summary>
    public ProblemDetailsDto Problem { get; }

    private static string Describe(int statusCode, ProblemDetailsDto problem)
    {
        var title = string.IsNullOrWhiteSpace(problem.Title) ? "Request failed" : problem.Title;
        return string.IsNullOrWhiteSpace(problem.Detail)
            ? $"{title} (HTTP {statusCode})"
            : $"{title} (HTTP {statusCode}): {problem.Detail}";
    }
}
