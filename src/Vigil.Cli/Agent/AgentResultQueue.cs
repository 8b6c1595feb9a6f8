using Vigil.Client.Contracts;

namespace Vigil.Cli.Agent;

/// <summary>
/// Results waiting to be reported, oldest first, bounded: when the server stays unreachable long enough to fill it,
/// the oldest results are dropped (and counted) so the agent's memory stays flat and the newest state gets through.
/// A batch is taken by peeking and removed only once the server accepted it, so a failed report loses nothing.
/// Thread-safe.
/// </summary>
internal sealed class AgentResultQueue
{
    private readonly Queue<(long Sequence, CheckResultDto Result)> _items = new();
    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private long _nextSequence;

    /// <param name="capacity">The most results kept; at least 1.</param>
    public AgentResultQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Results dropped so far because the queue was full.</summary>
    public long Dropped { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds a result; returns how many old results were dropped to make room (0 or 1).</summary>
    public int Add(CheckResultDto result)
    {
        var dropped = 0;
        lock (_gate)
        {
            if (_items.Count >= Capacity)
            {
                _items.Dequeue();
                Dropped++;
                dropped = 1;
            }

            _items.Enqueue((_nextSequence++, result));
        }

        _signal.Release();
        return dropped;
    }

    /// <summary>Up to <paramref name="max"/> of the oldest results, left in the queue, with the sequence to pass to <see cref="Remove"/>.</summary>
    public (IReadOnlyList<CheckResultDto> Results, long Through) Peek(int max)
    {
        lock (_gate)
        {
            var batch = new List<CheckResultDto>(Math.Min(max, _items.Count));
            var through = -1L;
            foreach (var (sequence, result) in _items)
            {
                if (batch.Count == max)
                {
                    break;
                }

                batch.Add(result);
                through = sequence;
            }

            return (batch, through);
        }
    }

    /// <summary>Removes every result up to and including <paramref name="through"/> (those dropped meanwhile are already gone).</summary>
    public void Remove(long through)
    {
        lock (_gate)
        {
            while (_items.Count > 0 && _items.Peek().Sequence <= through)
            {
                _items.Dequeue();
            }
        }
    }

    /// <summary>Waits until a result was added since the last wait, or <paramref name="timeout"/> passed.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await _signal.WaitAsync(linked.Token);
            // Several results may have signalled; one wake-up takes them all.
            while (_signal.CurrentCount > 0 && _signal.Wait(0, CancellationToken.None))
            {
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout: a periodic wake-up.
        }
    }
}
