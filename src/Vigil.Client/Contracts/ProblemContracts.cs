using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Client.Contracts;

/// <summary>An RFC 9457 problem detail, as Vigil's REST API answers every error.</summary>
public sealed record ProblemDetailsDto
{
    /// <summary>A URI naming the kind of problem; <c>about:blank</c> when the status says it all.</summary>
    public string? Type { get; init; }

    /// <summary>A short summary of the kind of problem, the same for every occurrence.</summary>
    public string? Title { get; init; }

    /// <summary>The HTTP status code.</summary>
    public int? Status { get; init; }

    /// <summary>What went wrong this time, for a person.</summary>
    public string? Detail { get; init; }

    /// <summary>A URI naming this occurrence.</summary>
    public string? Instance { get; init; }

    /// <summary>Members beyond the standard ones (for example <c>errors</c> or <c>traceId</c>).</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extensions { get; init; }
}
