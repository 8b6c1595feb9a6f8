using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.Telemetry;

public sealed class LabelSetTests
{
    [Fact]
    public void From_UnsortedWithEmptyAndRepeated_SortsDropsEmptyLastWins()
    {
        var labels = LabelSet.From(("b", "2"), ("a", "1"), ("empty", ""), ("b", "3"));
        Assert.Equal(["a", "b"], labels.Labels.ToArray().Select(l => l.Name));
        Assert.Equal("3", labels.Get("b"));
        Assert.Null(labels.Get("empty"));
    }

    [Fact]
    public void Equals_SameContentDifferentOrder_AreEqualWithSameHash()
    {
        var x = LabelSet.From(("__name__", "up"), ("job", "api"));
        var y = LabelSet.From(("job", "api"), ("__name__", "up"));
        Assert.Equal(x, y);
        Assert.Equal(x.GetHashCode(), y.GetHashCode());
        Assert.Equal("up{job=\"api\"}", x.ToString());
    }
}
