using Vigil.Core.Telemetry;
using Vigil.Storage.RemoteWrite;

namespace Vigil.Server.RemoteWrite;

/// <summary>
/// Writes derived series to the embedded store and, when an external metrics source is configured, appends them to the
/// persisted remote-write queue first (so a store overload does not keep them from the external server).
/// </summary>
internal sealed partial class DerivedSeriesWriter(
    ITelemetryWriter store,
    RemoteWriteQueue? queue,
    RemoteWriteMetrics? metrics,
    ILogger<DerivedSeriesWriter> logger) : IDerivedSeriesWriter
{
    /// <inheritdoc />
    public async ValueTask<AppendResult> WriteAsync(IReadOnlyList<SeriesSample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return AppendResult.Accepted;
        }

        if (queue is not null)
        {
            try
            {
                var queued = queue.Append(samples);
                metrics?.Enqueued(queued.Queued);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                metrics?.EnqueueFailed(samples.Count);
                LogEnqueueFailed(logger, samples.Count, queue.Directory, ex.Message);
            }
        }

        return await store.AppendAsync(TelemetryBatch.OfSamples(samples), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3320, Level = LogLevel.Error, Message = "Could not queue {Samples} derived samples for remote-write in {Directory}: {Reason}")]
    private static partial void LogEnqueueFailed(ILogger logger, int samples, string directory, string reason);
}
