using Vigil.Core.Releases;
using Vigil.Storage.State;

namespace Vigil.Server.Releases;

/// <summary>
/// Creates releases for the triples <see cref="ReleaseDetector"/> queues, with source <c>telemetry</c>:
/// <list type="bullet">
/// <item>a triple that already has a release (created by CI before its telemetry arrived, or before a restart) is left as it is;</item>
/// <item>the first version of a service in an environment becomes <see cref="ReleaseState.Baseline"/>: there is nothing to compare it with, so it is not verified;</item>
/// <item>a later new version becomes <see cref="ReleaseState.Pending"/>, which the verification loop picks up;</item>
/// <item>telemetry without <c>deployment.environment.name</c> (or <c>deployment.environment</c>) creates no release, because
/// verification selects series by that label and could never find this release's data; this is logged once per triple.</item>
/// </list>
/// </summary>
internal sealed partial class ReleaseDetectionService(
    ReleaseDetector detector, SqliteReleaseStore store, TimeProvider time, ILogger<ReleaseDetectionService> log) : BackgroundService
{
    /// <summary>The actor of the creation event of releases made from telemetry.</summary>
    public const string Actor = "telemetry";

    /// <summary>Handles one sighting; returns the release created, or null when none was.</summary>
    public async Task<Release?> ProcessAsync(ServiceVersion seen, CancellationToken cancellationToken)
    {
        if (seen.Environment.Length == 0)
        {
            if (log.IsEnabled(LogLevel.Information))
            {
                var (service, version) = (Printable(seen.Service), Printable(seen.Version));
                LogNoEnvironment(log, service, version);
            }

            return null;
        }

        var now = time.GetUtcNow();
        var release = new NewRelease(seen.Service, seen.Version, seen.Environment, Source: ReleaseSource.Telemetry);
        if (SqliteReleaseStore.Check(release, now) is { } error)
        {
            if (log.IsEnabled(LogLevel.Warning))
            {
                var (service, version) = (Printable(seen.Service), Printable(seen.Version));
                LogUnusable(log, service, version, error.Field, error.Reason);
            }

            return null;
        }

        if (await store.FindAsync(seen.Service, seen.Version, seen.Environment, cancellationToken) is not null)
        {
            return null;
        }

        var first = (await store.ListAsync(new ReleaseQuery(seen.Service, seen.Environment, Limit: 1), cancellationToken)).Count == 0;
        var (stored, created) = await store.CreateOrGetAsync(
            release, first ? ReleaseState.Baseline : ReleaseState.Pending, Actor, now, cancellationToken);
        if (!created)
        {
            return null;
        }

        var stateText = SqliteReleaseStore.StateText(stored.State);
        LogCreated(log, stored.Service, stored.Version, stored.Environment, stored.Id, stateText);
        return stored;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var seen in detector.Sightings.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ProcessAsync(seen, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The state database is busy or failing: forget the triple so that its next sighting retries.
                    detector.Forget(seen);
                    if (log.IsEnabled(LogLevel.Warning))
                    {
                        var (service, version, environment) = (Printable(seen.Service), Printable(seen.Version), Printable(seen.Environment));
                        LogFailed(log, service, version, environment, e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: sightings still queued are seen again after the restart.
        }
    }

    // Telemetry text in a log line: control characters (forged line breaks, escapes) replaced, length bounded.
    private static string Printable(string text)
    {
        const int MaxLength = 120;
        var clipped = text.Length <= MaxLength ? text : text[..MaxLength] + "...";
        return clipped.Any(char.IsControl) ? string.Concat(clipped.Select(c => char.IsControl(c) ? '?' : c)) : clipped;
    }

    [LoggerMessage(EventId = 4400, Level = LogLevel.Information, Message = "New release from telemetry: {Service} {Version} in {Environment} ({ReleaseId}, {State})")]
    private static partial void LogCreated(ILogger logger, string service, string version, string environment, string releaseId, string state);

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Telemetry of {Service} {Version} has no deployment.environment.name; no release is created for it (verification selects series by that label)")]
    private static partial void LogNoEnvironment(ILogger logger, string service, string version);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Telemetry of {Service} {Version} cannot become a release: {Field} {Reason}")]
    private static partial void LogUnusable(ILogger logger, string service, string version, string field, string reason);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "Could not record the release {Service} {Version} in {Environment} seen in telemetry; retried when seen again")]
    private static partial void LogFailed(ILogger logger, string service, string version, string environment, Exception exception);
}
