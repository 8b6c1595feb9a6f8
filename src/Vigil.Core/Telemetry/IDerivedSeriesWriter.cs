namespace Vigil.Core.Telemetry;

/// <summary>
/// Where every series Vigil derives goes (span metrics now; check, template and anomaly series later): the embedded
/// store and, when an external metrics source is configured, that server's remote-write endpoint through a persisted
/// queue. Producers call only this; which destinations there are is the host's business.
/// </summary>
public interface IDerivedSeriesWriter
{
    /// <summary>
    /// Writes derived samples. Each series' samples must come in time order across calls (the external server refuses
    /// older samples than it has). Completes once the samples are durable locally and queued for remote-write.
    /// Throws <see cref="StoreOverloadedException"/> as <see cref="ITelemetryWriter.AppendAsync"/> does; returns what
    /// the local store refused.
    /// </summary>
    ValueTask<AppendResult> WriteAsync(IReadOnlyList<SeriesSample> samples, CancellationToken cancellationToken);
}
