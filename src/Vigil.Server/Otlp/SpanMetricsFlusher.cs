using Microsoft.Extensions.Logging;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Hosting;

namespace Vigil.Server.Otlp;

/// <summary>
/// Writes the span metrics (<see cref="SpanMetricsAggregator.Collect"/>) through <see cref="IDerivedSeriesWriter"/> (the
/// store, and the external metrics source's remote-write queue when one is configured) every
/// <see cref="SpanMetricsOptions.FlushInterval"/>, and once more on shutdown. Values are cumulative, so a flush the store
/// refuses (overload) loses nothing: the next one writes the totals again.
/// </summary>
internal sealed class SpanMetricsFlusher(
    SpanMetricsAggregator aggregator,
    IDerivedSeriesWriter writer,
    SpanMetricsOptions options,
    TimeProvider time,
    ILogger<SpanMetricsFlusher> logger) : PeriodicFlushService(options.FlushInterval, time)
{
    // One flush can be 245 samples per label set; appending in slices keeps each batch a size the store's write queue
    // takes like any intake request.
    private const int SamplesPerAppend = 10_000;

    /// <summary>Collects the current span metrics and appends them; failures are logged, never thrown.</summary>
    internal override async Task FlushAsync(CancellationToken cancellationToken)
    {
        var samples = aggregator.Collect(Time.GetUtcNow());
        if (samples.Count == 0)
        {
            return;
        }

        try
        {
            var refused = 0;
            for (var offset = 0; offset < samples.Count; offset += SamplesPerAppend)
            {
                var slice = samples.Count <= SamplesPerAppend
                    ? samples
                    : samples.Skip(offset).Take(SamplesPerAppend).ToList();
                var result = await writer.WriteAsync(slice, cancellationToken).ConfigureAwait(false);
                refused += result.RejectedSamples;
            }

            OtlpLog.SpanMetricsFlushed(logger, samples.Count, refused);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OtlpLog.SpanMetricsFlushFailed(logger, ex);
        }
    }
}
