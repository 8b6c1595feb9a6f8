using System.Text;
using Vigil.Core.Telemetry.Exposition;

namespace Vigil.Core.Tests.Telemetry.Exposition;

public sealed class Utf8StringCacheTests
{
    [Fact]
    public void Get_SameBytesTwice_ReturnsSameInstance()
    {
        var cache = new Utf8StringCache(16);

        var first = cache.Get("node_cpu_seconds_total"u8);
        var second = cache.Get("node_cpu_seconds_total"u8);

        Assert.Equal("node_cpu_seconds_total", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Get_KeyLongerThanLimit_IsDecodedButNotCached()
    {
        var cache = new Utf8StringCache(16);
        var key = Encoding.UTF8.GetBytes(new string('x', Utf8StringCache.MaxKeyLength + 1));

        Assert.Equal(key.Length, cache.Get(key).Length);
        Assert.False(cache.TryGet(key, out _));
    }

    [Fact]
    public void Get_MoreKeysThanSlots_StaysCorrect()
    {
        var cache = new Utf8StringCache(2);

        for (var i = 0; i < 100; i++)
        {
            var text = "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(text, cache.Get(Encoding.UTF8.GetBytes(text)));
        }
    }

    [Fact]
    public void Get_MultiByteUtf8_Decodes()
    {
        Assert.Equal("ünïcødé ✓", new Utf8StringCache(8).Get(Encoding.UTF8.GetBytes("ünïcødé ✓")));
    }

    [Fact]
    public void Constructor_SlotsNotPowerOfTwo_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Utf8StringCache(3));
    }
}
