using Vigil.Core.Checks;
using Vigil.Core.Checks.Scheduling;
using Vigil.Storage.State;

namespace Vigil.Server.Checks;

/// <summary>
/// Runs checks on the server: loads the stored Check objects and re-reads them every
/// <see cref="ChecksOptions.ReloadInterval"/> (deciding every check again then, so a silent location goes stale on its
/// own), seeds the latest results from the store, writes results as they come, and (unless
/// <see cref="ChecksOptions.LocalLocation"/> is false) runs the checks assigned to location <c>local</c> with a
/// <see cref="CheckScheduler"/>.
/// </summary>
internal sealed partial class ChecksService(
    CheckCatalog catalog,
    CheckResultProcessor processor,
    SqliteCheckResultStore store,
    ICheckExecutor executor,
    TimeProvider time,
    ChecksOptions options,
    ILogger<ChecksService> logger) : BackgroundService
{
    private CheckScheduler? _scheduler;

    /// <summary>The local scheduler, or null when location <c>local</c> is off or not started yet.</summary>
    public CheckScheduler? Scheduler => _scheduler;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            Log.Disabled(logger);
            return;
        }

        // Until the first load succeeds, nothing runs and no stored result is judged against a check it may not belong to.
        while (await TryReloadAsync(stoppingToken).ConfigureAwait(false) is null)
        {
            try
            {
                await Task.Delay(options.ReloadInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        try
        {
            processor.Seed(await store.LatestAsync(stoppingToken).ConfigureAwait(false));
            await PruneDeletedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception ex)
        {
            Log.SeedFailed(logger, ex);
        }

        var writer = processor.RunWriterAsync(stoppingToken);
        Task? local = null;
        if (options.LocalLocation)
        {
            var scheduler = new CheckScheduler(
                executor,
                (result, _) => { processor.TryAccept([result]); return ValueTask.CompletedTask; },
                time,
                new CheckSchedulerOptions
                {
                    Location = CheckDefinition.LocalLocation,
                    MaxConcurrentRuns = options.MaxConcurrentRuns,
                    OnError = (check, ex) => Log.RunError(logger, check, ex),
                });
            scheduler.Update(LocalChecks(catalog.Current));
            catalog.Changed += snapshot => scheduler.Update(LocalChecks(snapshot));
            _scheduler = scheduler;
            local = scheduler.RunAsync(stoppingToken);
        }

        using (var timer = new PeriodicTimer(options.ReloadInterval, time))
        {
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (await TryReloadAsync(stoppingToken).ConfigureAwait(false) is true)
                    {
                        await PruneDeletedAsync(stoppingToken).ConfigureAwait(false);
                    }

                    // Staleness moves with the clock: a location that stopped reporting changes the decision on its own.
                    processor.Redecide();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping.
            }
        }

        if (local is not null)
        {
            await local.ConfigureAwait(false);
        }

        await writer.ConfigureAwait(false);
    }

    private static List<CheckDefinition> LocalChecks(CatalogSnapshot snapshot) =>
        [.. snapshot.AssignedTo(CheckDefinition.LocalLocation).Select(c => c.Definition)];

    // Whether the checks changed, or null when the store could not be read.
    private async Task<bool?> TryReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.ReloadFailed(logger, ex);
            return null;
        }
    }

    // Results of checks that were deleted or pruned go with them, so the table stays bounded by the checks that exist.
    private async Task PruneDeletedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await store.DeleteOtherChecksAsync(catalog.Current.StoredNames.ToList(), cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                Log.Pruned(logger, deleted);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.PruneFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 8030, Level = LogLevel.Information, Message = "Checks are disabled (checks.enabled: false)")]
        public static partial void Disabled(ILogger logger);

        [LoggerMessage(EventId = 8031, Level = LogLevel.Warning, Message = "Checks: cannot read the stored Check objects; retrying")]
        public static partial void ReloadFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 8032, Level = LogLevel.Warning, Message = "Checks: cannot read the latest stored results; statuses start unknown")]
        public static partial void SeedFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 8033, Level = LogLevel.Error, Message = "Check {Check}: the run or its result handling failed")]
        public static partial void RunError(ILogger logger, string check, Exception exception);

        [LoggerMessage(EventId = 8034, Level = LogLevel.Information, Message = "Checks: {Count} result(s) of deleted checks removed")]
        public static partial void Pruned(ILogger logger, int count);

        [LoggerMessage(EventId = 8035, Level = LogLevel.Warning, Message = "Checks: cannot remove results of deleted checks")]
        public static partial void PruneFailed(ILogger logger, Exception exception);
    }
}
