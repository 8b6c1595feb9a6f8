using Vigil.Core.Telemetry;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>A stored log record with its store-wide sequence number, which orders records of equal time.</summary>
internal readonly record struct StoredLog(long Seq, LogRecord Record)
{
    public LogKey Key => new(Record.TimeUnixNano, Seq);
}

/// <summary>The order of log results: newest first by time, then by sequence. Greater is newer.</summary>
internal readonly record struct LogKey(long Time, long Seq) : IComparable<LogKey>
{
    public static LogKey Max { get; } = new(long.MaxValue, long.MaxValue);

    public int CompareTo(LogKey other)
    {
        var c = Time.CompareTo(other.Time);
        return c != 0 ? c : Seq.CompareTo(other.Seq);
    }

    public static bool operator <(LogKey a, LogKey b) => a.CompareTo(b) < 0;

    public static bool operator >(LogKey a, LogKey b) => a.CompareTo(b) > 0;

    public static bool operator <=(LogKey a, LogKey b) => a.CompareTo(b) <= 0;

    public static bool operator >=(LogKey a, LogKey b) => a.CompareTo(b) >= 0;
}

/// <summary>A <see cref="LogQuery"/> prepared for scanning: the page cursor decoded, the time bounds combined.</summary>
internal sealed class LogFilter
{
    public LogFilter(LogQuery query, LogKey before)
    {
        Service = query.Service;
        Environment = query.Environment;
        Version = query.Version;
        MinSeverity = query.MinSeverityNumber;
        Start = query.StartUnixNano ?? long.MinValue;
        End = Math.Min(query.EndUnixNano ?? long.MaxValue, before.Time);
        Contains = string.IsNullOrEmpty(query.Contains) ? null : query.Contains;
        TraceId = string.IsNullOrEmpty(query.TraceId) ? null : query.TraceId;
        TemplateIds = query.TemplateIds;
        Before = before;
    }

    public string? Service { get; }

    public string? Environment { get; }

    public string? Version { get; }

    public int? MinSeverity { get; }

    /// <summary>Inclusive lower time bound, Unix nanoseconds.</summary>
    public long Start { get; }

    /// <summary>Inclusive upper time bound, Unix nanoseconds (already capped by the cursor's time).</summary>
    public long End { get; }

    public string? Contains { get; }

    public string? TraceId { get; }

    /// <summary>Accepted values of the template id attribute; null accepts any record.</summary>
    public IReadOnlySet<string>? TemplateIds { get; }

    /// <summary>Exclusive upper bound on the result key: the last record of the previous page.</summary>
    public LogKey Before { get; }

    public bool HasResourceFilter => Service is not null || Environment is not null || Version is not null;

    public bool ResourceMatches(TelemetryResource resource) =>
        (Service is null || string.Equals(resource.ServiceName, Service, StringComparison.Ordinal)) &&
        (Environment is null || string.Equals(resource.Environment, Environment, StringComparison.Ordinal)) &&
        (Version is null || string.Equals(resource.ServiceVersion, Version, StringComparison.Ordinal));

    /// <summary>Whether a record passes every filter and lies before the cursor.</summary>
    public bool Matches(in StoredLog log)
    {
        var r = log.Record;
        return r.TimeUnixNano >= Start && r.TimeUnixNano <= End &&
            log.Key < Before &&
            (MinSeverity is null || r.SeverityNumber >= MinSeverity) &&
            (TraceId is null || string.Equals(r.TraceId, TraceId, StringComparison.Ordinal)) &&
            ResourceMatches(r.Resource) &&
            (TemplateIds is null || TemplateMatches(r.Attributes)) &&
            (Contains is null || r.Body.Contains(Contains, StringComparison.OrdinalIgnoreCase));
    }

    private bool TemplateMatches(IReadOnlyList<TelemetryAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            if (string.Equals(attribute.Key, LogAttributes.TemplateId, StringComparison.Ordinal))
            {
                return TemplateIds!.Contains(attribute.Value);
            }
        }

        return false;
    }
}

/// <summary>Keeps the newest <c>capacity</c> matching records seen, across every source of one query.</summary>
internal sealed class LogCollector
{
    private readonly PriorityQueue<StoredLog, LogKey> _heap;
    private readonly int _capacity;

    public LogCollector(int capacity)
    {
        _capacity = capacity;
        _heap = new PriorityQueue<StoredLog, LogKey>(capacity + 1);
    }

    public bool IsFull => _heap.Count >= _capacity;

    /// <summary>
    /// Whether every record with a time at most <paramref name="maxTime"/> is too old to enter the result, so a
    /// source or page whose newest record is that old can be skipped.
    /// </summary>
    public bool CanSkip(long maxTime) => IsFull && _heap.TryPeek(out _, out var worst) && maxTime < worst.Time;

    public void Offer(in StoredLog log)
    {
        if (_heap.Count < _capacity)
        {
            _heap.Enqueue(log, log.Key);
        }
        else if (_heap.TryPeek(out _, out var worst) && log.Key > worst)
        {
            _heap.DequeueEnqueue(log, log.Key);
        }
    }

    /// <summary>The collected records, newest first.</summary>
    public List<StoredLog> ToNewestFirst()
    {
        var result = new List<StoredLog>(_heap.Count);
        while (_heap.TryDequeue(out var log, out _))
        {
            result.Add(log);
        }

        result.Reverse();
        return result;
    }
}
