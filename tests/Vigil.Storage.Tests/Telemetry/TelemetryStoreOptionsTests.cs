using Vigil.Storage.Telemetry;

namespace Vigil.Storage.Tests.Telemetry;

public sealed class TelemetryStoreOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValidAndAsDocumented()
    {
        var options = new TelemetryStoreOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromDays(15), options.RetentionAge);
        Assert.Equal(10L << 30, options.RetentionBytes);
        Assert.Equal(500_000, options.MaxSeries);
        Assert.Equal(64L << 20, options.MaxPendingWriteBytes);
        Assert.Equal(TimeSpan.FromHours(2), options.BlockDuration);
        Assert.Equal(512L << 20, options.MaxHeadBytes);
    }

    [Fact]
    public void Validate_EveryOptionInvalid_ReportsEachOneByName()
    {
        var options = new TelemetryStoreOptions
        {
            DataDirectory = "",
            RetentionAge = TimeSpan.Zero,
            RetentionBytes = -1,
            MaxSeries = 0,
            MaxPendingWriteBytes = 10,
            BlockDuration = TimeSpan.FromSeconds(1),
            MaxHeadBytes = 10,
            WalSegmentBytes = 10,
            BlockIndexCacheBytes = 0,
            MaintenanceInterval = TimeSpan.Zero,
        };

        var errors = options.Validate();

        Assert.Equal(10, errors.Count);
        foreach (var name in new[] { "DataDirectory", "RetentionAge", "RetentionBytes", "MaxSeries", "MaxPendingWriteBytes", "BlockDuration", "MaxHeadBytes", "WalSegmentBytes", "BlockIndexCacheBytes", "MaintenanceInterval" })
        {
            Assert.Contains(errors, e => e.StartsWith(name + " ", StringComparison.Ordinal));
        }
    }
}
