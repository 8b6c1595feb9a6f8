using System.Collections.Concurrent;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Queries;

namespace Vigil.Storage.Telemetry.Head;

/// <summary>
/// The in-memory part of the store: the data of the WAL segments not yet written to a block. The commit loop is its
/// only writer; queries read it concurrently. When it is cut, it becomes read-only (frozen) until its block is
/// published, and a new head takes the writes.
/// </summary>
internal sealed class TelemetryHead : IPostingsIndex
{
    private readonly ConcurrentDictionary<LabelSet, MemSeries> _byLabels = new();
    private readonly ReaderWriterLockSlim _indexLock = new(LockRecursionPolicy.NoRecursion);
    private readonly List<MemSeries> _series = [];
    private readonly LabelPostings _postings = new();
    private long _approxBytes;
    private long _sampleCount;
    private long _firstWriteAtMs = long.MinValue;
    private int _seriesCount;

    public TelemetryHead(int firstWalSegment, long createdAtMs)
    {
        FirstWalSegment = firstWalSegment;
        LastWalSegment = firstWalSegment;
        CreatedAtMs = createdAtMs;
    }

    /// <summary>The first WAL segment whose records are in this head.</summary>
    public int FirstWalSegment { get; }

    /// <summary>The last WAL segment whose records are in this head; final once the head is cut.</summary>
    public int LastWalSegment { get; set; }

    /// <summary>When this head was created (the store's clock, Unix milliseconds).</summary>
    public long CreatedAtMs { get; }

    /// <summary>When data was first written to this head (Unix milliseconds), or null while it is empty; its age triggers a cut.</summary>
    public long? FirstWriteAtMs => Volatile.Read(ref _firstWriteAtMs) is var t && t == long.MinValue ? null : t;

    public HeadLogs Logs { get; } = new();

    public HeadSpans Spans { get; } = new();

    /// <summary>The number of series (ConcurrentDictionary.Count would take every lock of the dictionary).</summary>
    public int SeriesCount => Volatile.Read(ref _seriesCount);

    public long SampleCount => Volatile.Read(ref _sampleCount);

    /// <summary>Approximate memory held, in bytes (the head's bound is on this figure).</summary>
    public long ApproxBytes => Volatile.Read(ref _approxBytes);

    public bool IsEmpty => SampleCount == 0 && Logs.Count == 0 && Spans.Count == 0;

    int IPostingsIndex.SeriesCount => _series.Count;

    public MemSeries? GetSeries(LabelSet labels) => _byLabels.TryGetValue(labels, out var series) ? series : null;

    /// <summary>Creates a series; only the commit loop (or WAL replay) calls this, after <see cref="GetSeries"/> found none.</summary>
    public MemSeries CreateSeries(LabelSet labels)
    {
        _indexLock.EnterWriteLock();
        try
        {
            var series = new MemSeries(_series.Count, labels);
            _series.Add(series);
            _postings.Add(series.Id, labels.Labels);

            _byLabels[labels] = series;
            Volatile.Write(ref _seriesCount, _series.Count);
            AddBytes(series.ApproxBytes + (labels.Count * 48));
            return series;
        }
        finally
        {
            _indexLock.ExitWriteLock();
        }
    }

    public void AppendSample(MemSeries series, long t, double value)
    {
        var delta = series.Append(t, value);
        AddBytes(delta);
        Volatile.Write(ref _sampleCount, _sampleCount + 1);
    }

    public void AddLog(long seq, LogRecord record)
    {
        Logs.Add(seq, record);

        // The head index of logs adds a few references per record on top of the record itself.
        AddBytes(HeapSize.Of(record) + 32);
    }

    public void AddSpan(SpanRecord span)
    {
        Spans.Add(span);

        // The trace index and running trace summaries add roughly this much per span on top of the span itself.
        AddBytes(HeapSize.Of(span) + 96);
    }

    /// <summary>Notes the time of the first write; only the commit loop (or replay) calls this.</summary>
    public void MarkWritten(long nowMs)
    {
        if (_firstWriteAtMs == long.MinValue)
        {
            Volatile.Write(ref _firstWriteAtMs, nowMs);
        }
    }

    /// <summary>The series that match every matcher (in series-number order).</summary>
    public List<MemSeries> Select(IReadOnlyList<LabelMatcher> matchers)
    {
        var result = new List<MemSeries>();
        _indexLock.EnterReadLock();
        try
        {
            var candidates = PostingsQuery.Candidates(this, matchers);
            if (candidates is null)
            {
                foreach (var series in _series)
                {
                    if (PostingsQuery.MatchesAll(series.Labels, matchers))
                    {
                        result.Add(series);
                    }
                }
            }
            else
            {
                foreach (var id in candidates)
                {
                    var series = _series[id];
                    if (PostingsQuery.MatchesAll(series.Labels, matchers))
                    {
                        result.Add(series);
                    }
                }
            }
        }
        finally
        {
            _indexLock.ExitReadLock();
        }

        return result;
    }

    /// <summary>Every series, for writing a block from a frozen head.</summary>
    public List<MemSeries> AllSeries()
    {
        _indexLock.EnterReadLock();
        try
        {
            return [.. _series];
        }
        finally
        {
            _indexLock.ExitReadLock();
        }
    }

    // Called with the index lock held (read) by Select.
    IReadOnlyList<int>? IPostingsIndex.Get(string name, string value) => _postings.Get(name, value);

    IEnumerable<KeyValuePair<string, IReadOnlyList<int>>> IPostingsIndex.Values(string name) => _postings.Values(name);

    private void AddBytes(long delta) => Volatile.Write(ref _approxBytes, _approxBytes + delta);
}
