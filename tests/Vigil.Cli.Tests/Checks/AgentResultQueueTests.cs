using Vigil.Cli.Agent;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Tests.Checks;

/// <summary>The agent's bounded result queue: drop-oldest with a count, and peek-then-remove so a failed report loses nothing.</summary>
public sealed class AgentResultQueueTests
{
    [Fact]
    public void Add_BeyondCapacity_DropsTheOldestAndCountsThem()
    {
        var queue = new AgentResultQueue(3);

        var dropped = Enumerable.Range(0, 5).Sum(i => queue.Add(Result(i)));

        Assert.Equal(2, dropped);
        Assert.Equal(2, queue.Dropped);
        Assert.Equal(3, queue.Count);
        Assert.Equal(["c2", "c3", "c4"], queue.Peek(10).Results.Select(r => r.Check));
    }

    [Fact]
    public void PeekThenRemove_KeepsResultsUntilRemoved_AndSkipsThoseDroppedMeanwhile()
    {
        var queue = new AgentResultQueue(3);
        queue.Add(Result(0));
        queue.Add(Result(1));

        var (batch, through) = queue.Peek(2);
        Assert.Equal(["c0", "c1"], batch.Select(r => r.Check));
        Assert.Equal(2, queue.Count); // a report that fails now loses nothing

        // While the batch is in flight, new results push c0 out.
        queue.Add(Result(2));
        queue.Add(Result(3));
        queue.Remove(through);

        Assert.Equal(["c2", "c3"], queue.Peek(10).Results.Select(r => r.Check));
        Assert.Equal(1, queue.Dropped);
    }

    [Fact]
    public void Peek_TakesAtMostTheBatchSize()
    {
        var queue = new AgentResultQueue(100);
        for (var i = 0; i < 10; i++)
        {
            queue.Add(Result(i));
        }

        var (batch, through) = queue.Peek(4);
        queue.Remove(through);

        Assert.Equal(4, batch.Count);
        Assert.Equal(6, queue.Count);
        Assert.Equal("c4", queue.Peek(1).Results[0].Check);
    }

    private static CheckResultDto Result(int i) => new(
        $"c{i}", "east", CliRun.Now, CliRun.Now, 0.01, "pass", null, null, 1, false, [], [], []);
}
