using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Queries;

namespace Vigil.Storage.Telemetry.Head;

/// <summary>
/// Log records in the head, in arrival order, with the time range of every run of <see cref="RunSize"/> records.
/// Arrival order is close to time order, so a newest-first query scans runs from the end and stops as soon as a
/// run's newest record is older than the page it has already filled.
/// </summary>
internal sealed class HeadLogs
{
    private const int RunSize = AppendOnlyList<StoredLog>.ChunkSize;
    private readonly AppendOnlyList<StoredLog> _records = new();
    private readonly AppendOnlyList<TimeRange> _runs = new();
    private TimeRange _current = TimeRange.Empty;

    public int Count => _records.Count;

    /// <summary>Adds a record; only the commit loop calls this.</summary>
    public void Add(long seq, LogRecord record)
    {
        var index = _records.Count;
        var time = record.TimeUnixNano;
        if (index % RunSize == 0)
        {
            _current = new TimeRange(time, time);
            _runs.Add(_current);
        }
        else
        {
            _current = new TimeRange(Math.Min(_current.Min, time), Math.Max(_current.Max, time));
            _runs.Set(index / RunSize, _current);
        }

        // The run's range is updated before the record is published, so readers never see a record outside its run's range.
        _records.Add(new StoredLog(seq, record));
    }

    public void Collect(LogFilter filter, LogCollector collector)
    {
        var count = _records.Count;
        for (var run = (count - 1) / RunSize; run >= 0 && count > 0; run--)
        {
            var range = _runs[run];
            if (range.Max < filter.Start || range.Min > filter.End || collector.CanSkip(range.Max))
            {
                continue;
            }

            var end = Math.Min(count, (run + 1) * RunSize);
            for (var i = end - 1; i >= run * RunSize; i--)
            {
                var log = _records[i];
                if (filter.Matches(log))
                {
                    collector.Offer(log);
                }
            }
        }
    }

    /// <summary>Every record, for writing a block from a frozen head.</summary>
    public List<StoredLog> Snapshot()
    {
        var count = _records.Count;
        var result = new List<StoredLog>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(_records[i]);
        }

        return result;
    }

    private readonly record struct TimeRange(long Min, long Max)
    {
        public static TimeRange Empty { get; } = new(long.MaxValue, long.MinValue);
    }
}
