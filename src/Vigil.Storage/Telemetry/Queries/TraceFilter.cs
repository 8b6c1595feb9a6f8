using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>A <see cref="TraceQuery"/> prepared for scanning.</summary>
internal sealed class TraceFilter(TraceQuery query)
{
    public string? Service { get; } = string.IsNullOrEmpty(query.Service) ? null : query.Service;

    public string? Operation { get; } = string.IsNullOrEmpty(query.Operation) ? null : query.Operation;

    public SpanStatusCode? Status { get; } = query.Status;

    public long Start { get; } = query.StartUnixNano ?? long.MinValue;

    public long End { get; } = query.EndUnixNano ?? long.MaxValue;

    public double MinDurationSeconds { get; } = query.MinDurationSeconds ?? 0;

    public bool HasSpanFilter => Service is not null || Operation is not null || Status is not null;

    public bool SpanMatches(string service, string name, SpanStatusCode status) =>
        (Service is null || string.Equals(service, Service, StringComparison.Ordinal)) &&
        (Operation is null || string.Equals(name, Operation, StringComparison.Ordinal)) &&
        (Status is null || status == Status);

    public bool SpanMatches(SpanRecord span) => SpanMatches(span.Resource.ServiceName, span.Name, span.StatusCode);
}

/// <summary>
/// What one source (the head or a block) knows about a trace. Partials of the same trace from several sources merge
/// into the full summary: a trace's spans may be spread over the head and blocks.
/// </summary>
internal sealed class TracePartial(string traceId)
{
    public string TraceId { get; } = traceId;

    public long Start { get; set; } = long.MaxValue;

    public long End { get; set; } = long.MinValue;

    public int SpanCount { get; set; }

    public bool HasError { get; set; }

    /// <summary>Whether any span matched the query's service, operation and status filters.</summary>
    public bool Matched { get; set; }

    public string RootService { get; set; } = string.Empty;

    public string RootName { get; set; } = string.Empty;

    /// <summary>Whether the root fields come from a span without a parent (otherwise from the earliest span).</summary>
    public bool RootIsParentless { get; set; }

    public long RootStart { get; set; } = long.MaxValue;

    public void AddSpan(string service, string name, bool parentless, long start, long end, SpanStatusCode status)
    {
        Start = Math.Min(Start, start);
        End = Math.Max(End, end);
        SpanCount++;
        HasError |= status == SpanStatusCode.Error;
        OfferRoot(service, name, parentless, start);
    }

    public void Merge(TracePartial other)
    {
        Start = Math.Min(Start, other.Start);
        End = Math.Max(End, other.End);
        SpanCount += other.SpanCount;
        HasError |= other.HasError;
        Matched |= other.Matched;
        if (other.SpanCount > 0)
        {
            OfferRoot(other.RootService, other.RootName, other.RootIsParentless, other.RootStart);
        }
    }

    public TraceSummary ToSummary() => new(TraceId, RootService, RootName, Start, End, SpanCount, HasError);

    private void OfferRoot(string service, string name, bool parentless, long start)
    {
        // A parentless span is the root; without one, the earliest span stands in for it.
        var better = (parentless && !RootIsParentless) || (parentless == RootIsParentless && start < RootStart);
        if (better)
        {
            RootService = service;
            RootName = name;
            RootIsParentless = parentless;
            RootStart = start;
        }
    }
}
