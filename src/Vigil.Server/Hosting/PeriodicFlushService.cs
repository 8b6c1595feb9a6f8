using Microsoft.Extensions.Hosting;

namespace Vigil.Server.Hosting;

/// <summary>
/// A background service that flushes every <c>interval</c> on the host's clock and once more when the host stops, so
/// what it accumulates in memory (span metrics, log counters, miner state) is written before shutdown.
/// </summary>
internal abstract class PeriodicFlushService(TimeSpan interval, TimeProvider time) : BackgroundService
{
    /// <summary>The host's clock.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>One flush; implementations log their failures and never throw them.</summary>
    internal abstract Task FlushAsync(CancellationToken cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; StopAsync flushes once more.
        }
    }
}
