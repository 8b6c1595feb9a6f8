using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    /// <summary>Uploads a snapshot (ingest key); answers its stored summary.</summary>
    public Task<DriftSnapshotSummaryDto> UploadDriftSnapshotAsync(DriftSnapshotDto snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return PostAsync<DriftSnapshotDto, DriftSnapshotSummaryDto>("api/v1/drift/snapshots", snapshot, cancellationToken);
    }

    /// <summary>Stored snapshots, newest first, optionally of one environment or service.</summary>
    public Task<DriftSnapshotsResponse> ListDriftSnapshotsAsync(string? environment = null, string? service = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var route = new QueryString("api/v1/drift/snapshots").Add("environment", environment).Add("service", service).Add("limit", limit);
        return GetAsync<DriftSnapshotsResponse>(route.ToString(), cancellationToken);
    }

    /// <summary>
    /// Compares the latest snapshot of <paramref name="left"/> with that of <paramref name="right"/>. Either side may be
    /// <c>env@time</c> (<c>prod@2026-11-01</c>): the newest snapshot of that environment taken at or before the time.
    /// </summary>
    public Task<DriftReportDto> CompareDriftAsync(string left, string right, string? service = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(left);
        ArgumentException.ThrowIfNullOrWhiteSpace(right);
        var route = new QueryString("api/v1/drift/compare").Add("left", left).Add("right", right).Add("service", service);
        return GetAsync<DriftReportDto>(route.ToString(), cancellationToken);
    }
}
