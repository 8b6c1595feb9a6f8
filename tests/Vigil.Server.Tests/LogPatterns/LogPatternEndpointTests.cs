using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Server.Api;
using Vigil.Server.LogPatterns;

namespace Vigil.Server.Tests.LogPatterns;

public sealed class LogPatternEndpointTests
{
    [Fact]
    public void TemplateIdFilter_AfterAMerge_SurvivorAndAbsorbedIdsSelectTheSameRecords()
    {
        var service = new LogPatternsService(null, NullLogger<LogPatternsService>.Instance);
        var ids = new[]
        {
            "cache evict shard=1 region=east tier=hot",
            "cache evict shard=2 region=west tier=cold",
            "cache evict shard=3 region=east tier=cold",
            "cache evict shard=4 region=north tier=warm",
        }.Select(body => service.Miner.Match("cache", body).Id).ToList();
        var (survivor, absorbed) = (ids[0].ToString(), ids[1].ToString());
        Assert.NotEqual(survivor, absorbed);

        var bySurvivor = LogPatternEndpoint.TemplateIdFilter(service, "cache", survivor)!;
        var byAbsorbed = LogPatternEndpoint.TemplateIdFilter(service, "cache", absorbed)!;

        Assert.Equal(new HashSet<string> { survivor, absorbed }, bySurvivor.ToHashSet());
        Assert.Equal(bySurvivor.ToHashSet(), byAbsorbed.ToHashSet());
        Assert.Null(LogPatternEndpoint.TemplateIdFilter(service, "cache", null));
        Assert.Equal("template_id", Assert.Throws<BadParameterException>(() => LogPatternEndpoint.TemplateIdFilter(service, "cache", "-1")).Parameter);
        Assert.Equal("template_id", Assert.Throws<BadParameterException>(() => LogPatternEndpoint.TemplateIdFilter(service, null, "1")).Parameter);
    }
}
