using Microsoft.Extensions.Hosting;

namespace Vigil.Server.Verification;

/// <summary>
/// Runs the verification loop every <see cref="VerificationOptions.TickInterval"/> on the host's clock: starts runs for
/// new releases and makes due looks (<see cref="VerificationCoordinator.TickAsync"/>). Running runs are in the state
/// database, so after a restart the loop simply resumes them. A failing tick is logged and the loop goes on.
/// </summary>
internal sealed partial class VerificationLoop(IServiceProvider services, VerificationOptions options, TimeProvider time, ILogger<VerificationLoop> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        VerificationCoordinator coordinator;
        try
        {
            coordinator = services.GetRequiredService<VerificationCoordinator>();
        }
        catch (InvalidOperationException e)
        {
            // A host without a release store (a partial build) runs without verification rather than not at all.
            LogDisabled(log, e.Message);
            return;
        }

        using var timer = new PeriodicTimer(options.TickInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await coordinator.TickAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogTickFailed(log, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: running runs stay Running in the database and resume at the next start.
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "A verification tick failed; the loop goes on")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Release verification is disabled: {Reason}")]
    private static partial void LogDisabled(ILogger logger, string reason);
}
