using System.Globalization;
using System.Text;
using Vigil.Storage.RemoteWrite;

namespace Vigil.Server.RemoteWrite;

/// <summary>Counters of the remote-write sender and its queue, written at <c>/metrics</c> (fixed label vocabulary).</summary>
internal sealed class RemoteWriteMetrics(RemoteWriteQueue queue)
{
    private long _enqueued;
    private long _enqueueFailed;
    private long _sent;
    private long _rejected;
    private long _requestsOk;
    private long _requestsRejected;
    private long _requestsRetried;

    public long SentSamples => Interlocked.Read(ref _sent);

    public long RejectedSamples => Interlocked.Read(ref _rejected);

    public void Enqueued(long samples) => Interlocked.Add(ref _enqueued, samples);

    public void EnqueueFailed(long samples) => Interlocked.Add(ref _enqueueFailed, samples);

    public void Sent(long samples)
    {
        Interlocked.Add(ref _sent, samples);
        Interlocked.Increment(ref _requestsOk);
    }

    public void Rejected(long samples)
    {
        Interlocked.Add(ref _rejected, samples);
        Interlocked.Increment(ref _requestsRejected);
    }

    public void Retried() => Interlocked.Increment(ref _requestsRetried);

    public void WriteTo(StringBuilder sb)
    {
        sb.Append("# HELP vigil_remote_write_samples_total Derived samples by what became of them: queued, sent, rejected by the server (4xx), dropped_queue_full (oldest, to stay within metricsSource.queueMaxBytes), refused_too_big, enqueue_failed.\n");
        sb.Append("# TYPE vigil_remote_write_samples_total counter\n");
        Sample(sb, "vigil_remote_write_samples_total", "outcome", "queued", Interlocked.Read(ref _enqueued));
        Sample(sb, "vigil_remote_write_samples_total", "outcome", "sent", Interlocked.Read(ref _sent));
        Sample(sb, "vigil_remote_write_samples_total", "outcome", "rejected", Interlocked.Read(ref _rejected));
        Sample(sb, "vigil_remote_write_samples_total", "outcome", "dropped_queue_full", queue.DroppedSamples);
        Sample(sb, "vigil_remote_write_samples_total", "outcome", "refused_too_big", queue.RefusedSamples);
        Sample(sb, "vigil_remote_write_samples_total", "outcome", "enqueue_failed", Interlocked.Read(ref _enqueueFailed));
        sb.Append("# HELP vigil_remote_write_requests_total Remote-write requests by outcome: ok, rejected (4xx, dropped), retried (5xx, 429 or network).\n");
        sb.Append("# TYPE vigil_remote_write_requests_total counter\n");
        Sample(sb, "vigil_remote_write_requests_total", "outcome", "ok", Interlocked.Read(ref _requestsOk));
        Sample(sb, "vigil_remote_write_requests_total", "outcome", "rejected", Interlocked.Read(ref _requestsRejected));
        Sample(sb, "vigil_remote_write_requests_total", "outcome", "retried", Interlocked.Read(ref _requestsRetried));
        sb.Append("# HELP vigil_remote_write_queue_corrupt_records_total Queue records skipped because they were damaged on disk.\n");
        sb.Append("# TYPE vigil_remote_write_queue_corrupt_records_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"vigil_remote_write_queue_corrupt_records_total {queue.CorruptRecords}\n");
        Gauge(sb, "vigil_remote_write_queue_bytes", "Bytes of the remote-write queue on disk.", queue.SizeBytes);
        Gauge(sb, "vigil_remote_write_queue_pending_bytes", "Bytes of the remote-write queue not yet acknowledged by the server.", queue.PendingBytes);
        Gauge(sb, "vigil_remote_write_queue_max_bytes", "The bound on the remote-write queue (metricsSource.queueMaxBytes).", queue.MaxBytes);
    }

    private static void Sample(StringBuilder sb, string name, string label, string value, long count) =>
        sb.Append(CultureInfo.InvariantCulture, $"{name}{{{label}=\"{value}\"}} {count}\n");

    private static void Gauge(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}
