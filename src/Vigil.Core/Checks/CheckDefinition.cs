namespace Vigil.Core.Checks;

/// <summary>The protocol a check speaks.</summary>
public enum CheckType
{
    /// <summary>One HTTP(S) request with assertions on the response.</summary>
    Http,

    /// <summary>A TCP connect, optionally sending bytes and expecting a reply.</summary>
    Tcp,

    /// <summary>A DNS query against a given resolver, with expected answers.</summary>
    Dns,

    /// <summary>A TLS handshake that judges the server certificate (expiry, chain, host name).</summary>
    Tls,

    /// <summary>The gRPC health checking protocol (<c>grpc.health.v1.Health/Check</c>).</summary>
    Grpc,

    /// <summary>A multi-step API flow: HTTP steps in order, with variables passed from one response to the next.</summary>
    Flow,
}

/// <summary>How a check run ended. Degraded sits between pass and fail: a soft assertion failed or the run was slow.</summary>
public enum CheckOutcome
{
    /// <summary>Every assertion held.</summary>
    Pass,

    /// <summary>Only soft assertions failed, or the run took longer than the check's degraded threshold.</summary>
    Degraded,

    /// <summary>A hard assertion failed, or the target could not be reached within the timeout.</summary>
    Fail,
}

/// <summary>Retries of a failed run before it counts as failed: attempts after the first, with a growing wait.</summary>
/// <param name="Retries">How many times a failed run is tried again (0 = no retry).</param>
/// <param name="InitialBackoff">The wait before the first retry.</param>
/// <param name="Multiplier">Each further wait is the previous one times this (at least 1).</param>
public sealed record RetryPolicy(int Retries, TimeSpan InitialBackoff, double Multiplier)
{
    /// <summary>No retries.</summary>
    public static RetryPolicy None { get; } = new(0, TimeSpan.Zero, 1);
}

/// <summary>
/// A time when a check's failures are expected and do not count: either one absolute window (<paramref name="From"/> to
/// <paramref name="Until"/>) or a weekly recurring one (<paramref name="Days"/>, <paramref name="DailyFrom"/> to
/// <paramref name="DailyUntil"/>, in UTC). Runs still happen and are recorded, marked as in maintenance.
/// </summary>
/// <param name="From">Start of an absolute window, or null for a recurring one.</param>
/// <param name="Until">End of an absolute window (exclusive), or null for a recurring one.</param>
/// <param name="Days">Days a recurring window applies on (empty for an absolute window).</param>
/// <param name="DailyFrom">Start time of day of a recurring window, UTC.</param>
/// <param name="DailyUntil">End time of day of a recurring window, UTC (exclusive; before DailyFrom means it runs past midnight).</param>
public sealed record MaintenanceWindow(DateTimeOffset? From, DateTimeOffset? Until, IReadOnlyList<DayOfWeek> Days, TimeOnly? DailyFrom, TimeOnly? DailyUntil);

/// <summary>
/// The protocol-specific part of a check (URL, assertions, steps, ...). Each <see cref="CheckType"/> has its own
/// subclass, defined next to its runner.
/// </summary>
public abstract record CheckSpec;

/// <summary>
/// A synthetic check, as read from a <c>kind: Check</c> document. Secrets are referenced by environment variable name
/// inside <see cref="Spec"/> and resolved only by the process that runs the check.
/// </summary>
/// <param name="Name">Unique name (<c>metadata.name</c>).</param>
/// <param name="Type">The protocol.</param>
/// <param name="Interval">How often the check runs at each location.</param>
/// <param name="Timeout">The longest one attempt may take.</param>
/// <param name="Retry">Retries of a failed attempt.</param>
/// <param name="Locations">Where it runs (<c>local</c> is the server itself); never empty.</param>
/// <param name="Quorum">How many locations must fail for the check to fail (1 ≤ Quorum ≤ Locations.Count).</param>
/// <param name="DegradedAfter">A run slower than this is Degraded, or null for no such threshold.</param>
/// <param name="Maintenance">Windows when failures do not count.</param>
/// <param name="Labels">Labels put on the check's series and events; <c>service</c> and <c>environment</c> link it to releases.</param>
/// <param name="Spec">The protocol-specific part.</param>
public sealed record CheckDefinition(
    string Name,
    CheckType Type,
    TimeSpan Interval,
    TimeSpan Timeout,
    RetryPolicy Retry,
    IReadOnlyList<string> Locations,
    int Quorum,
    TimeSpan? DegradedAfter,
    IReadOnlyList<MaintenanceWindow> Maintenance,
    IReadOnlyDictionary<string, string> Labels,
    CheckSpec Spec)
{
    /// <summary>The location name of the server itself.</summary>
    public const string LocalLocation = "local";

    /// <summary>The service this check belongs to (label <c>service</c>), or null.</summary>
    public string? Service => Labels.GetValueOrDefault("service");

    /// <summary>The environment this check watches (label <c>environment</c>), or null.</summary>
    public string? Environment => Labels.GetValueOrDefault("environment");
}
