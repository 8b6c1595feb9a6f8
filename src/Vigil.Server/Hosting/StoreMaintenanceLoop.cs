using Vigil.Core.Telemetry;
using Vigil.Server.Configuration;

namespace Vigil.Server.Hosting;

/// <summary>Periodically compacts the telemetry store's head into blocks and applies retention.</summary>
internal sealed partial class StoreMaintenanceLoop(ITelemetryStore store, ServerOptions options, TimeProvider time, ILogger<StoreMaintenanceLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.MaintenanceInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await store.FlushAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogMaintenanceFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Telemetry store maintenance failed; retrying at the next interval")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
