namespace Vigil.Client;

/// <summary>
/// Filters of <c>GET /api/v1/telemetry/logs</c>; null members are not sent and the server's defaults apply.
/// </summary>
public sealed record LogSearch
{
    /// <summary>Only records of this <c>service.name</c>.</summary>
    public string? Service { get; init; }

    /// <summary>Only records of this <c>deployment.environment.name</c>.</summary>
    public string? Environment { get; init; }

    /// <summary>Only records of this <c>service.version</c>.</summary>
    public string? Version { get; init; }

    /// <summary>The minimum severity: a text such as <c>warn</c> or an OTLP severity number such as <c>13</c>.</summary>
    public string? Severity { get; init; }

    /// <summary>The start of the time window, inclusive.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>The end of the time window.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Only records whose body contains this text.</summary>
    public string? Contains { get; init; }

    /// <summary>Only records of this trace (32 hex characters).</summary>
    public string? TraceId { get; init; }

    /// <summary>Only records of this log template id (with its aliases); needs <see cref="Service"/>.</summary>
    public long? TemplateId { get; init; }

    /// <summary>The most records in one page.</summary>
    public int? Limit { get; init; }

    /// <summary>The <see cref="Contracts.LogsResponse.NextPageToken"/> of the previous page.</summary>
    public string? PageToken { get; init; }
}
