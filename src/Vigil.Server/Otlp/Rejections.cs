using Vigil.Core.Telemetry;

namespace Vigil.Server.Otlp;

/// <summary>
/// The items of one request rejected so far, by reason, and the message of the first one: what OTLP partial success
/// reports (<c>rejected_*</c> and <c>error_message</c>). Not thread-safe: one per request.
/// </summary>
internal sealed class Rejections
{
    private List<(string Reason, long Count)>? _byReason;

    /// <summary>How many items were rejected.</summary>
    public long Count { get; private set; }

    /// <summary>The message of the first rejection, or null.</summary>
    public string? FirstMessage { get; private set; }

    /// <summary>The counts by reason (a small, fixed vocabulary).</summary>
    public IReadOnlyList<(string Reason, long Count)> ByReason => _byReason ?? [];

    /// <summary>Records <paramref name="count"/> items rejected for a reason; the message is kept when it is the first.</summary>
    public void Add(string reason, string message, long count = 1)
    {
        if (count <= 0)
        {
            return;
        }

        Count += count;
        FirstMessage ??= message;
        _byReason ??= [];
        for (var i = 0; i < _byReason.Count; i++)
        {
            if (_byReason[i].Reason == reason)
            {
                _byReason[i] = (reason, _byReason[i].Count + count);
                return;
            }
        }

        _byReason.Add((reason, count));
    }

    /// <summary>
    /// Whether the next rejection's message will be kept: callers build messages (which name the offending item) only
    /// then, so rejecting many points costs no allocation per point.
    /// </summary>
    public bool WantsMessage => FirstMessage is null;
}

/// <summary>Whether a request was taken (possibly in part) or must be retried later.</summary>
internal enum IngestStatus
{
    /// <summary>Taken: what was accepted is durable; <see cref="IngestOutcome.Rejected"/> items were refused for good.</summary>
    Accepted,

    /// <summary>Nothing was taken: the store or intake is overloaded; retry after <see cref="IngestOutcome.RetryAfter"/>.</summary>
    Overloaded,
}

/// <summary>The transport-neutral answer to one OTLP export, which the HTTP and gRPC adapters translate.</summary>
internal readonly record struct IngestOutcome(IngestStatus Status, long Rejected, string? Message, TimeSpan RetryAfter)
{
    public static IngestOutcome Overloaded(string message, TimeSpan retryAfter) => new(IngestStatus.Overloaded, 0, message, retryAfter);
}

/// <summary>The last step of logs and traces intake, shared by both signals: append, then account the request.</summary>
internal static class IngestAppend
{
    /// <summary>
    /// Appends <paramref name="batch"/> (of <paramref name="items"/> log records or spans) when it is not empty, and
    /// counts accepted, rejected and overloaded items in <see cref="Diagnostics.VigilMetrics"/>. A full store becomes an
    /// <see cref="IngestStatus.Overloaded"/> outcome; otherwise the outcome carries the rejections as partial success.
    /// </summary>
    public static async ValueTask<IngestOutcome> AppendAsync(
        ITelemetryWriter writer,
        Diagnostics.VigilMetrics metrics,
        string signal,
        string transport,
        TelemetryBatch batch,
        int items,
        Rejections rejections,
        CancellationToken cancellationToken)
    {
        if (items > 0)
        {
            try
            {
                await writer.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreOverloadedException ex)
            {
                metrics.IntakeRejected(signal, OtlpConstants.Reasons.Overloaded, items);
                metrics.IntakeRequest(OtlpConstants.Outcomes.Overloaded);
                return IngestOutcome.Overloaded(ex.Message, ex.RetryAfter);
            }
        }

        metrics.IntakeAccepted(signal, transport, items);
        foreach (var (reason, count) in rejections.ByReason)
        {
            metrics.IntakeRejected(signal, reason, count);
        }

        metrics.IntakeRequest(rejections.Count == 0 ? OtlpConstants.Outcomes.Ok : OtlpConstants.Outcomes.Partial);
        return new IngestOutcome(IngestStatus.Accepted, rejections.Count, rejections.FirstMessage, TimeSpan.Zero);
    }
}
