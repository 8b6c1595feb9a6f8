namespace Vigil.Client.Contracts;

/// <summary>
/// One item of an uploaded snapshot. A secret has <see cref="Value"/> null, <see cref="Secret"/> true and
/// <see cref="SecretHmac"/> set only when the snapshot was taken with <c>VIGIL_DRIFT_KEY</c>.
/// </summary>
public sealed record SnapshotItemDto(string Category, string Kind, string Key, string? Value, string? Source, bool Secret = false, string? SecretHmac = null);

/// <summary>Body of <c>POST /api/v1/drift/snapshots</c> (ingest key), and what <c>vigil drift snapshot --out</c> writes.</summary>
public sealed record DriftSnapshotDto(string Environment, string? Service, DateTimeOffset TakenAt, string Host, IReadOnlyList<SnapshotItemDto> Items);

/// <summary>A stored snapshot without its items.</summary>
public sealed record DriftSnapshotSummaryDto(string Id, string Environment, string? Service, DateTimeOffset TakenAt, string Host, int Items);

/// <summary>Answer of <c>GET /api/v1/drift/snapshots</c>, newest first.</summary>
public sealed record DriftSnapshotsResponse(IReadOnlyList<DriftSnapshotSummaryDto> Snapshots);

/// <summary>
/// One difference. <see cref="Change"/> is <c>missing</c> (left only), <c>unexpected</c> (right only) or <c>changed</c>;
/// <see cref="Risk"/> is <c>high</c>, <c>medium</c> or <c>low</c>.
/// </summary>
public sealed record DriftItemDto(string Change, string Category, string Kind, string Key, string? Left, string? Right, string Risk, string Why);

/// <summary>
/// Answer of <c>GET /api/v1/drift/compare?left=uat&amp;right=prod</c>, highest risk first. <see cref="Notes"/> says
/// what the items cannot: secrets with the same fingerprint ("same secret"), secrets that could not be compared,
/// what each policy ignored.
/// </summary>
public sealed record DriftReportDto(string Left, string Right, DateTimeOffset LeftTakenAt, DateTimeOffset RightTakenAt, IReadOnlyList<DriftItemDto> Items, int Ignored, IReadOnlyList<string>? Notes = null);
