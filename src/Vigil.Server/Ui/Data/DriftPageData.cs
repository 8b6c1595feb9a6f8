using Vigil.Core.Declarative;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Drift.Policy;
using Vigil.Server.Drift;
using Vigil.Server.Ui.Components;

namespace Vigil.Server.Ui.Data;

/// <summary>The newest snapshot of one environment and service, with how many of them are kept.</summary>
/// <param name="Environment">The environment.</param>
/// <param name="Service">The service, or null for snapshots taken without one.</param>
/// <param name="Newest">The newest snapshot's summary.</param>
/// <param name="Kept">How many snapshots of this environment and service were listed.</param>
public sealed record DriftSnapshotGroup(string Environment, string? Service, DriftSnapshotSummary Newest, int Kept);

/// <summary>A comparison's outcome: the report, or a message saying what was wrong with which parameter.</summary>
/// <param name="Report">The report, or null on a problem.</param>
/// <param name="Parameter">The parameter at fault (<c>left</c>, <c>right</c>, <c>service</c>), or null.</param>
/// <param name="Problem">What was wrong and what to do, or null.</param>
/// <param name="Status">The page's HTTP status: 200, 400 for bad input, 404 when a side has no snapshot.</param>
public sealed record DriftComparison(DriftReport? Report, string? Parameter, string? Problem, int Status);

/// <summary>
/// What the drift page reads: stored snapshots and comparisons, through the same store, policies and comparer as
/// <c>GET /api/v1/drift/snapshots</c> and <c>/compare</c>.
/// </summary>
internal sealed class DriftPageData(IDriftSnapshotStore store, IDeclarativeStore objects)
{
    /// <summary>Snapshots read for the list: the newest 1,000 (the store's cap), grouped by environment and service.</summary>
    public const int ListedSnapshots = 1000;

    /// <summary>The newest snapshot of each environment and service, by environment then service.</summary>
    public async Task<IReadOnlyList<DriftSnapshotGroup>> GroupsAsync(CancellationToken cancellationToken)
    {
        var summaries = await store.ListAsync(null, null, ListedSnapshots, cancellationToken);
        return [.. summaries
            .GroupBy(s => (s.Environment, s.Service))
            .Select(g => new DriftSnapshotGroup(g.Key.Environment, g.Key.Service, g.MaxBy(s => s.TakenAt)!, g.Count()))
            .OrderBy(g => g.Environment, StringComparer.Ordinal)
            .ThenBy(g => g.Service ?? string.Empty, StringComparer.Ordinal)];
    }

    /// <summary>Compares <paramref name="leftText"/> with <paramref name="rightText"/> (<c>env</c> or <c>env@time</c>).</summary>
    public async Task<DriftComparison> CompareAsync(string? leftText, string? rightText, string? service, CancellationToken cancellationToken)
    {
        if (!DriftSide.TryParse(leftText, out var left, out var leftError))
        {
            return new(null, "left", leftError, StatusCodes.Status400BadRequest);
        }

        if (!DriftSide.TryParse(rightText, out var right, out var rightError))
        {
            return new(null, "right", rightError, StatusCodes.Status400BadRequest);
        }

        if (service is not null && (service.Length > DriftMapping.MaxServiceLength || service.Any(char.IsControl)))
        {
            return new(null, "service", $"at most {DriftMapping.MaxServiceLength} characters without control characters", StatusCodes.Status400BadRequest);
        }

        var leftSnapshot = await store.FindAsync(left.Environment, service, left.At, cancellationToken);
        if (leftSnapshot is null)
        {
            return new(null, "left", NoSnapshot(left, service), StatusCodes.Status404NotFound);
        }

        var rightSnapshot = await store.FindAsync(right.Environment, service, right.At, cancellationToken);
        if (rightSnapshot is null)
        {
            return new(null, "right", NoSnapshot(right, service), StatusCodes.Status404NotFound);
        }

        var policies = DriftPolicyYaml.ReadStored(await objects.ListAsync(DriftPolicyYaml.Kind, cancellationToken));
        var report = new DriftComparer(policies).Compare(leftSnapshot.Snapshot, rightSnapshot.Snapshot, left.Label, right.Label);
        return new(report, null, null, StatusCodes.Status200OK);
    }

    private static string NoSnapshot(DriftSide side, string? service)
    {
        var of = service is null ? $"{side.Environment} taken without --service" : $"{side.Environment} for service {service}";
        var when = side.At is { } at ? $" at or before {UiFormat.Time(at)} UTC" : string.Empty;
        return $"no snapshot of {of}{when}; upload one with 'vigil drift snapshot --environment {side.Environment}{(service is null ? "" : " --service " + service)}'";
    }
}
