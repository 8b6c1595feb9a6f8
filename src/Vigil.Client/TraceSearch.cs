namespace Vigil.Client;

/// <summary>
/// Filters of <c>GET /api/v1/telemetry/traces</c>; null members are not sent and the server's defaults apply.
/// </summary>
public sealed record TraceSearch
{
    /// <summary>Only traces with a span of this <c>service.name</c>.</summary>
    public string? Service { get; init; }

    /// <summary>Only traces with a span of this name.</summary>
    public string? Operation { get; init; }

    /// <summary><c>ok</c>, <c>error</c> or <c>unset</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Only traces at least this long; sent in whole milliseconds.</summary>
    public TimeSpan? MinDuration { get; init; }

    /// <summary>The start of the time window, inclusive.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>The end of the time window.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>The most traces returned.</summary>
    public int? Limit { get; init; }
}
